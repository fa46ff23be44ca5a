"""The dashboard's data: heatmap counts, grid statuses, reasons, quiz, fixed query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from kmslab.classroom.dashboard import Cell, build_dashboard, format_duration, stuck_column
from kmslab.classroom.models import Classroom
from scenarios.models import Progress, Scenario
from tests.classroom.conftest import DENIED_GDK, join, make_classroom, make_scenario, set_progress

pytestmark = pytest.mark.django_db


def heat(dash: object, slug: str, gate: str) -> int:
    row = next(r for r in dash.heat if r.scenario.slug == slug)  # type: ignore[attr-defined]
    return next(c.count for c in row.cells if c.column == gate)


def test_dashboard_counts_learners_stuck_at_each_gate(classroom: Classroom, scenarios: list[Scenario]) -> None:
    s1 = scenarios[0]
    for i in range(3):
        set_progress(join(classroom, f"iam{i}").learner_key, s1, gate="iam-policy")
    set_progress(join(classroom, "kp").learner_key, s1, gate="key-policy")
    set_progress(join(classroom, "bad").learner_key, s1, outcome="invalid")
    set_progress(join(classroom, "done").learner_key, s1, outcome="success", solved_after=timedelta(minutes=4))
    set_progress("anon:not-a-member", s1, gate="iam-policy")  # outside the class: never counted
    dash = build_dashboard(classroom)
    assert heat(dash, s1.slug, "iam-policy") == 3
    assert heat(dash, s1.slug, "key-policy") == 1
    assert heat(dash, s1.slug, "invalid") == 1
    assert heat(dash, s1.slug, "grant") == 0
    assert dash.heat[0].solved == 1 and dash.learner_count == 6


def test_dashboard_heat_levels_grow_with_the_share_of_the_class(classroom: Classroom, scenarios: list[Scenario]) -> None:
    for i in range(4):
        m = join(classroom, f"l{i}")
        if i < 3:
            set_progress(m.learner_key, scenarios[0], gate="grant")
    cell = next(c for c in build_dashboard(classroom).heat[0].cells if c.column == "grant")
    assert (cell.count, cell.level) == (3, 4)


def test_dashboard_grid_shows_status_attempts_and_time_to_solve(classroom: Classroom, scenarios: list[Scenario]) -> None:
    m = join(classroom, "Ada")
    set_progress(m.learner_key, scenarios[0], attempts=3)
    set_progress(m.learner_key, scenarios[1], outcome="success", attempts=5, solved_after=timedelta(minutes=7))
    Progress.objects.create(learner_key=m.learner_key, scenario=scenarios[2], hints_shown=1)  # hints only
    cells = build_dashboard(classroom).rows[0].cells
    assert [c.status for c in cells] == ["in-progress", "solved", "not-started"]
    assert cells[0].attempts == 3 and cells[0].stuck_at == "iam-policy"
    assert cells[1].time_to_solve is not None
    assert timedelta(minutes=6, seconds=50) < cells[1].time_to_solve < timedelta(minutes=7, seconds=10)


def test_dashboard_saved_documents_without_runs_count_as_in_progress(classroom: Classroom, scenarios: list[Scenario]) -> None:
    m = join(classroom, "Ada")
    Progress.objects.create(learner_key=m.learner_key, scenario=scenarios[0], documents={"key_policy": "{}"})
    assert build_dashboard(classroom).rows[0].cells[0].status == "in-progress"


def test_dashboard_aggregates_failing_reasons_across_learners_and_scenarios(
    classroom: Classroom, scenarios: list[Scenario]
) -> None:
    for i in range(3):
        key = join(classroom, f"l{i}").learner_key
        set_progress(key, scenarios[0], message=DENIED_GDK.replace("user/bob", f"user/u{i}"))
        if i == 0:
            set_progress(key, scenarios[1])  # same reason again: the learner counts once
    set_progress(join(classroom, "other").learner_key, scenarios[0], outcome="invalid")
    reasons = build_dashboard(classroom).reasons
    assert reasons[0].reason == "no identity-based policy allows kms:GenerateDataKey"
    assert reasons[0].learners == 3
    assert reasons[0].scenarios == (scenarios[0].title, scenarios[1].title)
    assert reasons[1].learners == 1 and reasons[1].reason.startswith("invalid document")


def test_dashboard_ignores_other_classes_scenarios(instructor: User, classroom: Classroom) -> None:
    extra = make_scenario("not-assigned", 9)
    set_progress(join(classroom, "Ada").learner_key, extra)
    dash = build_dashboard(classroom)
    assert extra not in dash.scenarios and dash.reasons == ()


def test_dashboard_without_quiz_has_no_objectives(instructor: User, scenarios: list[Scenario]) -> None:
    c = make_classroom(instructor, scenarios, assigns_quiz=False)
    join(c, "Ada")
    dash = build_dashboard(c)
    assert dash.objectives == () and dash.rows[0].quiz == ()


@pytest.mark.parametrize("learners", [1, 40], ids=["one-learner", "forty-learners"])
def test_dashboard_query_count_does_not_grow_with_the_class(
    classroom: Classroom, scenarios: list[Scenario], learners: int, django_assert_max_num_queries: object
) -> None:
    for i in range(learners):
        key = join(classroom, f"l{i}").learner_key
        for s in scenarios:
            set_progress(key, s, outcome="success" if i % 2 else "failure", solved_after=timedelta(minutes=i) if i % 2 else None)
    with django_assert_max_num_queries(5):  # scenarios, members, progress, first attempts, quiz
        dash = build_dashboard(classroom)
    assert dash.learner_count == learners


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, ""), (42, "42s"), (125, "2m 05s"), (3 * 3600 + 60, "3h 01m"), (3 * 86400 + 7200, "3d 2h"), (-5, "0s")],
    ids=["none", "seconds", "minutes", "hours", "days", "negative"],
)
def test_format_duration_is_compact(seconds: int | None, text: str) -> None:
    assert format_duration(None if seconds is None else timedelta(seconds=seconds)) == text


@pytest.mark.parametrize(
    ("outcome", "gate", "column"),
    [("failure", "key-policy", "key-policy"), ("failure", "", "other"), ("failure", "nonsense", "other"),
     ("invalid", "", "invalid"), ("success", "", "")],
    ids=["gate", "no-gate", "unknown-gate", "invalid", "success"],
)
def test_stuck_column_maps_last_result_to_a_heat_column(outcome: str, gate: str, column: str) -> None:
    assert stuck_column(outcome, {"outcome": outcome, "failing_gate": gate}) == column


def test_dashboard_cell_solved_by_the_first_run_says_so_not_zero_seconds() -> None:
    first = Cell(status="solved", attempts=1, time_to_solve=timedelta(0))
    assert first.text == "solved on the first run" and first.time_to_solve_text == ""
    later = Cell(status="solved", attempts=4, time_to_solve=timedelta(seconds=95))
    assert later.text == "solved in 1m 35s"
