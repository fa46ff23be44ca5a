"""Keep a learner's class memberships when they log in after joining anonymously.

`kmslab.learner.learner_key` remembers the anonymous key in the session; login keeps session data
while cycling the session id, so on `user_logged_in` the memberships made under that key move
to `user:<id>` (skipping classes the account is already in). Scenario progress and quiz sittings
are claimed by their own apps from the same remembered key.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest

from kmslab.classroom.models import Membership
from kmslab.learner import previous_anonymous_key


def claim_memberships(from_key: str, to_key: str) -> int:
    """Move memberships from one learner key to another; returns how many moved."""
    moved = 0
    with transaction.atomic():
        taken = set(Membership.objects.filter(learner_key=to_key).values_list("classroom_id", flat=True))
        for m in Membership.objects.select_for_update().filter(learner_key=from_key):
            if m.classroom_id in taken:
                continue
            m.learner_key = to_key
            m.save(update_fields=["learner_key"])
            moved += 1
    return moved


def claim_on_login(sender: object, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    old = previous_anonymous_key(request.session)
    if old:
        claim_memberships(old, f"user:{user.pk}")
