"""A learner's personal recovery link: opening it in any browser makes that browser the same
anonymous learner again (their documents, attempts, quiz history and classes).

Only a SHA-256 digest of the link's token is stored (the token is 256 random bits, so a fast
digest is enough; nobody can rebuild the link from the database or a backup). One link per
learner: making a new one replaces the old.
"""

from __future__ import annotations

import hashlib
import secrets

from django.db import models


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class RecoveryLink(models.Model):
    learner_key = models.CharField(max_length=120, unique=True)
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"recovery link for {self.learner_key}"

    @classmethod
    def issue(cls, learner_key: str) -> str:
        """A new token for this learner (the previous link stops working); returns the token."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(learner_key=learner_key, defaults={"token_digest": digest(token)})
        return token

    @classmethod
    def find(cls, token: str) -> RecoveryLink | None:
        if not token or len(token) > 100:
            return None
        return cls.objects.filter(token_digest=digest(token)).first()
