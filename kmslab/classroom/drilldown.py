"""One learner's work in one class, for the instructor's read-only drill-down.

For each assigned scenario: the learner's current documents (their saved text, or the starting
text for documents not saved yet), the last result digest and the failing reason. Text is handed
to templates as plain strings; autoescaping keeps policy text inert.
"""

from __future__ import annotations

from dataclasses import dataclass

from kmslab.classroom.dashboard import Cell, build_cell, first_attempts, progress_rows
from kmslab.classroom.models import Classroom, Membership
from kmslab.classroom.reasons import GATE_TITLES
from kmslab.textsafe import deep_visible, visible
from scenarios.models import Progress, Scenario


@dataclass(frozen=True, slots=True)
class DocumentView:
    name: str
    title: str
    text: str
    saved: bool  # False: the learner has not changed the starting text


@dataclass(frozen=True, slots=True)
class ScenarioWork:
    scenario: Scenario
    cell: Cell
    documents: tuple[DocumentView, ...]
    summary: dict[str, object]

    @property
    def gate_title(self) -> str:
        return GATE_TITLES.get(str(self.summary.get("failing_gate") or ""), "")


def learner_detail(classroom: Classroom, membership: Membership) -> tuple[ScenarioWork, ...]:
    scenarios = list(classroom.scenarios.all())
    ids = [s.pk for s in scenarios]
    key = [membership.learner_key]
    rows = {int(r["scenario_id"]): r for r in progress_rows(key, ids)}  # type: ignore[call-overload]
    firsts = first_attempts(key, ids)
    saved_docs = {
        p["scenario_id"]: p["documents"]
        for p in Progress.objects.filter(learner_key=membership.learner_key, scenario_id__in=ids)
        .values("scenario_id", "documents")
    }
    out = []
    for s in scenarios:
        row = rows.get(s.pk)
        saved = saved_docs.get(s.pk)
        saved = saved if isinstance(saved, dict) else {}
        summary = row["last_result_summary"] if row and isinstance(row["last_result_summary"], dict) else {}
        summary = deep_visible(summary)  # type: ignore[assignment]  # rows stored before surrogates were refused
        out.append(ScenarioWork(
            scenario=s,
            cell=build_cell(row, firsts.get((membership.learner_key, s.pk))),
            documents=_documents(s, saved),
            summary=summary,
        ))
    return tuple(out)


def _documents(scenario: Scenario, saved: dict[str, object]) -> tuple[DocumentView, ...]:
    spec = scenario.spec_or_none()
    if spec is None:  # a broken scenario row: show whatever was saved
        return tuple(DocumentView(visible(n), visible(n), visible(t), True) for n, t in saved.items() if isinstance(t, str))
    docs = []
    for d in spec.editable:
        text = saved.get(d.name)
        docs.append(DocumentView(d.name, d.title, visible(text) if isinstance(text, str) else d.text, isinstance(text, str)))
    return tuple(docs)
