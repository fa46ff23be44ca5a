"""A sitting's life: start, choose the next question, record an answer, finish.

Responsible for the mode rules (practice, exam, review mistakes, spaced repetition, generated
practice), for never repeating a question within a sitting, and for refusing tampered or replayed
answers (SittingConflict -> 409, scoring.AnswerError -> 400) without changing anything.
Must not: score (scoring.py), schedule (scheduling.py) or read the clock (callers pass `now`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from kmslab.quiz import bank, generator, scheduling, scoring, timing
from kmslab.quiz.models import Item, Mode, Question, Sitting, SittingStatus
from kmslab.rows import count, get_row, values

EXAM_LENGTHS = (5, 10, 20, 30, 40, 65)
EXAM_MINUTES = (5, 10, 20, 30, 60, 90, 130)
PRACTICE_MODES = (Mode.PRACTICE, Mode.REVIEW, Mode.SPACED, Mode.GENERATED)


class SittingConflict(Exception):
    """The request does not fit the sitting's state (replayed answer, finished sitting). One line."""


@dataclass(frozen=True, slots=True)
class AnswerResult:
    item: Item
    diagnostic: str = ""  # fix questions: the policy does not parse; nothing was recorded
    findings: tuple[Any, ...] = ()
    late: bool = False


CHECKPOINT_TOPIC = "checkpoint"
TOPICS = (CHECKPOINT_TOPIC,)  # practice sets offered by topic


@dataclass(frozen=True, slots=True)
class BankEntry:
    """What choosing and counting need of a bank question: its row without the question itself
    (the full rows carry six JSON fields; decoding the whole bank on each quiz page cost more than
    the rest of the page)."""

    pk: int
    slug: str
    objective: int
    qtype: str


def bank_entries(objective: int | None = None, *, topic: str = "", exam: bool = False) -> list[BankEntry]:
    """The active bank questions (in the bank's order) of an objective, topic, or the exam's types.
    One query shape (every active question's five columns, compiled once: kmslab.rows), filtered
    here: JSON containment is not portable across database backends, and a bank is ~130 rows."""
    return [BankEntry(pk, slug, objective_, qtype) for pk, slug, objective_, qtype, topics in _bank_rows()
            if (not objective or objective_ == objective) and (not exam or qtype in bank.EXAM_TYPES)
            and (not topic or topic in (topics or []))]


def _bank_rows() -> list[tuple[Any, ...]]:
    return values("quiz-bank-entries", lambda: Question.objects.filter(active=True).values_list(
        "pk", "slug", "objective", "qtype", "topics"), (), ())


def bank_overview(learner_key: str) -> dict[str, int]:
    """The quiz page's numbers from one read of the bank: its size, the checkpoint's, and how many
    of the learner's mistakes are still in it."""
    rows = _bank_rows()
    wrong = set(_wrong_ids(learner_key))
    return {"bank_size": len(rows), "checkpoint_size": sum(1 for r in rows if CHECKPOINT_TOPIC in (r[4] or [])),
            "mistakes": sum(1 for r in rows if r[0] in wrong)}


def bank_size(objective: int | None = None, *, topic: str = "") -> int:
    """How many active bank questions an objective or topic has (a count, unless a topic is given)."""
    if topic:
        return len(bank_entries(objective, topic=topic))
    return count(Question, active=True, objective=objective) if objective else count(Question, active=True)


def bank_questions(objective: int | None = None, *, topic: str = "", exam: bool = False) -> list[Question]:
    """The full questions of `bank_entries` (same arguments, same order)."""
    return load_questions(bank_entries(objective, topic=topic, exam=exam))


def load_questions(entries: list[BankEntry]) -> list[Question]:
    """The Question rows of `entries`, in their order (one query)."""
    found = Question.objects.in_bulk([e.pk for e in entries])
    return [found[e.pk] for e in entries if e.pk in found]


def shuffle_options(data: Mapping[str, Any], seed: str) -> dict[str, Any]:
    """The question with its options in an order fixed by `seed` (the sitting and the question).
    The order is stored in the item's payload, so a reload and the review show the same order;
    answers are option ids, so the order never changes what is right."""
    out = dict(data)
    options = [dict(o) for o in data.get("options") or []]
    if data.get("type") in ("single", "multi") and len(options) > 1:
        random.Random(seed).shuffle(options)
    out["options"] = options
    return out


def _add_item(sitting: Sitting, position: int, question: Question | None, data: Mapping[str, Any]) -> Item:
    sig = data["slug"] if question is not None else generator.signature(data["setup"])
    payload = shuffle_options(data, f"{sitting.pk}:{sitting.generator_seed}:{sig}")
    return Item.objects.create(sitting=sitting, position=position, question=question, signature=sig,
                               objective=int(data["objective"]), payload=payload)


def _generated(sitting: Sitting, position: int, seen: set[str]) -> Item | None:
    found = generator.fresh(sitting.generator_seed, seen)
    if found is None:
        return None
    data, next_seed = found
    sitting.generator_seed = next_seed
    sitting.save(update_fields=["generator_seed"])
    return _add_item(sitting, position, None, data)


def mistakes(learner_key: str) -> list[Question]:
    """Bank questions whose latest counted answer by this learner was wrong."""
    return list(Question.objects.filter(pk__in=_wrong_ids(learner_key), active=True))


def _wrong_ids(learner_key: str) -> list[int]:
    latest: dict[int, bool] = {}
    rows = values("quiz-answered", lambda key: Item.objects.filter(
        sitting__learner_key=key, question__isnull=False, answered_at__isnull=False, counted=True,
    ).order_by("answered_at", "id").values_list("question_id", "correct"), ("anon:sample-learner",), (learner_key,))
    for qid, correct in rows:
        latest[qid] = bool(correct)
    return [qid for qid, ok in latest.items() if not ok]


def start(learner_key: str, mode: str, now: datetime, *, objective: int | None = None, length: int = 10,
          minutes: int | None = None, topic: str = "", rng: random.Random | None = None) -> Sitting:
    rng = rng or random.Random()
    topic = topic if mode == Mode.PRACTICE else ""
    sitting = Sitting.objects.create(learner_key=learner_key, mode=mode, started_at=now, objective=objective,
                                     topic=topic, generator_seed=rng.randrange(2**40))
    if mode == Mode.REVIEW:  # the set is the mistakes as they are now: the counter does not move under you
        sitting.length = len(mistakes(learner_key))
        sitting.save(update_fields=["length"])
    if mode == Mode.EXAM:
        sitting.length = length
        sitting.time_limit_seconds = (minutes or length * 2) * 60
        sitting.save(update_fields=["length", "time_limit_seconds"])
        by_objective: dict[int, list[BankEntry]] = {}
        for entry in bank_entries(objective, exam=True):
            by_objective.setdefault(entry.objective, []).append(entry)
        for pool in by_objective.values():
            rng.shuffle(pool)
        picked: list[BankEntry] = []
        while len(picked) < length and any(by_objective.values()):  # round-robin: balanced objectives
            for o in sorted(by_objective):
                if by_objective[o] and len(picked) < length:
                    picked.append(by_objective[o].pop())
        rng.shuffle(picked)
        chosen = load_questions(picked)
        seen: set[str] = set()
        for i, q in enumerate(chosen):
            _add_item(sitting, i + 1, q, q.as_data())
            seen.add(q.slug)
        for i in range(len(chosen), length):  # a bank smaller than the exam: generated questions fill it
            item = _generated(sitting, i + 1, seen)
            if item is None:
                break
            seen.add(item.signature)
        sitting.length = sitting.items.count()
        sitting.total = sitting.length
        sitting.save(update_fields=["length", "total"])
    else:
        next_item(sitting, now, rng=rng)
    return sitting


def current_item(sitting: Sitting) -> Item | None:
    return get_row(Item, order="position", sitting=sitting.pk, response__isnull=True)


def item_counts(sitting: Sitting) -> tuple[int, int]:
    """How many items the sitting has, and how many of them are answered."""
    total = count(Item, sitting=sitting.pk)
    return total, (total - count(Item, sitting=sitting.pk, answered_at__isnull=True) if total else 0)


def next_item(sitting: Sitting, now: datetime, *, rng: random.Random | None = None) -> Item | None:
    """Practice modes: the unanswered item, or a new one. None when the mode has nothing left."""
    existing = current_item(sitting)
    if existing is not None or sitting.mode == Mode.EXAM:
        return existing
    rng = rng or random.Random()
    signatures = values("quiz-signatures", lambda pk: Item.objects.filter(sitting=pk).values_list("signature"),
                        (-424242,), (sitting.pk,))
    seen = {sig for (sig,) in signatures}
    position = len(signatures) + 1
    if sitting.mode == Mode.GENERATED:
        return _generated(sitting, position, seen)
    if sitting.mode == Mode.REVIEW:
        if position > sitting.length:
            return None
        pool = [q for q in mistakes(sitting.learner_key) if q.slug not in seen]
    elif sitting.mode == Mode.SPACED:
        due = [c.question for c in scheduling.due_cards(sitting.learner_key, now) if c.question.slug not in seen]
        if due:
            return _add_item(sitting, position, due[0], due[0].as_data())
        carded = set(sitting_cards(sitting.learner_key))
        pool = load_questions([e for e in bank_entries() if e.pk not in carded and e.slug not in seen][:1])
    else:
        entries = [e for e in bank_entries(sitting.objective, topic=sitting.topic) if e.slug not in seen]
        chosen = get_row(Question, pk=rng.choice(entries).pk) if entries else None  # only it is read
        if chosen is not None:
            return _add_item(sitting, position, chosen, chosen.as_data())
        pool = []
    if pool:
        q = rng.choice(pool)
        return _add_item(sitting, position, q, q.as_data())
    if sitting.mode == Mode.PRACTICE and not sitting.topic:  # the bank is exhausted: unlimited generated questions
        return _generated(sitting, position, seen)
    return None


def sitting_cards(learner_key: str) -> list[int]:
    from kmslab.quiz.models import ReviewCard

    return list(ReviewCard.objects.filter(learner_key=learner_key).values_list("question_id", flat=True))


def answer(sitting: Sitting, item: Item, data: Mapping[str, Any], now: datetime) -> AnswerResult:
    """Record one answer. Raises SittingConflict (replay, closed sitting) or scoring.AnswerError."""
    if sitting.status != SittingStatus.OPEN:
        raise SittingConflict("this sitting is finished: answers can no longer be changed")
    if item.sitting_id != sitting.pk:
        raise SittingConflict("this question is not part of this sitting")
    if item.response is not None:
        raise SittingConflict("this question was already answered: an answer is final once recorded")
    parsed = scoring.read_response(item.payload, data)
    if parsed.response is None:
        return AnswerResult(item, parsed.diagnostic, parsed.findings)
    correct = scoring.is_correct(item.payload, parsed.response)
    counted = timing.in_time(sitting, now)
    with transaction.atomic():
        updated = Item.objects.filter(pk=item.pk, response__isnull=True).update(
            response=parsed.response, correct=correct, answered_at=now, counted=counted)
        if not updated:
            raise SittingConflict("this question was already answered: an answer is final once recorded")
        item.response, item.correct, item.answered_at, item.counted = parsed.response, correct, now, counted
        if item.question_id is not None and counted:
            question = get_row(Question, pk=item.question_id)
            if question is not None:
                item.question = question  # the FK's cache: the feedback below reads it too
                _schedule(sitting, question, correct, now)
        if sitting.mode != Mode.EXAM:
            _tally(sitting)
    if not counted:
        finish(sitting, now)
    return AnswerResult(item, late=not counted)


def _schedule(sitting: Sitting, question: Question, correct: bool, now: datetime) -> None:
    """The learning loop: a spaced-repetition answer is a review; a mistake anywhere else (practice,
    exam, review) enters the schedule (rated Again), and a right answer updates a card the learner
    already has. A right answer to a question never missed creates no card."""
    if sitting.mode == Mode.SPACED or not correct or scheduling.has_card(sitting.learner_key, question):
        scheduling.review(sitting.learner_key, question, correct, now)


def _tally(sitting: Sitting) -> None:
    counted = Q() if sitting.mode == Mode.EXAM else Q(answered_at__isnull=False)
    tally = sitting.items.aggregate(total=Count("id", filter=counted),
                                    correct=Count("id", filter=Q(correct=True, counted=True)))
    sitting.total, sitting.correct = tally["total"], tally["correct"]
    sitting.save(update_fields=["total", "correct"])


def finish(sitting: Sitting, now: datetime) -> Sitting:
    """Close the sitting; idempotent. An exam closed after its limit plus grace is "late"."""
    if sitting.status != SittingStatus.OPEN:
        return sitting
    with transaction.atomic():
        if sitting.mode != Mode.EXAM:
            sitting.items.filter(response__isnull=True).delete()  # a practice question shown but never answered
        _tally(sitting)
        late = sitting.mode == Mode.EXAM and not timing.in_time(sitting, now)
        sitting.status = SittingStatus.LATE if late else SittingStatus.FINISHED
        sitting.finished_at = now
        sitting.save(update_fields=["status", "finished_at"])
    return sitting


def expire_if_due(sitting: Sitting, now: datetime) -> bool:
    """Close an open exam whose time (plus grace) is over. True when it did."""
    if sitting.status == SittingStatus.OPEN and sitting.mode == Mode.EXAM and not timing.in_time(sitting, now):
        finish(sitting, now)
        return True
    return False
