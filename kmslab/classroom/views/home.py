"""The classroom landing page: an instructor's classes, a learner's classes and the join form."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from kmslab.classroom.forms import JoinForm
from kmslab.classroom.instructors import is_instructor
from kmslab.classroom.views.learn import learner_classes
from kmslab.classroom.views.teach import instructor_classes


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    teaching = is_instructor(request.user)
    return render(request, "classroom/index.html", {
        "is_instructor": teaching,
        "classes": instructor_classes(request) if teaching else [],
        "memberships": learner_classes(request),
        "form": JoinForm(),
    })
