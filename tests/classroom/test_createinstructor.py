"""The createinstructor command: creates or promotes, validates passwords, never echoes them."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from kmslab.classroom.instructors import is_instructor

pytestmark = pytest.mark.django_db

GOOD = "correct-horse-battery-staple-42"


def test_createinstructor_creates_a_user_who_can_log_in_as_instructor() -> None:
    out = io.StringIO()
    call_command("createinstructor", "mrs-k", "--password", GOOD, "--email", "k@example.org", stdout=out)
    user = User.objects.get(username="mrs-k")
    assert is_instructor(user) and user.check_password(GOOD) and user.email == "k@example.org"
    assert not user.is_staff and not user.is_superuser
    assert GOOD not in out.getvalue() and "Created instructor" in out.getvalue()


def test_createinstructor_promotes_an_existing_user_keeping_their_password() -> None:
    User.objects.create_user("stu", password=GOOD)
    call_command("createinstructor", "stu", "--noinput", stdout=io.StringIO())
    user = User.objects.get(username="stu")
    assert is_instructor(user) and user.check_password(GOOD)


def test_createinstructor_refuses_a_weak_password() -> None:
    with pytest.raises(CommandError, match="too weak"):
        call_command("createinstructor", "weak", "--password", "123", stdout=io.StringIO())
    assert not User.objects.filter(username="weak").exists()


def test_createinstructor_noinput_without_password_makes_an_unusable_password() -> None:
    call_command("createinstructor", "later", "--noinput", stdout=io.StringIO())
    assert not User.objects.get(username="later").has_usable_password()


def test_createinstructor_prompts_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["a-long-passphrase-1", "different", GOOD, GOOD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("createinstructor", "prompted", stdout=io.StringIO(), stderr=io.StringIO())
    assert User.objects.get(username="prompted").check_password(GOOD)


def test_createinstructor_account_can_log_in_and_open_the_create_page(client: object) -> None:
    call_command("createinstructor", "mrs-k", "--password", GOOD, stdout=io.StringIO())
    from django.test import Client
    c = Client()
    from django.http import HttpRequest

    assert c.login(request=HttpRequest(), username="mrs-k", password=GOOD)  # django-axes needs a request
    assert c.get("/classroom/new/").status_code == 200
