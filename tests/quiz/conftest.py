"""Quiz test helpers: a loaded bank, a movable server clock, CSRF-aware posting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from kmslab.quiz import clock


@pytest.fixture
def bank(db: Any) -> int:
    from kmslab.quiz.loader import load_questions

    report = load_questions()
    return len(report.created) + len(report.unchanged) + len(report.updated)


class MovableClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@pytest.fixture
def server_clock(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    c = MovableClock()
    monkeypatch.setattr(clock, "now", c)
    return c


def csrf_token(client: Any) -> str:
    if "csrftoken" not in client.cookies:
        client.get("/quiz/")
    return str(client.cookies["csrftoken"].value)


@pytest.fixture
def post() -> Callable[..., Any]:
    """post(client, url, data) with the CSRF token a real form would carry."""

    def _post(client: Any, url: str, data: dict[str, Any] | None = None) -> Any:
        payload = dict(data or {})
        payload["csrfmiddlewaretoken"] = csrf_token(client)
        return client.post(url, payload)

    return _post
