"""The join limiter under parallel requests, the client address behind proxies, and the failed-login
throttle. Run on SQLite (a file database, so each thread has its own connection) and, in `make
test`, on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from kmslab.classroom.models import JoinAttempt
from kmslab.proxy import client_address
from tests.classroom.conftest import CsrfClient


@pytest.mark.parametrize(("hops", "forwarded", "expected"), [
    (0, "6.6.6.6", "10.0.0.1"),  # no proxy configured: a forged header changes nothing
    (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # one proxy: the address it saw; the client's own entry is ignored
    (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
    (1, "", "10.0.0.1"),
])
def test_client_address_counts_trusted_hops_from_the_right(rf: RequestFactory, settings: SettingsWrapper,
                                                           hops: int, forwarded: str, expected: str) -> None:
    settings.CLASSROOM_TRUSTED_PROXY_HOPS = hops
    settings.CLASSROOM_TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    request = rf.post("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def _in_threads(count: int, work) -> list[object]:  # type: ignore[no-untyped-def]
    results: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_never_exceed_the_limit(settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_FAILURES = 5
    clients = [CsrfClient() for _ in range(16)]
    for c in clients:
        c.token()

    def wrong(i: int) -> int:
        return clients[i].post_form("/classroom/join/", {"code": "ZZZZZZ", "display_name": f"L{i}"},
                                    REMOTE_ADDR="10.1.1.1").status_code

    codes = _in_threads(16, wrong)
    assert codes.count(404) == 5, codes
    assert codes.count(429) == 11, codes
    assert JoinAttempt.objects.filter(succeeded=False).count() == 5


def _login(client: Client, username: str, password: str, ip: str = "10.2.2.2"):  # type: ignore[no-untyped-def]
    client.get("/accounts/login/")
    return client.post("/accounts/login/", {"username": username, "password": password,
                                            "csrfmiddlewaretoken": client.cookies["csrftoken"].value},
                       REMOTE_ADDR=ip)


@pytest.fixture
def instructor(db: None) -> User:
    return User.objects.create_user("mrs-k", password="a-long-and-right-password")


def test_failed_logins_lock_the_account_with_a_clear_message(instructor: User, settings: SettingsWrapper) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(enforce_csrf_checks=True)
    for i in range(2):
        assert _login(client, "mrs-k", "wrong", ip=f"10.3.0.{i}").status_code == 200  # the form again
    assert _login(client, "mrs-k", "wrong", ip="10.3.0.3").status_code == 429  # the third failure locks
    locked = _login(client, "mrs-k", "a-long-and-right-password", ip="10.3.0.9")  # another address too
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert int(locked["Retry-After"]) >= 60
    assert "_auth_user_id" not in client.session


def test_failed_logins_lock_the_address_across_accounts(instructor: User, settings: SettingsWrapper) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for name in ("a", "b"):
        assert _login(Client(enforce_csrf_checks=True), name, "guess").status_code == 200
    assert _login(Client(enforce_csrf_checks=True), "c", "guess").status_code == 429
    assert _login(Client(enforce_csrf_checks=True), "mrs-k", "a-long-and-right-password").status_code == 429
    # the same account from another network still logs in
    assert _login(Client(enforce_csrf_checks=True), "mrs-k", "a-long-and-right-password", ip="10.9.9.9").status_code == 302


def test_a_successful_login_resets_the_count(instructor: User, settings: SettingsWrapper) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):
        _login(client, "mrs-k", "wrong")
    assert _login(client, "mrs-k", "a-long-and-right-password").status_code == 302
    client = Client(enforce_csrf_checks=True)
    for _ in range(2):
        assert _login(client, "mrs-k", "wrong").status_code == 200
    assert _login(client, "mrs-k", "a-long-and-right-password").status_code == 302
