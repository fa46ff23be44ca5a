"""Keep an anonymous learner's quiz work when they log in.

`kmslab.learner.learner_key` remembers the anonymous learner key in the session; login keeps
session data while cycling the session id, so on `user_logged_in` the sittings and review cards made under that key
move to `user:<id>` (a card the account already has for the same question wins).
"""

from __future__ import annotations

from django.db import transaction

from kmslab.learner import claim_on_login as learner_claim_on_login, learner_key
from kmslab.quiz.models import ReviewCard, Sitting

key_for = learner_key  # the anonymous key is remembered by learner_key itself


def claim(from_key: str, to_key: str) -> int:
    """Move sittings and cards from one learner key to another; returns how many rows moved."""
    if from_key == to_key:
        return 0
    with transaction.atomic():
        moved = Sitting.objects.filter(learner_key=from_key).update(learner_key=to_key)
        taken = set(ReviewCard.objects.filter(learner_key=to_key).values_list("question_id", flat=True))
        ReviewCard.objects.filter(learner_key=from_key, question_id__in=taken).delete()
        moved += ReviewCard.objects.filter(learner_key=from_key).update(learner_key=to_key)
    return moved


claim_on_login = learner_claim_on_login(claim)
