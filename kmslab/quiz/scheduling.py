"""Spaced repetition with FSRS (the `fsrs` package): one card per learner and question.

A correct answer is rated Good, a wrong one Again; FSRS computes the next due date.
Must not: choose ratings from anything but the scored answer; the clock is passed in.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from kmslab.quiz.models import Question, ReviewCard

# Fuzzing off: the same history gives the same schedule (testable, and fair between learners).
SCHEDULER = Scheduler(enable_fuzzing=False)


def review(learner_key: str, question: Question, correct: bool, now: datetime) -> ReviewCard:
    now = now.astimezone(timezone.utc)
    row = ReviewCard.objects.filter(learner_key=learner_key, question=question).first()
    card = Card.from_dict(row.card) if row is not None else Card(card_id=question.pk, due=now)  # type: ignore[arg-type]
    card, _ = SCHEDULER.review_card(card, Rating.Good if correct else Rating.Again, review_datetime=now)
    if row is None:
        row = ReviewCard(learner_key=learner_key, question=question)
    row.card = card.to_dict()
    row.due = card.due
    row.reviews += 1
    row.save()
    return row


def has_card(learner_key: str, question: Question) -> bool:
    return ReviewCard.objects.filter(learner_key=learner_key, question=question).exists()


def card_count(learner_key: str) -> int:
    return ReviewCard.objects.filter(learner_key=learner_key, question__active=True).count()


def due_cards(learner_key: str, now: datetime) -> list[ReviewCard]:
    return list(ReviewCard.objects.filter(learner_key=learner_key, due__lte=now, question__active=True)
                .select_related("question").order_by("due"))


def due_count(learner_key: str, now: datetime) -> int:
    return ReviewCard.objects.filter(learner_key=learner_key, due__lte=now, question__active=True).count()


def next_due(learner_key: str) -> datetime | None:
    row = ReviewCard.objects.filter(learner_key=learner_key, question__active=True).order_by("due").first()
    return row.due if row else None
