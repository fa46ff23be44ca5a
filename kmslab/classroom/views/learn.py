"""Learner pages: join a class (rate-limited per client), see my class, leave it.

A learner's membership is always fetched with their own learner key, so another learner's
class page is a 404. Wrong, closed or rate-limited joins get a clear page (404, 403, 429).
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from kmslab.classroom import ratelimit
from kmslab.classroom.codes import normalize_code
from kmslab.classroom.forms import JoinForm
from kmslab.classroom.models import Classroom, Membership
from kmslab.classroom.quizlink import learner_quiz_scores, quiz_objectives
from kmslab.learner import learner_key
from scenarios.progress import status_for


def scenario_url(slug: str) -> str:
    for name in ("scenarios:detail", "scenarios:scenario", "scenarios:play"):
        try:
            return reverse(name, args=[slug])
        except NoReverseMatch:
            continue
    return f"/scenarios/{slug}/"


def quiz_url() -> str:
    try:
        return reverse("quiz:index")
    except NoReverseMatch:
        return "/quiz/"


def _join_page(request: HttpRequest, form: JoinForm, status: int = 200, problem: str = "",
               retry: int = 0) -> HttpResponse:
    response = render(request, "classroom/join.html",
                      {"form": form, "problem": problem, "rate_limited": bool(retry),
                       "retry_minutes": max(1, (retry + 59) // 60)},
                      status=status)
    if retry:
        response["Retry-After"] = str(retry)
    return response


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str = "") -> HttpResponse:
    if request.method == "GET":
        initial = {"code": normalize_code(code) or code[:40]}
        if request.user.is_authenticated:
            initial["display_name"] = request.user.get_username()[:40]
        return _join_page(request, JoinForm(initial=initial))
    form = JoinForm(request.POST)
    client = ratelimit.client_address(request)
    with ratelimit.attempt(client) as wait:  # check and record under one lock
        return _join(request, form, client, wait)


def _join(request: HttpRequest, form: JoinForm, client: str, wait: int) -> HttpResponse:
    if wait:
        return _join_page(request, form, 429, "too many join attempts from your network", wait)
    if not form.is_valid():
        return _join_page(request, form, 400)
    classroom = Classroom.objects.filter(code=form.cleaned_data["code"]).first()
    if classroom is None:
        ratelimit.record(client, succeeded=False)
        return _join_page(request, form, 404, "no class has that join code: check it with your instructor")
    key = learner_key(request)
    mine = Membership.objects.filter(classroom=classroom, learner_key=key).first()
    if mine is not None:  # already in: no need for the class to be open
        return redirect("classroom:mine", code=classroom.code)
    if not classroom.is_open:
        ratelimit.record(client, succeeded=False)
        return _join_page(request, form, 403, "this class is closed to new learners: ask your instructor to open it")
    name = form.cleaned_data["display_name"]
    if Membership.objects.filter(classroom=classroom, display_name__iexact=name).exists():
        form.add_error("display_name", "someone in this class already uses that name: add an initial. "
                       "If that was you in a browser that lost your work, open your recovery link first "
                       "(Keep your work, in the footer): you are then back in the class under that name")
        return _join_page(request, form, 409)
    try:
        with transaction.atomic():
            Membership.objects.create(classroom=classroom, learner_key=key, display_name=name)
    except IntegrityError:  # a double submit raced us: the membership exists now
        pass
    ratelimit.record(client, succeeded=True)
    messages.success(request, f"You joined \u201c{classroom.name}\u201d.")
    return redirect("classroom:mine", code=classroom.code)


def my_membership(request: HttpRequest, code: str) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("classroom"),
        classroom__code=normalize_code(code) or "-", learner_key=learner_key(request),
    )


@require_http_methods(["GET"])
def mine(request: HttpRequest, code: str) -> HttpResponse:
    membership = my_membership(request, code)
    classroom = membership.classroom
    scenarios = list(classroom.scenarios.all())
    statuses = status_for(membership.learner_key, scenarios)
    assignments = [{"scenario": s, "url": scenario_url(s.slug), "status": statuses.get(s.slug, "not-started")}
                   for s in scenarios]
    quiz = None
    if classroom.assigns_quiz:
        scores = learner_quiz_scores(membership.learner_key)
        quiz = {"url": quiz_url(),
                "objectives": [{"objective": o, "score": scores.get(o.number)} for o in quiz_objectives()]}
    return render(request, "classroom/mine.html",
                  {"membership": membership, "classroom": classroom, "assignments": assignments, "quiz": quiz})


@require_POST
def leave(request: HttpRequest, code: str) -> HttpResponse:
    membership = my_membership(request, code)
    name = membership.classroom.name
    membership.delete()
    messages.success(request, f"You left \u201c{name}\u201d. Your own scenario and quiz work is kept.")
    return redirect("classroom:index")


def learner_classes(request: HttpRequest) -> list[Membership]:
    if not request.user.is_authenticated and not request.session.session_key:
        return []  # no session yet: cannot have joined anything
    return list(Membership.objects.filter(learner_key=learner_key(request)).select_related("classroom"))
