"""The fast password hasher is for tests only: a deployment hashes with Django's default (PBKDF2)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from tests.test_settings import production_env, run_django


def test_settings_tests_hash_passwords_with_the_fast_hasher() -> None:
    assert make_password("correct-horse-battery-staple").startswith("md5$")


def test_settings_outside_tests_hash_passwords_with_pbkdf2() -> None:
    code = "from django.contrib.auth.hashers import make_password; print(make_password('x').split('$')[0])"
    for env in (production_env(), {}):
        result = run_django(env, "shell", "--no-imports", "-v", "0", "-c", code)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "pbkdf2_sha256"
