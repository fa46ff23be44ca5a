"""Who the learner is, as one string every app stores beside learner data.

Logged-in learners are `user:<id>`; anonymous learners are `anon:<session key>` (a session is
created on first use). Scenario attempts, quiz sittings and class memberships all key on this
string, so an instructor's dashboard can see an anonymous learner's work, and work done before
logging in can be claimed later: Django keeps session data but changes the session key at login,
so the anonymous key is remembered in the session (`previous_anonymous_key`) for each app's
`user_logged_in` receiver to move its rows to `user:<id>`. The remembered key wins over the
session key, so a recovery link (kmslab.keep) can give a new browser an earlier learner's key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

ANON_SESSION_KEY = "learner_anon_key"


def learner_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    stored = request.session.get(ANON_SESSION_KEY)
    if isinstance(stored, str) and stored.startswith("anon:"):
        return stored  # this session's own key, or one restored by a recovery link (kmslab.keep)
    if not request.session.session_key:
        request.session.save()
    key = f"anon:{request.session.session_key}"
    if request.session.get(ANON_SESSION_KEY) != key:
        request.session[ANON_SESSION_KEY] = key
    return key


def previous_anonymous_key(session: SessionBase) -> str | None:
    """The anonymous key this session used before logging in, if it did any work."""
    key = session.get(ANON_SESSION_KEY)
    return key if isinstance(key, str) and key.startswith("anon:") else None


def claim_on_login(claim: Callable[[str, str], int]) -> Callable[..., None]:
    """A `user_logged_in` receiver that moves this browser's anonymous rows to the account with
    `claim(from_key, to_key)` (each app passes its own)."""
    def receiver(sender: object, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
        if request is None or user is None or not hasattr(request, "session"):
            return
        old = previous_anonymous_key(request.session)
        if old:
            claim(old, f"user:{user.pk}")
    return receiver
