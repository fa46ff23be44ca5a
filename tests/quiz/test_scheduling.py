"""Spaced repetition with fsrs: cards per learner and question, due dates from ratings."""

from __future__ import annotations

from datetime import timedelta

from kmslab.quiz import scheduling
from kmslab.quiz.models import Question, ReviewCard


def test_correct_answer_is_due_later_than_a_wrong_one(bank, server_clock):
    q = Question.objects.first()
    good = scheduling.review("anon:a", q, True, server_clock())
    again = scheduling.review("anon:b", q, False, server_clock())
    assert good.due > again.due > server_clock()


def test_reviews_accumulate_on_one_card_per_learner_and_question(bank, server_clock):
    q = Question.objects.first()
    first = scheduling.review("anon:a", q, True, server_clock())
    server_clock.current = first.due
    second = scheduling.review("anon:a", q, True, server_clock())
    assert ReviewCard.objects.filter(learner_key="anon:a").count() == 1
    assert second.reviews == 2 and second.due > first.due


def test_due_cards_are_those_due_now_for_this_learner(bank, server_clock):
    q1, q2 = Question.objects.all()[:2]
    scheduling.review("anon:a", q1, False, server_clock())
    scheduling.review("anon:a", q2, True, server_clock())
    scheduling.review("anon:b", q1, False, server_clock())
    assert scheduling.due_cards("anon:a", server_clock()) == []
    later = server_clock() + timedelta(minutes=5)  # Again: 1-minute step; Good: 10-minute step
    assert [c.question_id for c in scheduling.due_cards("anon:a", later)] == [q1.pk]
    assert scheduling.next_due("anon:a") is not None


def test_growing_intervals_after_repeated_success(bank, server_clock):
    q = Question.objects.first()
    gaps = []
    now = server_clock()
    for _ in range(4):
        card = scheduling.review("anon:a", q, True, now)
        gaps.append(card.due - now)
        now = card.due
    assert gaps == sorted(gaps) and gaps[-1] >= timedelta(days=1)
