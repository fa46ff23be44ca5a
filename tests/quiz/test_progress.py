"""What the classroom reads: scores by objective and the latest sitting, keyed by learner key."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kmslab.quiz import progress, sittings
from kmslab.quiz.models import SittingStatus
from tests.quiz.builders import make_sitting


def _answer(s, correct_by_slug, now):
    for item in s.items.all():
        item.response = {"choices": []}
        item.correct = correct_by_slug[item.signature]
        item.answered_at = now
        item.save()


def test_scores_by_objective_are_percentages_per_objective(bank, server_clock):
    s = make_sitting("anon:x", ["checkpoint-key-policy-only", "iam-resource-key-arn", "checkpoint-encrypt-size-limit"],
                     started_at=server_clock())
    _answer(s, {"checkpoint-key-policy-only": True, "iam-resource-key-arn": False, "checkpoint-encrypt-size-limit": True},
            server_clock())
    assert progress.scores_by_objective("anon:x") == {2: 50.0, 4: 100.0}
    assert progress.scores_by_objective("anon:nobody") == {}


def test_scores_for_many_learners_take_one_query(bank, server_clock):
    for key in ("anon:1", "anon:2", "anon:3"):
        s = make_sitting(key, ["checkpoint-key-policy-only"], started_at=server_clock())
        _answer(s, {"checkpoint-key-policy-only": key != "anon:2"}, server_clock())
    with CaptureQueriesContext(connection) as ctx:
        scores = progress.scores_by_objectives(["anon:1", "anon:2", "anon:3", "anon:4"])
    assert len(ctx.captured_queries) == 1
    assert scores == {"anon:1": {2: 100.0}, "anon:2": {2: 0.0}, "anon:3": {2: 100.0}, "anon:4": {}}


def test_latest_sitting_is_the_newest_finished(bank, server_clock):
    old = make_sitting("anon:x", ["checkpoint-key-policy-only"], started_at=server_clock())
    sittings.finish(old, server_clock())
    server_clock.advance(hours=1)
    new = make_sitting("anon:x", ["checkpoint-encrypt-size-limit"], started_at=server_clock())
    sittings.finish(new, server_clock())
    make_sitting("anon:x", ["iam-resource-key-arn"], started_at=server_clock())  # open: not "latest"
    latest = progress.latest_sitting("anon:x")
    assert latest is not None and latest.pk == new.pk and latest.status != SittingStatus.OPEN
    assert progress.latest_sitting("anon:none") is None
