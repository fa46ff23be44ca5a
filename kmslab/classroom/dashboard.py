"""The live dashboard's data: one class, all its learners, every assignment, in a fixed number of
queries (classroom scenarios, memberships, progress, first attempts, quiz) whatever the class size.

Reads the scenarios app's Progress/Attempt rows and the quiz's scores by learner key; never
writes and never re-runs the simulator (the engine's verdicts are already in
`Progress.last_result_summary`). The templates render these frozen values; the CSV export too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BooleanField, ExpressionWrapper, Min, Q, QuerySet

from kmslab.classroom.models import Classroom, Membership
from kmslab.classroom.quizlink import Objective, quiz_objectives, quiz_scores
from kmslab.classroom.reasons import failing_reason
from kmslab.textsafe import deep_visible
from scenarios.models import Attempt, Progress, Scenario

# Heatmap columns: the four gates a call can fail at (kmslab.iam.decision.Gate values), a failure
# the runner could not pin on one gate, and a document that does not even parse/validate.
HEAT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("key-policy", "Key policy"),
    ("iam-policy", "IAM policy"),
    ("bucket-policy", "Bucket policy"),
    ("grant", "Grant"),
    ("other", "Other failure"),
    ("invalid", "Invalid document"),
)
MAX_REASONS = 8


@dataclass(frozen=True, slots=True)
class Cell:
    """One learner in one scenario."""

    status: str  # "not-started" | "in-progress" | "solved"
    attempts: int = 0
    last_outcome: str = ""  # "success" | "failure" | "invalid" | ""
    stuck_at: str = ""  # a HEAT_COLUMNS key when the last result fails, else ""
    reason: str = ""
    solved_at: datetime | None = None
    time_to_solve: timedelta | None = None

    @property
    def solved_first_run(self) -> bool:
        # Timed from the first kept run, a solve by that very run would read "solved in 0s".
        return self.status == "solved" and self.time_to_solve is not None and self.time_to_solve.total_seconds() < 1

    @property
    def time_to_solve_text(self) -> str:
        return "" if self.solved_first_run else format_duration(self.time_to_solve)

    @property
    def css(self) -> str:
        return f"st st-{self.status} st-failing" if self.stuck_at else f"st st-{self.status}"

    @property
    def text(self) -> str:
        """The grid cell's words (the template prints this once per cell: 1,600 cells must be cheap)."""
        if self.status == "solved":
            if self.solved_first_run:
                return "solved on the first run"
            took = self.time_to_solve_text
            return f"solved in {took}" if took else "solved"
        if self.status == "in-progress":
            return f"in progress \u00b7 {self.attempts} run{'' if self.attempts == 1 else 's'}"
        return "not started"


@dataclass(frozen=True, slots=True)
class LearnerRow:
    membership: Membership
    cells: tuple[Cell, ...]
    quiz: tuple[float | None, ...]  # per objective, 0..100, None when not answered

    @property
    def solved(self) -> int:
        return sum(1 for c in self.cells if c.status == "solved")

    @property
    def quiz_text(self) -> tuple[str, ...]:
        return tuple("\u2014" if q is None else f"{q:.0f}%" for q in self.quiz)


@dataclass(frozen=True, slots=True)
class HeatCell:
    column: str
    label: str
    count: int
    level: int  # 0..4 for the CSS class heat-<level>


@dataclass(frozen=True, slots=True)
class HeatRow:
    scenario: Scenario
    cells: tuple[HeatCell, ...]
    solved: int
    in_progress: int


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str
    learners: int
    scenarios: tuple[str, ...]  # titles


@dataclass(frozen=True, slots=True)
class Dashboard:
    classroom: Classroom
    scenarios: tuple[Scenario, ...]
    rows: tuple[LearnerRow, ...]
    heat: tuple[HeatRow, ...]
    reasons: tuple[ReasonCount, ...]
    objectives: tuple[Objective, ...]  # empty unless the class assigns the quiz
    quiz_averages: tuple[float | None, ...]

    @property
    def learner_count(self) -> int:
        return len(self.rows)

    @property
    def objective_averages(self) -> tuple[tuple[Objective, float | None], ...]:
        return tuple(zip(self.objectives, self.quiz_averages))

    @property
    def heat_columns(self) -> tuple[tuple[str, str], ...]:
        return HEAT_COLUMNS


def format_duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    return f"{hours // 24}d {hours % 24}h"


def stuck_column(outcome: str, summary: Mapping[str, object]) -> str:
    """Where a last result fails, as a HEAT_COLUMNS key ("" when it did not fail)."""
    if outcome == "invalid" or summary.get("outcome") == "invalid":
        return "invalid"
    if outcome != "failure":
        return ""
    gate = str(summary.get("failing_gate") or "")
    return gate if gate in {"key-policy", "iam-policy", "bucket-policy", "grant"} else "other"


def member_keys(classroom: Classroom) -> QuerySet[Membership]:
    return Membership.objects.filter(classroom=classroom).values("learner_key")  # type: ignore[return-value]


def build_cell(row: Mapping[str, object] | None, first_attempt: datetime | None) -> Cell:
    """A cell from a Progress `.values()` row (see `progress_rows`)."""
    if row is None:
        return Cell(status="not-started")
    attempts = int(row["attempts"] or 0)  # type: ignore[call-overload]
    solved_at = row["first_solved_at"]
    outcome = str(row["last_outcome"] or "")
    raw = deep_visible(row["last_result_summary"])  # rows stored before lone surrogates were refused
    summary: Mapping[str, object] = raw if isinstance(raw, dict) else {}
    if isinstance(solved_at, datetime):
        status = "solved"
    elif attempts or row["has_documents"]:
        status = "in-progress"
    else:
        status = "not-started"
    to_solve = None
    if isinstance(solved_at, datetime) and first_attempt is not None:
        to_solve = solved_at - first_attempt
    return Cell(
        status=status,
        attempts=attempts,
        last_outcome=outcome,
        stuck_at=stuck_column(outcome, summary),
        reason=failing_reason(summary) if outcome in {"failure", "invalid"} else "",
        solved_at=solved_at if isinstance(solved_at, datetime) else None,
        time_to_solve=to_solve,
    )


def progress_rows(keys: object, scenario_ids: Sequence[int]) -> list[dict[str, object]]:
    return list(
        Progress.objects.filter(learner_key__in=keys, scenario_id__in=scenario_ids)
        .annotate(has_documents=ExpressionWrapper(~Q(documents={}), output_field=BooleanField()))
        .values("learner_key", "scenario_id", "attempts", "last_outcome", "last_result_summary",
                "first_solved_at", "has_documents")
    )


def first_attempts(keys: object, scenario_ids: Sequence[int]) -> dict[tuple[str, int], datetime]:
    # Time to solve runs from the learner's oldest kept attempt (the scenarios app
    # keeps the last 200 per scenario) to their first solve.
    rows = (
        Attempt.objects.filter(learner_key__in=keys, scenario_id__in=scenario_ids)
        .order_by()
        .values("learner_key", "scenario_id")
        .annotate(first=Min("created_at"))
    )
    return {(str(r["learner_key"]), int(r["scenario_id"])): r["first"] for r in rows}


def build_dashboard(classroom: Classroom) -> Dashboard:
    scenarios = tuple(classroom.scenarios.all().only("id", "slug", "title", "order"))
    members = list(classroom.memberships.all())
    ids = [s.pk for s in scenarios]
    keys = member_keys(classroom)
    progress: dict[tuple[str, int], dict[str, object]] = {}
    firsts: dict[tuple[str, int], datetime] = {}
    if ids and members:
        progress = {(str(r["learner_key"]), int(r["scenario_id"])): r  # type: ignore[call-overload]
                    for r in progress_rows(keys, ids)}
        firsts = first_attempts(keys, ids)
    objectives: tuple[Objective, ...] = ()
    scores: dict[str, dict[int, float]] = {}
    if classroom.assigns_quiz:
        objectives = quiz_objectives()
        if members:
            scores = quiz_scores([m.learner_key for m in members])
    rows = tuple(
        LearnerRow(
            membership=m,
            cells=tuple(build_cell(progress.get((m.learner_key, sid)), firsts.get((m.learner_key, sid)))
                        for sid in ids),
            quiz=tuple(scores.get(m.learner_key, {}).get(o.number) for o in objectives),
        )
        for m in members
    )
    return Dashboard(
        classroom=classroom,
        scenarios=scenarios,
        rows=rows,
        heat=_heat(scenarios, rows),
        reasons=_reasons(scenarios, rows),
        objectives=objectives,
        quiz_averages=tuple(_average([r.quiz[i] for r in rows]) for i in range(len(objectives))),
    )


def _heat(scenarios: Sequence[Scenario], rows: Sequence[LearnerRow]) -> tuple[HeatRow, ...]:
    total = len(rows)
    out = []
    for i, scenario in enumerate(scenarios):
        cells = [r.cells[i] for r in rows]
        counts = Counter(c.stuck_at for c in cells if c.stuck_at)
        out.append(HeatRow(
            scenario=scenario,
            cells=tuple(HeatCell(col, label, counts[col], _level(counts[col], total)) for col, label in HEAT_COLUMNS),
            solved=sum(1 for c in cells if c.status == "solved"),
            in_progress=sum(1 for c in cells if c.status == "in-progress"),
        ))
    return tuple(out)


def _level(count: int, total: int) -> int:
    if not count or not total:
        return 0
    share = count / total
    return 1 if share < 0.15 else 2 if share < 0.35 else 3 if share < 0.6 else 4


def _reasons(scenarios: Sequence[Scenario], rows: Sequence[LearnerRow]) -> tuple[ReasonCount, ...]:
    learners: dict[str, set[str]] = defaultdict(set)
    where: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for i, cell in enumerate(row.cells):
            if cell.reason:
                learners[cell.reason].add(row.membership.learner_key)
                where[cell.reason].add(i)
    ranked = sorted(learners, key=lambda r: (-len(learners[r]), r))[:MAX_REASONS]
    return tuple(ReasonCount(r, len(learners[r]), tuple(scenarios[i].title for i in sorted(where[r])))
                 for r in ranked)


def _average(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None
