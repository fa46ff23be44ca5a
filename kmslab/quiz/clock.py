"""The server's clock, the only source of "now" for the quiz (tests move it with monkeypatch).

The browser's clock is never trusted: deadlines are computed from the sitting's server-side
start time and checked against this clock when an answer or a submission arrives.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
