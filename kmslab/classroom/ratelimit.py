"""The join rate limit, per client address, stored in the database (shared by all workers).

Two budgets per window: wrong or closed codes (small: it stops code guessing) and all join
attempts (large: a whole class often shares one school address behind NAT).
The client address is `kmslab.proxy.client_address` (REMOTE_ADDR, or behind reverse proxies the
address CLASSROOM_TRUSTED_PROXY_HOPS from the right of X-Forwarded-For).
Check and record are one step (`attempt`): a lock per client address is held from the check to
the record, so parallel wrong codes cannot each pass the check before any is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kmslab.classroom.models import JoinAttempt
from kmslab.proxy import client_address

__all__ = ["Limits", "attempt", "client_address", "limits", "record", "retry_after"]

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


@contextmanager
def attempt(client: str) -> Iterator[int]:
    """`with attempt(client) as wait:` the seconds to wait (0: go ahead, then `record`), with this
    client's budget locked until the block ends. One transaction; on SQLite it is IMMEDIATE
    (settings), which already serialises writers; on PostgreSQL a transaction-level advisory
    lock keyed on the client address serialises only that client's attempts."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            digest = hashlib.blake2b(f"kmslab-join:{client}".encode(), digest_size=8).digest()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)])
        elif connection.vendor != "sqlite":
            list(JoinAttempt.objects.select_for_update().filter(client=client).values_list("id")[:1])
        yield retry_after(client)


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
