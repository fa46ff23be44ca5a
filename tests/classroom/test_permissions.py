"""Who may see what: instructors only their own classes, learners only their own memberships.

Every instructor URL is tried as an anonymous visitor (login redirect), a learner (403), another
instructor (404) and with ids from another class (404); learner URLs with another learner's
session (404)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kmslab.classroom.instructors import is_instructor
from kmslab.classroom.models import Classroom, Membership
from tests.classroom.conftest import CsrfClient, client_for, join, make_classroom, make_user

pytestmark = pytest.mark.django_db

INSTRUCTOR_URLS = [
    ("get", "/classroom/{pk}/"),
    ("get", "/classroom/{pk}/edit/"),
    ("post", "/classroom/{pk}/edit/"),
    ("post", "/classroom/{pk}/open/"),
    ("get", "/classroom/{pk}/delete/"),
    ("post", "/classroom/{pk}/delete/"),
    ("get", "/classroom/{pk}/export.csv"),
    ("get", "/classroom/{pk}/learners/{member}/"),
]
IDS = ["dashboard", "edit-get", "edit-post", "open", "delete-get", "delete-post", "export", "drilldown"]


def call(client: CsrfClient, method: str, url: str) -> object:
    if method == "post":
        return client.post_form(url, {"name": "hijacked", "open": "0", "assigns_quiz": "on"})
    return client.get(url)


def assert_untouched(classroom: Classroom) -> None:
    fresh = Classroom.objects.get(pk=classroom.pk)
    assert fresh.name == classroom.name and fresh.is_open == classroom.is_open
    assert Membership.objects.filter(classroom=classroom).exists()


@pytest.mark.parametrize(("method", "template"), INSTRUCTOR_URLS, ids=IDS)
def test_instructor_pages_send_anonymous_visitors_to_login(classroom: Classroom, method: str, template: str) -> None:
    m = join(classroom, "Ada")
    response = call(CsrfClient(), method, template.format(pk=classroom.pk, member=m.pk))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert_untouched(classroom)


@pytest.mark.parametrize(("method", "template"), INSTRUCTOR_URLS, ids=IDS)
def test_instructor_pages_refuse_learners_with_403(classroom: Classroom, learner_user: User,
                                                   method: str, template: str) -> None:
    m = join(classroom, "Stu", f"user:{learner_user.pk}")  # even a member of the class
    response = call(client_for(learner_user), method, template.format(pk=classroom.pk, member=m.pk))
    assert response.status_code == 403
    assert_untouched(classroom)


@pytest.mark.parametrize(("method", "template"), INSTRUCTOR_URLS, ids=IDS)
def test_instructor_pages_hide_other_instructors_classes_with_404(
    classroom: Classroom, other_instructor: User, method: str, template: str
) -> None:
    m = join(classroom, "Ada")
    response = call(client_for(other_instructor), method, template.format(pk=classroom.pk, member=m.pk))
    assert response.status_code == 404
    assert b"Ada" not in response.content
    assert_untouched(classroom)


def test_drilldown_refuses_a_membership_from_another_class(instructor: User, classroom: Classroom,
                                                           other_instructor: User) -> None:
    mine = make_classroom(instructor, name="Second class")
    other = join(make_classroom(other_instructor), "Secret")
    join(classroom, "Ada")
    for c in (classroom, mine):
        assert client_for(instructor).get(f"/classroom/{c.pk}/learners/{other.pk}/").status_code == 404
    sibling = join(mine, "Sibling")
    assert client_for(instructor).get(f"/classroom/{classroom.pk}/learners/{sibling.pk}/").status_code == 404


def test_unknown_class_id_is_404(instructor: User) -> None:
    assert client_for(instructor).get("/classroom/999999/").status_code == 404


def test_staff_users_are_instructors_but_see_only_their_own_classes(classroom: Classroom) -> None:
    staff = make_user("staffer", staff=True)
    assert is_instructor(staff)
    assert client_for(staff).get(f"/classroom/{classroom.pk}/").status_code == 404
    assert client_for(staff).get("/classroom/new/").status_code == 200


def test_inactive_instructor_is_not_an_instructor(instructor: User) -> None:
    instructor.is_active = False
    assert not is_instructor(instructor)


def test_create_page_refuses_learners(learner_user: User) -> None:
    assert client_for(learner_user).get("/classroom/new/").status_code == 403


def test_learner_class_page_is_only_for_its_member(classroom: Classroom) -> None:
    ada, bea = CsrfClient(), CsrfClient()
    ada.post_form("/classroom/join/", {"code": classroom.code, "display_name": "Ada"})
    assert ada.get(f"/classroom/my/{classroom.code}/").status_code == 200
    assert bea.get(f"/classroom/my/{classroom.code}/").status_code == 404
    assert bea.post_form(f"/classroom/my/{classroom.code}/leave/").status_code == 404
    assert Membership.objects.count() == 1


def test_learner_class_page_with_a_garbage_code_is_404(anon: CsrfClient) -> None:
    assert anon.get("/classroom/my/<script>/").status_code == 404


def test_learner_can_leave_their_class(classroom: Classroom) -> None:
    ada = CsrfClient()
    ada.post_form("/classroom/join/", {"code": classroom.code, "display_name": "Ada"})
    response = ada.post_form(f"/classroom/my/{classroom.code}/leave/")
    assert response.status_code == 302 and not Membership.objects.exists()


def test_dashboard_poll_after_logout_redirects_the_whole_page(classroom: Classroom) -> None:
    response = CsrfClient().get(f"/classroom/{classroom.pk}/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/login/?next=/classroom/")
