"""Exam timing rules, decided on the server's clock.

The rules (also shown on the exam start page):
- The time limit runs from the sitting's `started_at`, recorded by the server when the exam
  starts. The countdown in the page is only a display.
- A grace period of GRACE_SECONDS after the limit absorbs network latency: an answer that reaches
  the server within the limit plus the grace period counts.
- An answer that arrives later is recorded for the review but scores zero (`counted = False`),
  and the sitting is closed as "late". Submitting late closes it the same way; answers recorded in
  time still count. Unanswered questions score zero.
Must not: read the browser's clock or any time sent by the client.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kmslab.quiz.models import Sitting

GRACE_SECONDS = 30
GRACE = timedelta(seconds=GRACE_SECONDS)


def deadline(sitting: Sitting) -> datetime | None:
    if not sitting.time_limit_seconds:
        return None
    return sitting.started_at + timedelta(seconds=sitting.time_limit_seconds)


def seconds_left(sitting: Sitting, now: datetime) -> int | None:
    end = deadline(sitting)
    if end is None:
        return None
    return max(0, int((end - now).total_seconds()))


def in_time(sitting: Sitting, now: datetime) -> bool:
    """True when an answer or submission arriving `now` is within the limit plus the grace period."""
    end = deadline(sitting)
    return end is None or now <= end + GRACE
