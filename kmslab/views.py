"""Project-level pages: home, health check, the simulation notes, and the "coming soon" placeholder."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kmslab.lessons.content import render_markdown


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


SIMULATION_HEADING = "## Where the simulation differs from AWS"


def simulation_section(readme: str) -> str:
    """The README's simulation notes (from their heading to the next `## `), or "" if absent."""
    start = readme.find(SIMULATION_HEADING)
    if start < 0:
        return ""
    body = readme[start + len(SIMULATION_HEADING):]
    end = body.find("\n## ")
    return (body if end < 0 else body[:end]).strip()


@functools.cache
def _simulation_html() -> str:
    # One source: the README's own section, so the page and the README cannot disagree.
    try:
        readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    except OSError:
        return ""
    text = simulation_section(readme)
    return render_markdown(text) if text else ""


@require_safe
def simulation(request: HttpRequest) -> HttpResponse:
    html = _simulation_html()
    return render(request, "simulation.html", {"notes": mark_safe(html)})  # sanitised by nh3


@require_safe
def coming_soon(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "coming_soon.html", {"title": title})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not healthy", never a 500 page
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})


def login_locked_out(request: HttpRequest, credentials: object = None, *args: object, **kwargs: object) -> HttpResponse:
    """django-axes' answer once an account or an address has too many failed logins: a 429 page
    that says how long the pause lasts, with Retry-After."""
    from django.conf import settings

    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    response = render(request, "registration/locked_out.html",
                      {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


DATABASE_RETRY_AFTER = 5  # seconds: a PostgreSQL restart takes about this long


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that went away (restart, failover, a dropped connection) is a 503
    with Retry-After, not a 500; anything else is Django's own 500 page. Runs inside Django's
    exception handler, so the exception is sys.exc_info(). Renders without the request (no
    context processors), because they might need the database."""
    import sys

    from django.db import connections
    from django.db.utils import InterfaceError, OperationalError
    from django.template.loader import render_to_string
    from django.views import defaults

    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        for conn in connections.all(initialized_only=True):
            conn.close_if_unusable_or_obsolete()  # the next request reconnects
        body = render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER})
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    return defaults.server_error(request)
