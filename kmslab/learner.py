"""Who the learner is, as one string every app stores beside learner data.

Logged-in learners are `user:<id>`; anonymous learners are `anon:<session key>` (a session is
created on first use). Scenario attempts, quiz sittings and class memberships all key on this
string, so an instructor's dashboard can see an anonymous learner's work, and work done before
logging in can be claimed later.
"""

from __future__ import annotations

from django.http import HttpRequest


def learner_key(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"anon:{request.session.session_key}"
