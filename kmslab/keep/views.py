"""How long anonymous work is kept, and the personal recovery link (see models.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kmslab.keep.models import RecoveryLink
from kmslab.learner import ANON_SESSION_KEY, learner_key


def work_days() -> int:
    return max(1, int(settings.SESSION_COOKIE_AGE) // 86400)


@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    link = ""
    if request.method == "POST" and not request.user.is_authenticated:
        token = RecoveryLink.issue(learner_key(request))
        link = request.build_absolute_uri(reverse("keep:recover", args=[token]))
    has_link = (not request.user.is_authenticated and bool(request.session.session_key)
                and RecoveryLink.objects.filter(learner_key=learner_key(request)).exists())
    return render(request, "keep/index.html", {"link": link, "has_link": has_link, "days": work_days()})


@never_cache
@require_http_methods(["GET", "POST"])
def recover(request: HttpRequest, token: str) -> HttpResponse:
    found = RecoveryLink.find(token)
    if found is None:
        return render(request, "keep/recover.html", {"invalid": True}, status=404)
    if request.user.is_authenticated:
        return render(request, "keep/recover.html", {"logged_in": True}, status=409)
    if request.method == "GET":  # a GET changes nothing (link previews, prefetching)
        return render(request, "keep/recover.html", {"token": token})
    request.session.cycle_key()
    request.session[ANON_SESSION_KEY] = found.learner_key
    messages.success(request, "Welcome back: this browser now has your saved work.")
    return redirect("home")
