"""A learner's class page: their assignments with links and their own status only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kmslab.classroom.models import Classroom
from scenarios.models import Scenario
from tests.classroom.conftest import CsrfClient, set_progress

pytestmark = pytest.mark.django_db


def joined(classroom: Classroom, name: str) -> tuple[CsrfClient, str]:
    client = CsrfClient()
    client.post_form("/classroom/join/", {"code": classroom.code, "display_name": name})
    return client, f"anon:{client.session.session_key}"


def test_learner_sees_assignments_with_their_own_status(classroom: Classroom, scenarios: list[Scenario]) -> None:
    ada, ada_key = joined(classroom, "Ada")
    bea, bea_key = joined(classroom, "Bea")
    set_progress(ada_key, scenarios[0], outcome="success", solved_after=timedelta(minutes=1))
    set_progress(bea_key, scenarios[1])
    html = ada.get(f"/classroom/my/{classroom.code}/").content.decode()
    assert f'href="/scenarios/{scenarios[0].slug}/"' in html
    assert html.count('data-status="solved"') == 1 and html.count('data-status="in-progress"') == 0
    assert "Bea" not in html
    assert '<a class="btn btn-primary" href="/quiz/">Take the quiz</a>' in html


def test_learner_page_without_quiz_hides_it(instructor: object, scenarios: list[Scenario]) -> None:
    from tests.classroom.conftest import make_classroom
    c = make_classroom(instructor, scenarios, assigns_quiz=False)  # type: ignore[arg-type]
    ada, _ = joined(c, "Ada")
    html = ada.get(f"/classroom/my/{c.code}/").content.decode()
    assert 'id="my-quiz"' not in html and "Take the quiz" not in html


def test_learner_index_lists_joined_classes(classroom: Classroom) -> None:
    ada, _ = joined(classroom, "Ada")
    html = ada.get("/classroom/").content.decode()
    assert f"/classroom/my/{classroom.code}/" in html and "New class" not in html


def test_index_for_a_fresh_visitor_creates_no_session(anon: CsrfClient) -> None:
    response = anon.get("/classroom/")
    assert response.status_code == 200 and "Join a class" in response.content.decode()
    assert "sessionid" not in response.cookies


def test_logging_in_after_joining_anonymously_keeps_the_membership(classroom: Classroom) -> None:
    from tests.classroom.conftest import make_user
    ada, anon_key = joined(classroom, "Ada")
    user = make_user("ada")
    user.set_password("pw-ada-long-enough-1")
    user.save()
    login = ada.post_form("/accounts/login/", {"username": "ada", "password": "pw-ada-long-enough-1"})
    assert login.status_code == 302
    membership = classroom.memberships.get()
    assert membership.learner_key == f"user:{user.pk}"
    assert ada.get(f"/classroom/my/{classroom.code}/").status_code == 200


def test_claim_skips_classes_the_account_already_joined(classroom: Classroom) -> None:
    from kmslab.classroom.claim import claim_memberships
    from tests.classroom.conftest import join
    join(classroom, "Ada (anon)", "anon:x")
    join(classroom, "Ada", "user:7")
    assert claim_memberships("anon:x", "user:7") == 0
    assert classroom.memberships.filter(learner_key="anon:x").count() == 1
