"""Quiz pages: choose a mode, answer (htmx or plain POST), finish, results, history.

Short function views: bind -> call sittings/scoring -> render. Errors are translated in one place
per view: scoring.AnswerError -> 400, sittings.SittingConflict -> 409, a sitting or item that is
not this learner's -> 404. None of them changes anything. Over htmx (which does not swap 4xx
responses) a refused answer comes back as the unchanged question card with the message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from kmslab.quiz.claim import key_for as learner_key
from kmslab.quiz import charts, clock, progress, scheduling, sittings, timing
from kmslab.quiz.forms import StartForm
from kmslab.quiz.models import Item, Mode, Sitting, SittingStatus
from kmslab.quiz.present import show
from kmslab.quiz.bank import DOMAINS, TASKS
from kmslab.rows import get_row
from kmslab.quiz.scoring import AnswerError, breakdown, breakdown_by_domain, breakdown_by_task


def _own_sitting(request: HttpRequest, sitting_id: int) -> Sitting:
    sitting = get_row(Sitting, pk=sitting_id, learner_key=learner_key(request))
    if sitting is None:
        raise Http404("no such sitting for you")
    return sitting


def _problem(request: HttpRequest, status: int, message: str, sitting: Sitting | None = None) -> HttpResponse:
    return render(request, "quiz/problem.html", {"message": message, "sitting": sitting}, status=status)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    key = learner_key(request)
    now = clock.now()
    return render(request, "quiz/index.html", {
        "form": StartForm(), **sittings.bank_overview(key),
        "open_sittings": Sitting.objects.filter(learner_key=key, status=SittingStatus.OPEN)[:5],
        "due": scheduling.due_count(key, now), "scheduled": scheduling.card_count(key),
        "objectives": progress.OBJECTIVES, "grace": timing.GRACE_SECONDS,
        "lengths": sittings.EXAM_LENGTHS, "minutes": sittings.EXAM_MINUTES,
    })


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        return _problem(request, 400, f"the quiz could not start ({errors})")
    d = form.cleaned_data
    sitting = sittings.start(learner_key(request), d["mode"], clock.now(), objective=d["objective"],
                             length=d["length"] or 10, minutes=d["minutes"] or 20, topic=d["topic"] or "")
    return redirect("quiz:sitting", sitting.pk)


def _sitting_context(sitting: Sitting, item: Item | None, *, feedback: bool) -> dict[str, object]:
    total, answered = sittings.item_counts(sitting)
    now = clock.now()
    return {
        "sitting": sitting, "shown": show(item, feedback=feedback) if item is not None else None,
        "answered": answered,
        "count": total if sitting.mode == Mode.EXAM else sitting.length if sitting.mode == Mode.REVIEW else None,
        "pool": _pool_size(sitting, answered),
        "is_exam": sitting.mode == Mode.EXAM, "seconds_left": timing.seconds_left(sitting, now),
        "deadline": timing.deadline(sitting), "grace": timing.GRACE_SECONDS,
        "next_due": scheduling.next_due(sitting.learner_key) if sitting.mode == Mode.SPACED else None,
        "new_in_spaced": (sitting.mode == Mode.SPACED and item is not None and item.question is not None
                          and item.response is None and not scheduling.has_card(sitting.learner_key, item.question)),
    }


def _pool_size(sitting: Sitting, answered: int) -> int | None:
    """Practice and review: how many bank questions this sitting can serve (for the progress bar)."""
    if sitting.mode == Mode.PRACTICE:
        return sittings.bank_size(sitting.objective, topic=sitting.topic)
    return None


@require_safe
def sitting(request: HttpRequest, sitting_id: int) -> HttpResponse:
    s = _own_sitting(request, sitting_id)
    if sittings.expire_if_due(s, clock.now()):
        messages.warning(request, "The time limit (plus the grace period) was over: the exam was submitted for you.")
    if s.status != SittingStatus.OPEN:
        return redirect("quiz:results", s.pk)
    item = sittings.current_item(s)
    if item is None and s.mode != Mode.EXAM:
        last = s.items.filter(answered_at__isnull=False).order_by("-position").first()
        item = last  # show the last answer's feedback and the Next button
    return render(request, "quiz/sitting.html", _sitting_context(s, item, feedback=s.mode != Mode.EXAM))


@require_POST
def answer(request: HttpRequest, sitting_id: int, item_id: int) -> HttpResponse:
    s = _own_sitting(request, sitting_id)
    item = get_row(Item, pk=item_id, sitting=s.pk)
    if item is None:
        return _problem(request, 404, "that question is not part of this sitting", s)
    now = clock.now()
    try:
        result = sittings.answer(s, item, request.POST, now)
    except (AnswerError, sittings.SittingConflict) as exc:
        message = f"that answer was not accepted: {exc}" if isinstance(exc, AnswerError) else str(exc)
        if request.htmx:
            # htmx does not swap 4xx responses: the card comes back with the message, unchanged.
            item.refresh_from_db()
            ctx = _sitting_context(s, item, feedback=s.mode != Mode.EXAM) | {"refused": message}
            return render(request, "quiz/sitting.html#question-card", ctx)
        return _problem(request, 400 if isinstance(exc, AnswerError) else 409, message, s)
    # sittings.answer kept `s` up to date itself (its tally, its status when an answer closed it)
    if result.diagnostic:
        ctx = _sitting_context(s, item, feedback=False)
        ctx.update(diagnostic=result.diagnostic, findings=result.findings, draft=request.POST.get("policy", ""))
        return render(request, "quiz/sitting.html#question-card" if request.htmx else "quiz/sitting.html", ctx)
    if result.late:
        messages.warning(request, "That answer arrived after the time limit and the grace period: it is shown in "
                                  "the review but not counted, and the exam was submitted.")
    if s.mode == Mode.EXAM or s.status != SittingStatus.OPEN:
        return _after(request, s)
    ctx = _sitting_context(s, result.item, feedback=True)
    return render(request, "quiz/sitting.html#question-card" if request.htmx else "quiz/sitting.html", ctx)


def _after(request: HttpRequest, s: Sitting) -> HttpResponse:
    """Where to go after an exam answer: the next question, or the results once closed."""
    target = "quiz:results" if s.status != SittingStatus.OPEN else "quiz:sitting"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = redirect(target, s.pk).url
        return response
    return redirect(target, s.pk)


@require_POST
def next_question(request: HttpRequest, sitting_id: int) -> HttpResponse:
    s = _own_sitting(request, sitting_id)
    if s.status != SittingStatus.OPEN:
        return _problem(request, 409, "this sitting is finished", s)
    item = sittings.next_item(s, clock.now())
    if request.htmx:
        return render(request, "quiz/sitting.html#question-card", _sitting_context(s, item, feedback=True))
    if item is None:  # nothing left in this mode: say so (the sitting page would show the last feedback)
        return render(request, "quiz/sitting.html", _sitting_context(s, None, feedback=True))
    return redirect("quiz:sitting", s.pk)


@require_POST
def finish(request: HttpRequest, sitting_id: int) -> HttpResponse:
    s = _own_sitting(request, sitting_id)
    sittings.finish(s, clock.now())
    return _after(request, s)


@require_safe
def results(request: HttpRequest, sitting_id: int) -> HttpResponse:
    s = _own_sitting(request, sitting_id)
    if s.status == SittingStatus.OPEN and not sittings.expire_if_due(s, clock.now()):
        return redirect("quiz:sitting", s.pk)
    items = list(s.items.all())
    rows = breakdown((i.objective, i.correct, i.counted) for i in items)
    tasks = breakdown_by_task((int(i.payload.get("domain") or 2), str(i.payload.get("task") or "2.1"), i.correct,
                               i.counted) for i in items)
    return render(request, "quiz/results.html", {
        "sitting": s, "shown": [show(i, feedback=True) for i in items if i.answered_at or s.mode == Mode.EXAM],
        "breakdown": [(r, progress.OBJECTIVES.get(r.objective, "")) for r in rows if r.total],
        "domains": [(r, DOMAINS.get(r.domain, "")) for r in breakdown_by_domain(tasks)],
        "tasks": [(r, TASKS.get(r.task, "")) for r in tasks],
        "deadline": timing.deadline(s), "grace": timing.GRACE_SECONDS,
    })


@require_safe
def history(request: HttpRequest) -> HttpResponse:
    key = learner_key(request)
    past = progress.history(key)
    scores = progress.scores_by_objective(key)
    return render(request, "quiz/history.html", {
        "sittings": past[::-1], "chart": charts.score_chart(past) if past else None,
        "bars": charts.mastery_bars(scores, progress.OBJECTIVES), "bar_width": charts.BAR_WIDTH,
    })
