"""Which lesson sections a learner has read: session for anonymous visitors, database for users.

When a visitor who read sections anonymously logs in, the session's sections are claimed into the
database on the next lesson page, so no progress is lost.
"""

from __future__ import annotations

from django.http import HttpRequest

from kmslab.lessons.content import sections
from kmslab.lessons.models import SectionRead

SESSION_KEY = "lesson_sections_read"


def _session_slugs(request: HttpRequest) -> set[str]:
    raw = request.session.get(SESSION_KEY, [])
    if not isinstance(raw, list):  # a tampered or stale session value is ignored, never trusted
        return set()
    return {item for item in raw if isinstance(item, str)}


def read_slugs(request: HttpRequest) -> set[str]:
    known = {section.slug for section in sections()}
    user = request.user
    if user.is_authenticated:
        pending = _session_slugs(request) & known
        if pending:
            for slug in pending:
                SectionRead.objects.get_or_create(user=user, section=slug)
            del request.session[SESSION_KEY]
        slugs = set(SectionRead.objects.filter(user=user).values_list("section", flat=True))
    else:
        slugs = _session_slugs(request)
    return slugs & known


def mark_read(request: HttpRequest, slug: str) -> None:
    user = request.user
    if user.is_authenticated:
        SectionRead.objects.get_or_create(user=user, section=slug)
        return
    current = _session_slugs(request)
    if slug not in current:
        request.session[SESSION_KEY] = sorted(current | {slug})


def reset(request: HttpRequest) -> None:
    if request.user.is_authenticated:
        SectionRead.objects.filter(user=request.user).delete()
    request.session.pop(SESSION_KEY, None)
