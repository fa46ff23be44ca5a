"""Joining: the form, wrong and closed codes, duplicates, CSRF, and the per-client rate limit."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from pytest_django.fixtures import Settings as SettingsWrapper


from kmslab.classroom.models import Classroom, JoinAttempt, Membership
from tests.classroom.conftest import CsrfClient, client_for, join

pytestmark = pytest.mark.django_db


def post_join(client: CsrfClient, code: str, name: str = "Ada", ip: str = "10.0.0.1") -> object:
    return client.post_form("/classroom/join/", {"code": code, "display_name": name}, REMOTE_ADDR=ip)


def test_join_page_prefills_the_code_from_the_link(anon: CsrfClient, classroom: Classroom) -> None:
    response = anon.get(f"/classroom/join/{classroom.code.lower()}/")
    assert response.status_code == 200
    assert f'value="{classroom.code}"' in response.content.decode()


def test_join_creates_an_anonymous_membership_and_shows_the_class(anon: CsrfClient, classroom: Classroom) -> None:
    response = post_join(anon, classroom.code.lower())
    assert response.status_code == 302 and response["Location"] == f"/classroom/my/{classroom.code}/"
    membership = Membership.objects.get()
    assert membership.learner_key == f"anon:{anon.session.session_key}" and membership.display_name == "Ada"
    page = anon.get(response["Location"])
    assert page.status_code == 200 and "Ada" in page.content.decode()


def test_join_while_logged_in_uses_the_account(learner_user: User, classroom: Classroom) -> None:
    client = client_for(learner_user)
    assert 'value="student"' in client.get(f"/classroom/join/{classroom.code}/").content.decode()
    post_join(client, classroom.code, "Stu")
    assert Membership.objects.get().learner_key == f"user:{learner_user.pk}"


def test_join_with_a_wrong_code_is_a_clear_404(anon: CsrfClient, classroom: Classroom) -> None:
    wrong = "ZZZZZZ" if classroom.code != "ZZZZZZ" else "YYYYYY"
    response = post_join(anon, wrong)
    assert response.status_code == 404
    assert "no class has that join code" in response.content.decode()
    assert not Membership.objects.exists()


def test_join_a_closed_class_is_a_clear_403(anon: CsrfClient, classroom: Classroom) -> None:
    classroom.is_open = False
    classroom.save()
    response = post_join(anon, classroom.code)
    assert response.status_code == 403 and "closed to new learners" in response.content.decode()
    assert not Membership.objects.exists()


def test_join_again_after_closing_still_reaches_the_class(anon: CsrfClient, classroom: Classroom) -> None:
    post_join(anon, classroom.code)
    Classroom.objects.filter(pk=classroom.pk).update(is_open=False)
    response = post_join(anon, classroom.code, "Someone else")
    assert response.status_code == 302 and Membership.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [("", "Ada", "join code is 6 letters"), ("ABC", "Ada", "join code is 6 letters"),
     ("GOOD", "   ", "enter the name"), ("GOOD", "x" * 41, "under 41 characters"),
     ("GOOD", "Ada\u202eevil", "invisible or control"), ("GOOD", "Ada\x00", "Null characters are not allowed")],
    ids=["empty-code", "short-code", "blank-name", "long-name", "bidi-override", "nul"],
)
def test_join_with_bad_input_is_a_400_with_the_field_error(
    anon: CsrfClient, classroom: Classroom, code: str, name: str, message: str
) -> None:
    response = post_join(anon, classroom.code if code == "GOOD" else code, name)
    assert response.status_code == 400 and message in response.content.decode()
    assert not Membership.objects.exists()


def test_join_with_a_taken_name_asks_for_another(anon: CsrfClient, classroom: Classroom) -> None:
    join(classroom, "Ada Lovelace")
    response = post_join(anon, classroom.code, "  ada   LOVELACE ")
    assert response.status_code == 409 and "already uses that name" in response.content.decode()


def test_join_with_hostile_types_is_a_400_not_a_500(anon: CsrfClient, classroom: Classroom) -> None:
    response = anon.post("/classroom/join/", {"code": ["A", "B"], "display_name": "x" * 100_000,
                                              "csrfmiddlewaretoken": anon.token()})
    assert response.status_code == 400


def test_join_without_csrf_token_is_refused(anon: CsrfClient, classroom: Classroom) -> None:
    anon.token()
    response = anon.post("/classroom/join/", {"code": classroom.code, "display_name": "Ada"})
    assert response.status_code == 403 and not Membership.objects.exists()


def test_join_rate_limits_wrong_codes_per_client(anon: CsrfClient, classroom: Classroom,
                                                 settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_FAILURES = 3
    for _ in range(3):
        assert post_join(anon, "ZZZZZZ" if classroom.code != "ZZZZZZ" else "YYYYYY").status_code == 404
    blocked = post_join(anon, classroom.code)  # even the right code waits now
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert "too many join attempts" in blocked.content.decode()
    assert not Membership.objects.exists()
    other_network = post_join(CsrfClient(), classroom.code, "Bea", ip="10.9.9.9")
    assert other_network.status_code == 302


def test_join_rate_limit_allows_a_whole_class_behind_one_address(classroom: Classroom,
                                                                 settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_FAILURES = 3
    for i in range(12):  # successful joins do not use up the wrong-code budget
        assert post_join(CsrfClient(), classroom.code, f"Learner {i}").status_code == 302
    assert Membership.objects.count() == 12


def test_join_rate_limit_caps_all_attempts(classroom: Classroom, settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_ATTEMPTS = 2
    for i in range(2):
        assert post_join(CsrfClient(), classroom.code, f"L{i}").status_code == 302
    assert post_join(CsrfClient(), classroom.code, "L3").status_code == 429


def test_join_attempts_older_than_the_window_are_forgotten(anon: CsrfClient, classroom: Classroom,
                                                           settings: SettingsWrapper) -> None:
    settings.CLASSROOM_JOIN_MAX_FAILURES = 1
    settings.CLASSROOM_JOIN_WINDOW_SECONDS = 60
    post_join(anon, "ZZZZZZ" if classroom.code != "ZZZZZZ" else "YYYYYY")
    assert post_join(anon, classroom.code).status_code == 429
    from datetime import timedelta

    from django.utils import timezone
    JoinAttempt.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    assert post_join(anon, classroom.code).status_code == 302


def test_join_get_with_a_huge_code_in_the_path_is_harmless(anon: CsrfClient) -> None:
    response = anon.get("/classroom/join/" + "<script>" * 50 + "/")
    assert response.status_code == 200 and "<script><script>" not in response.content.decode()
