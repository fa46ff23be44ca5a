"""The join rate limit, per client address, stored in the database (shared by all workers).

Two budgets per window: wrong or closed codes (small: it stops code guessing) and all join
attempts (large: a whole class often shares one school address behind NAT).
The client address is REMOTE_ADDR; behind a reverse proxy set CLASSROOM_TRUSTED_PROXY_HEADER
(e.g. "HTTP_X_FORWARDED_FOR") and the first address in that header is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from kmslab.classroom.models import JoinAttempt

DEFAULT_WINDOW_SECONDS = 15 * 60
DEFAULT_MAX_FAILURES = 10
DEFAULT_MAX_ATTEMPTS = 300


@dataclass(frozen=True, slots=True)
class Limits:
    window_seconds: int
    max_failures: int
    max_attempts: int


def limits() -> Limits:
    return Limits(
        window_seconds=int(getattr(settings, "CLASSROOM_JOIN_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS)),
        max_failures=int(getattr(settings, "CLASSROOM_JOIN_MAX_FAILURES", DEFAULT_MAX_FAILURES)),
        max_attempts=int(getattr(settings, "CLASSROOM_JOIN_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)),
    )


def client_address(request: HttpRequest) -> str:
    header = getattr(settings, "CLASSROOM_TRUSTED_PROXY_HEADER", "")
    if header:
        forwarded = str(request.META.get(header, "")).split(",")[0].strip()
        if forwarded:
            return forwarded[:64]
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")[:64]


def retry_after(client: str) -> int:
    """Seconds until this client may try again; 0 when it is within both budgets."""
    lim = limits()
    since = timezone.now() - timedelta(seconds=lim.window_seconds)
    recent = JoinAttempt.objects.filter(client=client, created_at__gte=since)
    failures = list(recent.filter(succeeded=False).order_by("created_at").values_list("created_at", flat=True))
    if len(failures) >= lim.max_failures:
        return _seconds_until(failures[-lim.max_failures], lim.window_seconds)
    attempts = list(recent.order_by("created_at").values_list("created_at", flat=True))
    if len(attempts) >= lim.max_attempts:
        return _seconds_until(attempts[-lim.max_attempts], lim.window_seconds)
    return 0


def _seconds_until(oldest_counted: datetime, window: int) -> int:
    left = (oldest_counted + timedelta(seconds=window) - timezone.now()).total_seconds()
    return max(1, int(left) + 1)


def record(client: str, succeeded: bool) -> None:
    JoinAttempt.objects.create(client=client, succeeded=succeeded)
    cutoff = timezone.now() - timedelta(seconds=limits().window_seconds)
    JoinAttempt.objects.filter(created_at__lt=cutoff).delete()
