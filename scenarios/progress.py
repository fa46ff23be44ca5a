"""A learner's progress in the scenarios: saved documents, attempts, solved.

Keyed by `kmslab.learner.learner_key(request)` strings. Never loses saved work on bad input:
documents are filtered to the scenario's editable names and size-capped before anything is
overwritten, and an oversized document keeps its previously saved text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from kmslab.rows import from_returned, get_row, prepared, returning
from kmslab.textsafe import deep_visible, visible
from scenarios.models import Attempt, Progress, Scenario
from kmslab.lab.result import Outcome, RunResult

MAX_DOCUMENT_CHARS = 64 * 1024  # per document; AWS's largest policy (key policy) is 32 KB
MAX_ATTEMPTS_KEPT = 200  # per learner and scenario: older history is trimmed
TRIM_EVERY = 25  # so a learner holds at most MAX_ATTEMPTS_KEPT + TRIM_EVERY - 1 attempts
SAVED_FIELDS = ["documents", "attempts", "last_outcome", "last_result_summary", "first_solved_at", "updated_at"]

STATUSES = ("not-started", "in-progress", "solved")


def _editable_names(scenario: Scenario) -> tuple[str, ...]:
    spec = scenario.spec_or_none()
    return tuple(d.name for d in spec.editable) if spec is not None else ()


def clean_documents(scenario: Scenario, documents: Mapping[str, object],
                    previous: Mapping[str, str] | None = None) -> dict[str, str]:
    """Keep only the scenario's editable documents, as text, within the size cap. A value that
    is not text or is too large falls back to the previously saved text (if any)."""
    previous = previous or {}
    out: dict[str, str] = {}
    for name in _editable_names(scenario):
        value = documents.get(name) if isinstance(documents, Mapping) else None
        if isinstance(value, str) and len(value) <= MAX_DOCUMENT_CHARS:
            out[name] = visible(value)  # never store a lone surrogate (PostgreSQL refuses it)
        elif isinstance(previous.get(name), str):
            out[name] = previous[name]
    return out


def record_attempt(learner_key: str, scenario: Scenario, documents: Mapping[str, object],
                   result: RunResult | None) -> Progress:
    """Save the learner's documents and, when a result is given, one Attempt row.

    `result` may be None to save work without a run (e.g. a document over the size cap)."""
    learner_key = str(learner_key)[:120]
    if result is None:
        return _save_documents(learner_key, scenario, documents)
    docs = clean_documents(scenario, documents)  # what is missing or refused keeps its saved text
    summary = result.summary()
    failing = result.failing_step
    reason = failing.error_message if failing else ""
    if result.outcome is Outcome.INVALID:
        errors = summary.get("errors")
        reason = "; ".join(errors) if isinstance(errors, list) else ""
    now = timezone.now()
    connection = transaction.get_connection()
    progress_args = (learner_key, scenario, docs, result.outcome, deep_visible(summary),
                     now if result.solved else None, now)
    attempt_args = _attempt_params(learner_key, scenario, docs, result, summary, failing, visible(reason)[:500], now)
    if connection.vendor == "postgresql":  # one statement (atomic by itself): no BEGIN, no COMMIT, one round trip
        row = _upsert_progress(*progress_args, attempt=attempt_args)
    else:
        with transaction.atomic():
            row = _upsert_progress(*progress_args)
            with connection.cursor() as cursor:
                cursor.execute(_INSERT, attempt_args)
    # Trimmed every TRIM_EVERY attempts past the cap, not on each one: the trim is two more
    # queries, and a learner typing sends an attempt every few seconds.
    if row.attempts > MAX_ATTEMPTS_KEPT and row.attempts % TRIM_EVERY == 0:
        old = Attempt.objects.filter(learner_key=learner_key, scenario=scenario).values_list(
            "id", flat=True)[MAX_ATTEMPTS_KEPT:]
        Attempt.objects.filter(id__in=list(old)).delete()
    row.scenario = scenario
    return row


# An attempt is the hot path of a learner typing (a live simulate every few seconds): one upsert
# and one insert in hand-written SQL, not the ORM's select-for-update, save and create (five
# statements, and about 0.5 ms of CPU each to compile). Both SQLite (3.35+) and PostgreSQL run it;
# PostgreSQL as one statement (the insert in a WITH), SQLite as two in one transaction.
# The saved documents are merged with what was sent (a document not sent keeps its saved text).
_MERGE = {
    "sqlite": "json_patch(CASE WHEN json_type(p.documents) = 'object' THEN p.documents ELSE '{}' END, "
              "excluded.documents)",
    "postgresql": "CASE WHEN jsonb_typeof(p.documents) = 'object' THEN p.documents || excluded.documents "
                  "ELSE excluded.documents END",
}
_UPSERT = """INSERT INTO scenarios_progress AS p (learner_key, scenario_id, documents, attempts, hints_shown,
    last_outcome, last_result_summary, first_solved_at, updated_at) VALUES (%s, %s, %s, 1, 0, %s, %s, %s, %s)
ON CONFLICT (learner_key, scenario_id) DO UPDATE SET documents = {merge}, attempts = p.attempts + 1,
    last_outcome = excluded.last_outcome, last_result_summary = excluded.last_result_summary,
    first_solved_at = COALESCE(p.first_solved_at, excluded.first_solved_at), updated_at = excluded.updated_at
RETURNING {returning}"""
_INSERT = """INSERT INTO scenarios_attempt (learner_key, scenario_id, documents, outcome, solved, failing_step,
    failing_gate, error_code, reason, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""


def _upsert_progress(learner_key: str, scenario: Scenario, docs: dict[str, str], outcome: str,
                     summary: object, solved_at: object, now: object, attempt: list[object] | None = None) -> Progress:
    """The upsert; on PostgreSQL with `attempt`, the attempt's insert rides along in the same
    statement (a data-modifying WITH), so both are written or neither."""
    connection = transaction.get_connection()
    sql = _UPSERT.format(merge=_MERGE[connection.vendor], returning=returning(Progress))
    params: list[object] = [
        learner_key, scenario.pk, prepared(Progress, "documents", docs), str(outcome),
        prepared(Progress, "last_result_summary", summary), prepared(Progress, "first_solved_at", solved_at),
        prepared(Progress, "updated_at", now)]
    if attempt is not None:
        sql, params = f"WITH attempt AS ({_INSERT}) {sql}", [*attempt, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return from_returned(Progress, cursor.fetchone())


def _attempt_params(learner_key: str, scenario: Scenario, docs: dict[str, str], result: RunResult,
                    summary: Mapping[str, object], failing: object, reason: str, now: object) -> list[object]:
    step = getattr(failing, "index", None)
    code = str(getattr(failing, "error_code", "") or "")[:80]
    return [learner_key, scenario.pk, prepared(Attempt, "documents", docs), str(result.outcome),
            bool(result.solved), step, str(summary["failing_gate"] or ""), code, reason,
            prepared(Attempt, "created_at", now)]


def _save_documents(learner_key: str, scenario: Scenario, documents: Mapping[str, object]) -> Progress:
    """Save documents without a run (the ORM: not a hot path)."""
    with transaction.atomic():
        progress, _ = Progress.objects.select_for_update().get_or_create(
            learner_key=learner_key, scenario=scenario
        )
        saved = {k: visible(v) if isinstance(v, str) else v for k, v in progress.documents.items()} \
            if isinstance(progress.documents, dict) else {}
        progress.documents = {**saved, **clean_documents(scenario, documents, saved)}
        progress.save(update_fields=["documents", "updated_at"])
    return progress


def current_documents(learner_key: str, scenario: Scenario) -> dict[str, str]:
    """The learner's saved documents, with the starting text for any not saved yet."""
    return documents_of(scenario, saved(learner_key, scenario))


def documents_of(scenario: Scenario, progress: Progress | None) -> dict[str, str]:
    """The documents of a Progress row the caller has read (None: none saved), with the starting
    text for any not saved yet."""
    docs = scenario.spec().starting_documents()
    if progress is not None and isinstance(progress.documents, dict):
        for name in docs:
            value = progress.documents.get(name)
            if isinstance(value, str):
                docs[name] = visible(value)  # a row written before lone surrogates were refused
    return docs


def saved(learner_key: str, scenario: Scenario) -> Progress | None:
    """The learner's Progress row in this scenario, if any (read on every page: kmslab.rows)."""
    return get_row(Progress, learner_key=learner_key, scenario=scenario.pk)


def reset_documents(learner_key: str, scenario: Scenario) -> dict[str, str]:
    """Back to the starting documents (the attempt history and solved date are kept)."""
    Progress.objects.filter(learner_key=learner_key, scenario=scenario).update(documents={})
    return scenario.spec().starting_documents()


def reveal_hint(learner_key: str, scenario: Scenario) -> int:
    """Show one more hint; returns how many hints are now shown (capped at the hint count)."""
    total = len(scenario.spec().hints)
    with transaction.atomic():
        progress, _ = Progress.objects.select_for_update().get_or_create(
            learner_key=learner_key, scenario=scenario
        )
        progress.hints_shown = min(progress.hints_shown + 1, total)
        progress.save(update_fields=["hints_shown", "updated_at"])
    return progress.hints_shown


def hints_shown(learner_key: str, scenario: Scenario) -> int:
    progress = Progress.objects.filter(learner_key=learner_key, scenario=scenario).first()
    return progress.hints_shown if progress else 0


def has_attempted(learner_key: str, scenario: Scenario) -> bool:
    return Attempt.objects.filter(learner_key=learner_key, scenario=scenario).exists()


def status_for(learner_key: str, scenarios: Iterable[Scenario]) -> dict[str, str]:
    """slug -> "not-started" | "in-progress" | "solved" for each scenario given."""
    scenarios = list(scenarios)
    rows = Progress.objects.filter(learner_key=learner_key, scenario__in=scenarios).only(
        "scenario_id", "attempts", "documents", "first_solved_at")  # status needs nothing else
    by_id = {p.scenario_id: p.status for p in rows}
    return {s.slug: by_id.get(s.pk, "not-started") for s in scenarios}


def claim(from_key: str, to_key: str) -> int:
    """Move an anonymous learner's progress to their account after login (keeps the account's
    own rows where both exist). Returns the number of rows moved."""
    moved = 0
    with transaction.atomic():
        for p in Progress.objects.select_for_update().filter(learner_key=from_key):
            if Progress.objects.filter(learner_key=to_key, scenario=p.scenario).exists():
                continue
            p.learner_key = to_key
            p.save(update_fields=["learner_key", "updated_at"])
            moved += 1
        Attempt.objects.filter(learner_key=from_key).update(learner_key=to_key)
    return moved
