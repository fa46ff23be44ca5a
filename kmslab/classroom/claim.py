"""Keep a learner's class memberships when they log in after joining anonymously.

`kmslab.learner.learner_key` remembers the anonymous key in the session; login keeps session data
while cycling the session id, so on `user_logged_in` the memberships made under that key move
to `user:<id>` (skipping classes the account is already in). Scenario progress and quiz sittings
are claimed by their own apps from the same remembered key.
"""

from __future__ import annotations

from django.db import transaction

from kmslab.classroom.models import Membership
from kmslab.learner import claim_on_login as learner_claim_on_login


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


claim_on_login = learner_claim_on_login(claim_memberships)
