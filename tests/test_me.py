"""My progress: one page for the lesson, scenarios and quiz, and resets that touch only my rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from kmslab.quiz.models import Mode, Sitting, SittingStatus
from scenarios.models import Attempt, Progress, Scenario
from tests.classroom.conftest import CsrfClient, client_for, make_scenario

pytestmark = pytest.mark.django_db


def sitting(key: str, correct: int = 3, total: int = 4) -> Sitting:
    return Sitting.objects.create(learner_key=key, mode=Mode.PRACTICE, status=SittingStatus.FINISHED,
                                  started_at=timezone.now(), finished_at=timezone.now(), correct=correct, total=total)


def work(key: str, scenario: Scenario) -> None:
    Progress.objects.create(learner_key=key, scenario=scenario, documents={"key_policy": "{}"}, attempts=2,
                            first_solved_at=timezone.now())
    Attempt.objects.create(learner_key=key, scenario=scenario, outcome="success", solved=True)


def test_me_shows_lesson_scenarios_and_quiz() -> None:
    user = User.objects.create_user("ana", password=None)
    client = client_for(user)
    first, second = make_scenario("first", 1), make_scenario("second", 2)
    work(f"user:{user.pk}", first)
    sitting(f"user:{user.pk}")
    client.get(reverse("lessons:section", args=["glossary"]))
    html = client.get(reverse("me")).content.decode()
    assert "1 of 13 sections read" in html
    assert "1 of 2 solved" in html
    assert 'data-scenario="first"' in html and 'data-scenario="second"' in html
    assert "the latest scored 3 of 4" in html


def test_me_reset_scenarios_deletes_only_my_rows_and_needs_csrf() -> None:
    me, other = User.objects.create_user("me", password=None), User.objects.create_user("other", password=None)
    scenario = make_scenario("s")
    work(f"user:{me.pk}", scenario)
    work(f"user:{other.pk}", scenario)
    client = client_for(me)
    assert client.post(reverse("me-reset-scenarios")).status_code == 403  # no CSRF token
    assert Progress.objects.filter(learner_key=f"user:{me.pk}").exists()
    response = client.post_form(reverse("me-reset-scenarios"))
    assert response.status_code == 302
    assert not Progress.objects.filter(learner_key=f"user:{me.pk}").exists()
    assert not Attempt.objects.filter(learner_key=f"user:{me.pk}").exists()
    assert Progress.objects.filter(learner_key=f"user:{other.pk}").exists()
    assert Attempt.objects.filter(learner_key=f"user:{other.pk}").exists()


def test_me_reset_quiz_deletes_only_my_sittings() -> None:
    me, other = User.objects.create_user("me", password=None), User.objects.create_user("other", password=None)
    sitting(f"user:{me.pk}")
    sitting(f"user:{other.pk}")
    client = client_for(me)
    client.post_form(reverse("me-reset-quiz"))
    assert not Sitting.objects.filter(learner_key=f"user:{me.pk}").exists()
    assert Sitting.objects.filter(learner_key=f"user:{other.pk}").exists()


def test_me_works_for_an_anonymous_visitor() -> None:
    client = CsrfClient()
    response = client.get(reverse("me"))
    assert response.status_code == 200
    assert "in this browser" in response.content.decode()
    assert client.post_form(reverse("me-reset-quiz")).status_code == 302
