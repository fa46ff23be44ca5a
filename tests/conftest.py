"""Fixtures shared by every test folder.

- `csrf_client`: a Django test client that enforces CSRF (forms must carry the token).
- `htmx_client`: same, and every request carries the `HX-Request: true` header.
- `user` / `logged_in_client`: a plain learner account and a client logged in as it.
Browser fixtures (`page`, `live_url`, `axe_audit`, `screenshot`) live in tests/browser/conftest.py.

Property tests (Hypothesis) are derandomized by default, so `make test` runs the same examples on
every machine and a red CI run reproduces locally. `make fuzz` (HYPOTHESIS_PROFILE=explore) draws
fresh random examples, many more of them, to look for new failures.
"""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("default", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", max_examples=1000, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a
# thread with a running loop unless this is set. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


DB_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-only",
        action="store_true",
        help="run only the tests that touch the database (make test runs these again on PostgreSQL)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--db-only"):
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") is not None or bool(
            DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class HtmxClient(Client):
    def generic(self, method, path, data="", content_type="application/octet-stream", secure=False, *, headers=None, **extra):  # type: ignore[no-untyped-def,override]
        merged = {"HX-Request": "true", **(headers or {})}
        return super().generic(method, path, data, content_type, secure, headers=merged, **extra)


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def htmx_client() -> HtmxClient:
    return HtmxClient(enforce_csrf_checks=True)


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username="learner", password="correct-horse-battery-staple")


@pytest.fixture
def logged_in_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client
