"""A learner's CLI labs follow them when they log in after working anonymously.

Everything a lab derives (access keys, secrets, key material, managed key ids) is keyed by the
lab's row id and generation, never by the learner key, so moving the row to `user:<id>` keeps
every object decryptable and the downloaded AWS config working. Where the account already has a
lab in the same scenario, the account's lab wins (as a quiz card the account already has does)
and the anonymous one is deleted, like a Reset: its keys stop working.
"""

from __future__ import annotations

from django.db import transaction

from kmslab.endpoint.models import Lab
from kmslab.learner import claim_on_login as learner_claim_on_login


def claim(from_key: str, to_key: str) -> int:
    """Move labs from one learner key to another; returns how many moved."""
    if from_key == to_key:
        return 0
    with transaction.atomic():
        taken = set(Lab.objects.filter(learner_key=to_key).values_list("scenario_id", flat=True))
        Lab.objects.filter(learner_key=from_key, scenario_id__in=taken).delete()
        return Lab.objects.filter(learner_key=from_key).update(learner_key=to_key)


claim_on_login = learner_claim_on_login(claim)
