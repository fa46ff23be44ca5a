"""Scenario progress follows a learner who logs in after working anonymously."""

from __future__ import annotations

from kmslab.learner import claim_on_login as learner_claim_on_login
from scenarios.progress import claim


claim_on_login = learner_claim_on_login(claim)
