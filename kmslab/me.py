"""My progress: one page with the learner's lesson, scenario and quiz progress, and the two resets.

Reads each app's own rows by the learner key (kmslab.learner); it decides nothing and scores
nothing. The resets delete only this learner's rows (scenario documents and attempts; quiz
sittings and review cards), after a POST with the CSRF token.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from kmslab.learner import learner_key
from kmslab.lessons import progress as lesson_progress
from kmslab.lessons.content import sections
from kmslab.quiz.models import ReviewCard, Sitting, SittingStatus
from kmslab.quiz.progress import OBJECTIVES, latest_sitting, scores_by_objective
from scenarios.models import Attempt, Progress, Scenario


@require_safe
def progress_page(request: HttpRequest) -> HttpResponse:
    key = learner_key(request)
    read = lesson_progress.read_slugs(request)
    lesson = [(s, s.slug in read) for s in sections()]
    rows = {p.scenario_id: p for p in Progress.objects.filter(learner_key=key)}
    scenarios = [(s, rows.get(s.pk)) for s in Scenario.objects.filter(is_published=True).defer("data")]
    scores = scores_by_objective(key)
    context = {
        "lesson": lesson,
        "lesson_read": sum(1 for _, done in lesson if done),
        "scenarios": scenarios,
        "solved": sum(1 for _, p in scenarios if p is not None and p.first_solved_at is not None),
        "objectives": [(n, title, scores.get(n)) for n, title in OBJECTIVES.items()],
        "finished_sittings": Sitting.objects.filter(learner_key=key).exclude(status=SittingStatus.OPEN).count(),
        "latest": latest_sitting(key),
        "due_cards": ReviewCard.objects.filter(learner_key=key, due__lte=timezone.now()).count(),
        "has_scenario_work": bool(rows) or Attempt.objects.filter(learner_key=key).exists(),
        "has_quiz_work": Sitting.objects.filter(learner_key=key).exists() or ReviewCard.objects.filter(learner_key=key).exists(),
    }
    return render(request, "me/progress.html", context)


@require_POST
def reset_scenarios(request: HttpRequest) -> HttpResponse:
    key = learner_key(request)
    with transaction.atomic():
        Attempt.objects.filter(learner_key=key).delete()
        removed, _ = Progress.objects.filter(learner_key=key).delete()
    messages.success(request, f"Your scenario work was reset ({removed} scenario{'' if removed == 1 else 's'}): "
                              "every scenario starts again from its starting documents.")
    return redirect("me")


@require_POST
def reset_quiz(request: HttpRequest) -> HttpResponse:
    key = learner_key(request)
    with transaction.atomic():
        ReviewCard.objects.filter(learner_key=key).delete()
        sittings = Sitting.objects.filter(learner_key=key).count()
        Sitting.objects.filter(learner_key=key).delete()
    messages.success(request, f"Your quiz history was reset ({sittings} sitting{'' if sittings == 1 else 's'} "
                              "and the spaced-repetition schedule).")
    return redirect("me")
