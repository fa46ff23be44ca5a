"""Instructor pages: list, create, edit, the live dashboard, drill-down, CSV, close, delete.

Every class is fetched with `owner=request.user`, so another instructor's class id is a 404;
a learner (not an instructor) gets 403 from `instructor_required`.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from kmslab.classroom.codes import new_code
from kmslab.classroom.csvexport import export_response
from kmslab.classroom.dashboard import build_dashboard
from kmslab.classroom.drilldown import learner_detail
from kmslab.classroom.forms import ClassroomForm
from kmslab.classroom.gridhtml import grid_rows
from kmslab.classroom.instructors import instructor_required
from kmslab.classroom.models import Classroom, Membership
from kmslab.classroom.qr import qr_data_uri
from kmslab.classroom.quizlink import learner_quiz_scores, quiz_objectives

CODE_RETRIES = 8


def owned(request: HttpRequest, pk: int) -> Classroom:
    return get_object_or_404(Classroom, pk=pk, owner=request.user)


@instructor_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom: Classroom = form.save(commit=False)
        classroom.owner = request.user  # type: ignore[assignment]
        for _ in range(CODE_RETRIES):  # a code collision is rare (1 in ~900 million per class)
            try:
                with transaction.atomic():
                    classroom.code = new_code()
                    classroom.save()
                    form.save_m2m()
                break
            except IntegrityError:
                classroom.pk = None
        else:
            form.add_error(None, "could not find a free join code; try again")
            return render(request, "classroom/form.html", {"form": form, "creating": True}, status=503)
        messages.success(request, f"Class \u201c{classroom.name}\u201d created. Share the join code {classroom.code}.")
        return redirect("classroom:dashboard", pk=classroom.pk)
    return render(request, "classroom/form.html", {"form": form, "creating": True})


@instructor_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = owned(request, pk)
    form = ClassroomForm(request.POST or None, instance=classroom)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Class saved.")
        return redirect("classroom:dashboard", pk=classroom.pk)
    return render(request, "classroom/form.html", {"form": form, "classroom": classroom, "creating": False})


@instructor_required
@require_http_methods(["GET"])
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = owned(request, pk)
    data = build_dashboard(classroom)
    live = {"dash": data, "grid_rows": grid_rows(data.rows, reverse("classroom:dashboard", args=[classroom.pk]))}
    if getattr(request, "htmx", False):
        response = render(request, "classroom/dashboard.html#dashboard-live", live)
    else:
        join_url = request.build_absolute_uri(reverse("classroom:join_code", args=[classroom.code]))
        response = render(request, "classroom/dashboard.html",
                          {**live, "classroom": classroom, "join_url": join_url, "qr": qr_data_uri(join_url)})
    patch_vary_headers(response, ["HX-Request"])
    return response


@instructor_required
@require_http_methods(["GET"])
def learner(request: HttpRequest, pk: int, member: int) -> HttpResponse:
    classroom = owned(request, pk)
    membership = get_object_or_404(Membership, pk=member, classroom=classroom)
    quiz = None
    if classroom.assigns_quiz:
        scores = learner_quiz_scores(membership.learner_key)
        quiz = [(o, scores.get(o.number)) for o in quiz_objectives()]
    return render(request, "classroom/learner.html", {
        "classroom": classroom, "membership": membership, "items": learner_detail(classroom, membership),
        "quiz": quiz})


@instructor_required
@require_http_methods(["GET"])
def export(request: HttpRequest, pk: int) -> HttpResponse:
    return export_response(build_dashboard(owned(request, pk)))


@instructor_required
@require_POST
def set_open(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = owned(request, pk)
    wanted = request.POST.get("open")
    if wanted not in {"0", "1"}:
        messages.error(request, "unknown request: expected open=1 or open=0")
        return redirect("classroom:dashboard", pk=classroom.pk)
    classroom.is_open = wanted == "1"
    classroom.save(update_fields=["is_open"])
    messages.success(request, "Class reopened: learners can join." if classroom.is_open
                     else "Class closed: nobody new can join; members keep their access.")
    return redirect("classroom:dashboard", pk=classroom.pk)


@instructor_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = owned(request, pk)
    if request.method == "POST":
        name = classroom.name
        classroom.delete()  # memberships cascade
        messages.success(request, f"Class \u201c{name}\u201d and its memberships were deleted.")
        return redirect("classroom:index")
    members = classroom.memberships.count()
    return render(request, "classroom/delete.html", {"classroom": classroom, "members": members})


def instructor_classes(request: HttpRequest) -> list[Classroom]:
    return list(Classroom.objects.filter(owner=request.user).annotate(learners=Count("memberships")))
