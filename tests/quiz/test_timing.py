"""Exam timing on the server's clock (a clock the tests move); the browser's clock is never read."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.http import QueryDict

from kmslab.quiz import sittings, timing
from kmslab.quiz.models import Mode, SittingStatus
from tests.quiz.builders import right_answer


def _form(data) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in data.items():
        q.setlist(k, v if isinstance(v, list) else [v])
    return q


@pytest.fixture
def exam(bank, server_clock):
    return sittings.start("anon:t", Mode.EXAM, server_clock(), length=5, minutes=10, rng=random.Random(1))


@pytest.mark.parametrize(("elapsed", "counts"), [
    (timedelta(0), True), (timedelta(minutes=10), True), (timedelta(minutes=10, seconds=30), True),
    (timedelta(minutes=10, seconds=31), False), (timedelta(hours=5), False),
], ids=["start", "at-limit", "end-of-grace", "after-grace", "hours-late"])
def test_in_time_uses_the_server_start_and_grace(exam, elapsed, counts):
    assert timing.in_time(exam, exam.started_at + elapsed) is counts


def test_seconds_left_counts_down_and_stops_at_zero(exam):
    assert timing.seconds_left(exam, exam.started_at) == 600
    assert timing.seconds_left(exam, exam.started_at + timedelta(minutes=11)) == 0


def test_practice_has_no_deadline(bank, server_clock):
    s = sittings.start("anon:t", Mode.PRACTICE, server_clock())
    assert timing.deadline(s) is None and timing.in_time(s, server_clock() + timedelta(days=30))


def test_late_answer_is_recorded_but_not_counted_and_closes_the_exam(exam, server_clock):
    items = list(exam.items.order_by("position"))
    sittings.answer(exam, items[0], _form(right_answer(items[0].payload)), server_clock())
    late = server_clock() + timedelta(minutes=10, seconds=31)
    result = sittings.answer(exam, items[1], _form(right_answer(items[1].payload)), late)
    assert result.late
    items[1].refresh_from_db()
    assert items[1].correct is True and items[1].counted is False
    exam.refresh_from_db()
    assert exam.status == SittingStatus.LATE and (exam.correct, exam.total) == (1, 5)


def test_submission_within_grace_is_finished_not_late(exam, server_clock):
    sittings.finish(exam, server_clock() + timedelta(minutes=10, seconds=20))
    assert exam.status == SittingStatus.FINISHED


def test_late_submission_is_late_and_keeps_in_time_answers(exam, server_clock):
    first = exam.items.order_by("position").first()
    sittings.answer(exam, first, _form(right_answer(first.payload)), server_clock() + timedelta(minutes=9))
    sittings.finish(exam, server_clock() + timedelta(hours=1))
    exam.refresh_from_db()
    assert exam.status == SittingStatus.LATE and exam.correct == 1 and exam.percent == 20.0


def test_expire_if_due_closes_an_abandoned_exam(exam, server_clock):
    assert not sittings.expire_if_due(exam, server_clock() + timedelta(minutes=10))
    assert sittings.expire_if_due(exam, server_clock() + timedelta(minutes=11))
    assert exam.status == SittingStatus.LATE


def test_finish_is_idempotent(exam, server_clock):
    sittings.finish(exam, server_clock())
    sittings.finish(exam, server_clock() + timedelta(hours=2))
    exam.refresh_from_db()
    assert exam.status == SittingStatus.FINISHED and exam.finished_at == server_clock()


def test_exam_longer_than_the_bank_is_filled_with_generated_questions(bank, server_clock):
    length = bank + 5  # more than the whole bank holds
    s = sittings.start("anon:t", Mode.EXAM, server_clock(), objective=3, length=length, minutes=30)
    sigs = list(s.items.values_list("signature", flat=True))
    assert len(sigs) == length == len(set(sigs)) == s.length
    assert any(sig.startswith("gen:") for sig in sigs)
