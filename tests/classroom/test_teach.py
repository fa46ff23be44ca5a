"""Instructor pages: create, edit, dashboard (full and htmx partial), close, delete, CSV, drill-down."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from kmslab.classroom.models import Classroom, Membership
from scenarios.models import Progress, Scenario
from tests.classroom.conftest import DENIED_GDK, client_for, join, make_classroom, set_progress

pytestmark = pytest.mark.django_db


def test_create_class_assigns_scenarios_and_redirects_to_its_dashboard(
    instructor: User, scenarios: list[Scenario]
) -> None:
    client = client_for(instructor)
    response = client.post_form("/classroom/new/", {
        "name": "  Tuesday   cohort ", "scenarios": [scenarios[0].pk, scenarios[2].pk], "assigns_quiz": "on", "is_open": "on",
    })
    c = Classroom.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/classroom/{c.pk}/"
    assert c.owner == instructor and c.name == "Tuesday cohort" and c.is_open and c.assigns_quiz
    assert set(c.scenarios.all()) == {scenarios[0], scenarios[2]}


@pytest.mark.parametrize(
    ("data", "message"),
    [({"name": "", "assigns_quiz": "on"}, "give the class a name"),
     ({"name": "Empty"}, "assign at least one scenario or the quiz"),
     ({"name": "X", "scenarios": ["99999"], "assigns_quiz": "on"}, "Select a valid choice"),
     ({"name": "X", "scenarios": ["<b>"], "assigns_quiz": "on"}, "is not a valid value")],
    ids=["no-name", "nothing-assigned", "unknown-scenario", "garbage-scenario"],
)
def test_create_class_with_bad_input_shows_the_error(instructor: User, scenarios: list[Scenario],
                                                     data: dict[str, object], message: str) -> None:
    response = client_for(instructor).post_form("/classroom/new/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Classroom.objects.exists()


def test_edit_class_changes_its_assignments(instructor: User, classroom: Classroom, scenarios: list[Scenario]) -> None:
    response = client_for(instructor).post_form(f"/classroom/{classroom.pk}/edit/", {
        "name": "Renamed", "scenarios": [scenarios[1].pk], "is_open": "on"})
    assert response.status_code == 302
    classroom.refresh_from_db()
    assert classroom.name == "Renamed" and not classroom.assigns_quiz and list(classroom.scenarios.all()) == [scenarios[1]]


def test_dashboard_page_shows_code_qr_and_learners(instructor: User, classroom: Classroom,
                                                   scenarios: list[Scenario]) -> None:
    set_progress(join(classroom, "Ada").learner_key, scenarios[0])
    page = client_for(instructor).get(f"/classroom/{classroom.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and classroom.code in html
    assert 'src="data:image/svg+xml' in html and f"/classroom/join/{classroom.code}/" in html
    assert 'hx-trigger="every 3s"' in html and "Ada" in html
    assert "1 learner: no identity-based policy allows kms:GenerateDataKey" in " ".join(
        html.replace("<strong>", "").replace("</strong>", "").split())
    assert page.headers["Vary"].count("HX-Request") == 1


def test_dashboard_htmx_request_gets_only_the_live_partial(instructor: User, classroom: Classroom) -> None:
    join(classroom, "Ada")
    response = client_for(instructor).get(f"/classroom/{classroom.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="dashboard-live"') and "<html" not in html
    assert "Ada" in html and "data:image/svg+xml" not in html


def test_dashboard_escapes_display_names_and_reasons(instructor: User, classroom: Classroom,
                                                     scenarios: list[Scenario]) -> None:
    evil = join(classroom, "<script>alert(1)</script>")
    set_progress(evil.learner_key, scenarios[0], gate="", message='<img src=x onerror="alert(2)">')
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        html = client_for(instructor).get(f"/classroom/{classroom.pk}/", **headers).content.decode()
        assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html and "&lt;img src=x" in html


def test_learner_drilldown_shows_documents_read_only_and_escaped(instructor: User, classroom: Classroom,
                                                                scenarios: list[Scenario]) -> None:
    m = join(classroom, "Ada")
    set_progress(m.learner_key, scenarios[0], documents={"key_policy": '{"Sid": "</pre><script>x()</script>"}'})
    response = client_for(instructor).get(f"/classroom/{classroom.pk}/learners/{m.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Ada" in html
    assert "<script>x()" not in html and "&lt;/pre&gt;&lt;script&gt;x()" in html
    assert "AccessDeniedException" in html and "<textarea" not in html and "<form" not in html.split("<main")[1]


def test_learner_drilldown_of_a_real_scenario_shows_starting_documents(instructor: User) -> None:
    from scenarios.loader import load_scenarios
    load_scenarios()
    s = Scenario.objects.get(slug="s3-cross-account-upload")
    c = make_classroom(instructor, [s])
    m = join(c, "Ada")
    html = client_for(instructor).get(f"/classroom/{c.pk}/learners/{m.pk}/").content.decode()
    assert "starting text, unchanged" in html
    first = s.spec().editable[0]
    assert first.title in html


def test_close_and_reopen_class(instructor: User, classroom: Classroom) -> None:
    client = client_for(instructor)
    assert client.post_form(f"/classroom/{classroom.pk}/open/", {"open": "0"}).status_code == 302
    classroom.refresh_from_db()
    assert not classroom.is_open
    client.post_form(f"/classroom/{classroom.pk}/open/", {"open": "1"})
    classroom.refresh_from_db()
    assert classroom.is_open


def test_close_class_with_garbage_changes_nothing(instructor: User, classroom: Classroom) -> None:
    response = client_for(instructor).post_form(f"/classroom/{classroom.pk}/open/", {"open": "maybe"}, follow=True)
    assert response.status_code == 200 and "expected open=1 or open=0" in response.content.decode()
    classroom.refresh_from_db()
    assert classroom.is_open


def test_close_class_by_get_is_refused(instructor: User, classroom: Classroom) -> None:
    assert client_for(instructor).get(f"/classroom/{classroom.pk}/open/").status_code == 405


def test_delete_class_confirms_what_is_deleted_then_deletes_memberships(
    instructor: User, classroom: Classroom, scenarios: list[Scenario]
) -> None:
    m = join(classroom, "Ada")
    set_progress(m.learner_key, scenarios[0])
    client = client_for(instructor)
    page = client.get(f"/classroom/{classroom.pk}/delete/").content.decode()
    assert "1 membership" in page and "stays with them" in page
    assert Classroom.objects.exists()
    response = client.post_form(f"/classroom/{classroom.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/classroom/"
    assert not Classroom.objects.exists() and not Membership.objects.exists()
    assert Progress.objects.filter(learner_key=m.learner_key).exists()


def test_delete_class_without_csrf_is_refused(instructor: User, classroom: Classroom) -> None:
    client = client_for(instructor)
    client.token()
    assert client.post(f"/classroom/{classroom.pk}/delete/").status_code == 403
    assert Classroom.objects.exists()


def test_export_csv_has_one_row_per_learner_and_defuses_formulas(
    instructor: User, classroom: Classroom, scenarios: list[Scenario]
) -> None:
    set_progress(join(classroom, "=HYPERLINK(\"http://evil\")").learner_key, scenarios[0],
                 outcome="success", solved_after=timedelta(minutes=2))
    set_progress(join(classroom, "Bea").learner_key, scenarios[1], message=DENIED_GDK)
    response = client_for(instructor).get(f"/classroom/{classroom.pk}/export.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and classroom.code in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode())))
    head, rows = table[0], table[1:]
    assert len(rows) == 2
    by_name = {r[0]: dict(zip(head, r)) for r in rows}
    evil = by_name["'=HYPERLINK(\"http://evil\")"]
    assert evil[f"{scenarios[0].slug} status"] == "solved"
    assert 110 <= int(evil[f"{scenarios[0].slug} time_to_solve_seconds"]) <= 130
    assert by_name["Bea"][f"{scenarios[1].slug} last_reason"] == "no identity-based policy allows kms:GenerateDataKey"
    assert by_name["Bea"][f"{scenarios[1].slug} stuck_at"] == "iam-policy"


def test_index_lists_only_my_classes(instructor: User, other_instructor: User, classroom: Classroom) -> None:
    theirs = make_classroom(other_instructor, name="Rival class")
    html = client_for(instructor).get("/classroom/").content.decode()
    assert classroom.name in html and theirs.name not in html and theirs.code not in html


def test_dashboard_view_query_count_is_the_same_for_small_and_big_classes(
    instructor: User, classroom: Classroom, scenarios: list[Scenario]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(instructor)
    client.get("/classroom/")  # the day's session refresh (one save) happens here, not in a measurement

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/classroom/{classroom.pk}/", HTTP_HX_REQUEST="true").status_code == 200
        return len(ctx.captured_queries)

    set_progress(join(classroom, "first").learner_key, scenarios[0])
    small = count()
    for i in range(30):
        key = join(classroom, f"l{i}").learner_key
        for s in scenarios:
            set_progress(key, s, outcome="success" if i % 3 == 0 else "failure",
                         solved_after=timedelta(minutes=1) if i % 3 == 0 else None)
    assert count() == small
    assert small <= 12


def test_create_class_retries_when_a_join_code_is_taken(instructor: User, classroom: Classroom,
                                                        scenarios: list[Scenario], monkeypatch: pytest.MonkeyPatch) -> None:
    codes = iter([classroom.code, "NEWC0D".replace("0", "2")])
    monkeypatch.setattr("kmslab.classroom.views.teach.new_code", lambda: next(codes))
    response = client_for(instructor).post_form("/classroom/new/", {"name": "Second", "scenarios": [scenarios[0].pk]})
    assert response.status_code == 302
    second = Classroom.objects.get(name="Second")
    assert second.code == "NEWC2D" and list(second.scenarios.all()) == [scenarios[0]]
