"""Settings come from the environment and fail loudly on nonsense.

Each case runs Django in a subprocess with a controlled environment, because settings are read
once per process.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = secrets.token_urlsafe(60)


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DJANGO_SETTINGS_MODULE", "KMSLAB_TESTING",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    } and not k.startswith(("CLASSROOM_", "LOGIN_", "DB_", "SESSION_", "SIGNUP"))}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "kmslab.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def production_env(**overrides: str) -> dict[str, str]:
    return {"DEBUG": "false", "SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "example.com", **overrides}


def test_check_deploy_clean_under_production_settings() -> None:
    result = run_django(production_env(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues (0 silenced)" in result.stdout


def test_check_clean_under_development_defaults() -> None:
    result = run_django({}, "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (production_env(SECRET_KEY=""), "SECRET_KEY is the development default"),
        (production_env(SECRET_KEY="short-but-not-default"), "at least 50 characters"),
        (production_env(ALLOWED_HOSTS=""), "ALLOWED_HOSTS must be set"),
        (production_env(ALLOWED_HOSTS="example.com, bad host"), "entry with spaces"),
        (production_env(SECURE_HSTS_SECONDS="a year"), "SECURE_HSTS_SECONDS='a year' is not an integer"),
        (production_env(SECURE_SSL_REDIRECT="sometimes"), "SECURE_SSL_REDIRECT='sometimes'"),
        ({"CSRF_TRUSTED_ORIGINS": "example.com"}, "needs a scheme"),
        ({"DATABASE_URL": "nonsense://what"}, "DATABASE_URL is not a valid database URL"),
        ({"CLASSROOM_TRUSTED_PROXY_HOPS": "one"}, "CLASSROOM_TRUSTED_PROXY_HOPS='one' is not an integer"),
        ({"CLASSROOM_TRUSTED_PROXY_HEADER": "X Forwarded For"}, "is not an HTTP header name"),
        ({"CLASSROOM_JOIN_MAX_FAILURES": "0"}, "CLASSROOM_JOIN_MAX_FAILURES='0' must be at least 1"),
        ({"CLASSROOM_JOIN_WINDOW_SECONDS": "15m"}, "CLASSROOM_JOIN_WINDOW_SECONDS='15m' is not an integer"),
        ({"CLASSROOM_JOIN_MAX_ATTEMPTS": "-5"}, "must not be negative"),
        ({"LOGIN_MAX_FAILURES": "many"}, "LOGIN_MAX_FAILURES='many' is not an integer"),
        ({"LOGIN_LOCKOUT_MINUTES": "0"}, "LOGIN_LOCKOUT_MINUTES='0' must be at least 1"),
    ],
    ids=["debug-maybe", "dev-key-in-prod", "short-key", "no-hosts", "host-with-space", "hsts-text",
         "ssl-redirect-text", "origin-no-scheme", "bad-database-url", "hops-text", "header-spaces",
         "failures-zero", "window-text", "attempts-negative", "login-failures-text", "lockout-zero"],
)
def test_settings_nonsense_fails_loudly(env: dict[str, str], message: str) -> None:
    result = run_django(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_settings_production_uses_manifest_storage_and_secure_cookies() -> None:
    code = (
        "from django.conf import settings as s; "
        "print(s.STORAGES['staticfiles']['BACKEND'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    result = run_django(production_env(), "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "kmslab.staticstore.StaticStorage", "True", "True", "True", "31536000",
    ]


def test_settings_sqlite_default_uses_wal_and_immediate_transactions(tmp_path: Path) -> None:
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0]); "
        "print(connection.settings_dict['OPTIONS']['transaction_mode'])"
    )
    result = run_django({}, "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]


def test_settings_classroom_and_login_limits_come_from_the_environment() -> None:
    code = ("from django.conf import settings as s; print(s.CLASSROOM_TRUSTED_PROXY_HOPS, "
            "s.CLASSROOM_TRUSTED_PROXY_HEADER, s.CLASSROOM_JOIN_WINDOW_SECONDS, s.CLASSROOM_JOIN_MAX_FAILURES, "
            "s.CLASSROOM_JOIN_MAX_ATTEMPTS, s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()))")
    env = {"CLASSROOM_TRUSTED_PROXY_HOPS": "1", "CLASSROOM_TRUSTED_PROXY_HEADER": "X-Real-IP",
           "CLASSROOM_JOIN_WINDOW_SECONDS": "600", "CLASSROOM_JOIN_MAX_FAILURES": "20",
           "CLASSROOM_JOIN_MAX_ATTEMPTS": "900", "LOGIN_MAX_FAILURES": "7", "LOGIN_LOCKOUT_MINUTES": "30"}
    result = run_django(env, "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "HTTP_X_REAL_IP", "600", "20", "900", "7", "1800"]


def test_settings_database_url_selects_postgresql() -> None:
    code = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['HOST'])"
    result = run_django({"DATABASE_URL": "postgres://u:p@db.example.com:5432/kmslab"}, "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "kmslab", "db.example.com"]


@pytest.mark.parametrize("url, env, checks", [
    ("postgres://u:p@db.example.com:5432/kmslab", {}, "False"),
    ("postgres://u:p@db.example.com:5432/kmslab", {"DB_CONN_HEALTH_CHECKS": "true"}, "True"),
    ("sqlite:///tmp/x.sqlite3", {}, "True"),
    ("sqlite:///tmp/x.sqlite3", {"DB_CONN_HEALTH_CHECKS": "false"}, "False"),
])
def test_settings_connection_health_checks(url: str, env: dict[str, str], checks: str) -> None:
    code = "from django.conf import settings as s; print(s.DATABASES['default']['CONN_HEALTH_CHECKS'])"
    result = run_django({"DATABASE_URL": url, **env}, "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [checks]


@pytest.mark.parametrize("env, threshold", [({}, "5"), ({"DB_PREPARED_STATEMENTS": "false"}, "None")])
def test_settings_postgresql_binds_on_the_server_and_prepares_repeated_statements(env: dict[str, str],
                                                                                   threshold: str) -> None:
    code = "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS']; print(o['server_side_binding'], o['prepare_threshold'])"
    result = run_django({"DATABASE_URL": "postgres://u:p@db.example.com:5432/kmslab", **env},
                        "shell", "--no-imports", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", threshold]


@pytest.mark.parametrize("mode, threshold, frozen", [("tuned", "7000", True), ("default", "700", False)])
def test_the_wsgi_module_tunes_the_garbage_collector_unless_told_not_to(mode: str, threshold: str,
                                                                        frozen: bool) -> None:
    code = ("import gc, kmslab.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "KMSLAB_TESTING"}}
    env |= {"KMSLAB_GC": mode, "DEBUG": "true"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [threshold, str(frozen)]
