"""Scenario progress follows a learner who logs in after working anonymously."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kmslab.learner import previous_anonymous_key
from scenarios.progress import claim


def claim_on_login(sender: object, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    old = previous_anonymous_key(request.session)
    if old:
        claim(old, f"user:{user.pk}")
