"""Django's database sessions, read with one SQL statement built once (kmslab.rows).

Every request of a learner reads their session (who they are); the ORM's `get()` of that row cost
more CPU than the rest of /healthz. Storage, expiry, cookie and `clearsessions` are Django's own:
only the read is different, and it reads the same row the same way. SESSION_ENGINE points here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.utils import timezone

from kmslab.rows import get_row


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        row = get_row(self.model, exclude=(), session_key=self.session_key, expire_date__gt=timezone.now())
        if row is None:
            self._session_key = None
        return row
