"""Quiz scores by objective on the dashboard and the learner's page, from the quiz's own API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from kmslab.classroom.dashboard import build_dashboard
from kmslab.classroom.models import Classroom
from kmslab.classroom.quizlink import learner_quiz_scores, quiz_scores
from kmslab.quiz.models import Item, Sitting
from tests.classroom.conftest import CsrfClient, join

pytestmark = pytest.mark.django_db


def answer(key: str, results: list[tuple[int, bool | None]], counted: bool = True) -> None:
    sitting = Sitting.objects.create(learner_key=key, mode="practice", started_at=timezone.now())
    for i, (objective, correct) in enumerate(results):
        Item.objects.create(sitting=sitting, position=i, signature=f"q{i}", objective=objective, payload={},
                            correct=correct, counted=counted,
                            answered_at=None if correct is None else timezone.now())


def test_quiz_scores_are_the_share_of_answers_right_per_objective() -> None:
    answer("anon:a", [(1, True), (1, False), (2, True), (3, None)])  # None: not answered yet
    answer("anon:a", [(1, True), (1, True)])
    answer("anon:a", [(2, True)], counted=False)  # answered after the deadline: never right
    answer("anon:b", [(4, False)])
    scores = quiz_scores(["anon:a", "anon:b", "anon:c"])
    assert scores["anon:a"] == {1: 75.0, 2: 50.0} and scores["anon:b"] == {4: 0.0}
    assert not scores.get("anon:c")
    assert learner_quiz_scores("anon:a") == {1: 75.0, 2: 50.0}
    assert learner_quiz_scores("anon:nobody") == {}


def test_dashboard_shows_quiz_scores_and_class_averages(instructor: User, classroom: Classroom,
                                                       django_assert_max_num_queries: object) -> None:
    answer(join(classroom, "Ada").learner_key, [(1, True), (2, False)])
    answer(join(classroom, "Bea").learner_key, [(1, False), (1, True)])
    answer("anon:outsider", [(1, False)] * 5)
    with django_assert_max_num_queries(5):  # type: ignore[operator]
        dash = build_dashboard(classroom)
    by_name = {r.membership.display_name: r.quiz for r in dash.rows}
    assert by_name["Ada"] == (100.0, 0.0, None, None)
    assert by_name["Bea"] == (50.0, None, None, None)
    assert dash.quiz_averages == (75.0, 0.0, None, None)


def test_learner_page_shows_their_quiz_scores(classroom: Classroom) -> None:
    client = CsrfClient()
    client.post_form("/classroom/join/", {"code": classroom.code, "display_name": "Ada"})
    answer(f"anon:{client.session.session_key}", [(3, True), (3, False)])
    html = " ".join(client.get(f"/classroom/my/{classroom.code}/").content.decode().split())
    assert "50%" in html and html.count("not answered yet") == 3


def test_drilldown_shows_the_learners_quiz_scores(instructor: User, classroom: Classroom) -> None:
    from tests.classroom.conftest import client_for
    m = join(classroom, "Ada")
    answer(m.learner_key, [(2, True), (2, True), (2, False), (2, False)])
    answer("anon:someone-else", [(1, True)])
    html = " ".join(client_for(instructor).get(f"/classroom/{classroom.pk}/learners/{m.pk}/").content.decode().split())
    assert "50%" in html and "100%" not in html and html.count("not answered yet") == 3
