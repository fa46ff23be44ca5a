"""Progress: saved documents, attempts, solved, statuses; bad input never loses work."""

from __future__ import annotations

import pytest

from kmslab.iam.decision import Gate
from kmslab.lab.lint import DocumentResult
from kmslab.lab.result import ObjectiveResult, Outcome, RunResult, StepResult
from kmslab.lab.spec import DocumentKind, Expect
from scenarios import progress
from scenarios.loader import load_scenarios
from scenarios.models import Attempt, Progress, Scenario

pytestmark = pytest.mark.django_db

LEARNER = "anon:abc123"


@pytest.fixture
def scenario() -> Scenario:
    load_scenarios()
    return Scenario.objects.get(slug="s3-cross-account-upload")


def make_result(outcome: str = "failure", solved: bool = False) -> RunResult:
    step = StepResult(
        index=1, title="upload", caller="bob", service="s3", operation="PutObject", expect=Expect.SUCCESS,
        outcome=Outcome.SUCCESS if outcome == "success" else Outcome.FAILURE,
        error_code="" if outcome == "success" else "AccessDeniedException",
        error_message="" if outcome == "success" else "User: bob is not authorized",
        failing_gate=None if outcome == "success" else Gate.KEY_POLICY,
    )
    return RunResult(
        slug="s3-cross-account-upload", outcome=Outcome(outcome),
        documents=(DocumentResult("key_policy", "Account A key policy", "222222222222", DocumentKind.KEY_POLICY,
                                  "{}", ()),),
        steps=(step,) if outcome != "invalid" else (),
        objectives=(ObjectiveResult("steps", "Every step", solved),),
    )


def test_current_documents_start_with_the_starting_text(scenario: Scenario) -> None:
    assert progress.current_documents(LEARNER, scenario) == scenario.spec().starting_documents()


def test_record_attempt_saves_documents_and_history(scenario: Scenario) -> None:
    docs = {"key_policy": '{"Version": "2012-10-17"}', "iam_policy": "{}", "evil": "x"}
    p = progress.record_attempt(LEARNER, scenario, docs, make_result())
    assert p.attempts == 1 and p.last_outcome == "failure" and p.first_solved_at is None
    assert progress.current_documents(LEARNER, scenario)["key_policy"] == '{"Version": "2012-10-17"}'
    attempt = Attempt.objects.get()
    assert attempt.failing_gate == "key-policy" and attempt.error_code == "AccessDeniedException"
    assert "evil" not in attempt.documents and "evil" not in p.documents
    assert p.last_result_summary["failing_step"] == 1


def test_record_attempt_marks_first_solved_once(scenario: Scenario) -> None:
    first = progress.record_attempt(LEARNER, scenario, {}, make_result("success", solved=True))
    solved_at = first.first_solved_at
    assert solved_at is not None
    again = progress.record_attempt(LEARNER, scenario, {}, make_result("failure"))
    assert again.first_solved_at == solved_at and again.attempts == 2


def test_oversized_or_wrong_type_documents_keep_previous_work(scenario: Scenario) -> None:
    progress.record_attempt(LEARNER, scenario, {"key_policy": "my careful work"}, make_result())
    huge = "x" * (progress.MAX_DOCUMENT_CHARS + 1)
    progress.record_attempt(LEARNER, scenario, {"key_policy": huge, "iam_policy": ["not", "text"]}, None)
    docs = progress.current_documents(LEARNER, scenario)
    assert docs["key_policy"] == "my careful work"
    assert docs["iam_policy"] == scenario.spec().document("iam_policy").text  # type: ignore[union-attr]


def test_record_attempt_without_result_saves_work_but_no_attempt(scenario: Scenario) -> None:
    p = progress.record_attempt(LEARNER, scenario, {"iam_policy": "draft"}, None)
    assert p.attempts == 0 and Attempt.objects.count() == 0
    assert progress.current_documents(LEARNER, scenario)["iam_policy"] == "draft"


def test_invalid_attempt_records_the_error_findings_as_reason(scenario: Scenario) -> None:
    from kmslab.iam.findings import Finding, Severity

    result = RunResult(
        slug="s3-cross-account-upload", outcome=Outcome.INVALID,
        documents=(DocumentResult("key_policy", "t", "222222222222", DocumentKind.KEY_POLICY, "{", (
            Finding("invalid-json", Severity.ERROR, "not valid JSON"),)),),
    )
    progress.record_attempt(LEARNER, scenario, {"key_policy": "{"}, result)
    assert Attempt.objects.get().reason == "key_policy: invalid-json"


def test_status_for_reports_each_scenario(scenario: Scenario) -> None:
    other = Scenario.objects.get(slug="cross-account-download")
    third = Scenario.objects.get(slug="guardrail-explicit-deny")
    progress.record_attempt(LEARNER, scenario, {}, make_result("success", solved=True))
    progress.record_attempt(LEARNER, other, {"key_policy": "draft"}, make_result())
    status = progress.status_for(LEARNER, [scenario, other, third])
    assert status == {"s3-cross-account-upload": "solved", "cross-account-download": "in-progress",
                      "guardrail-explicit-deny": "not-started"}
    assert progress.status_for("user:99", [scenario]) == {"s3-cross-account-upload": "not-started"}


def test_hints_reveal_one_at_a_time_up_to_the_count(scenario: Scenario) -> None:
    total = len(scenario.spec().hints)
    shown = [progress.reveal_hint(LEARNER, scenario) for _ in range(total + 2)]
    assert shown == list(range(1, total + 1)) + [total, total]
    assert progress.hints_shown(LEARNER, scenario) == total


def test_reset_documents_returns_starting_text_and_keeps_history(scenario: Scenario) -> None:
    progress.record_attempt(LEARNER, scenario, {"key_policy": "mine"}, make_result("success", solved=True))
    assert progress.reset_documents(LEARNER, scenario) == scenario.spec().starting_documents()
    assert progress.current_documents(LEARNER, scenario) == scenario.spec().starting_documents()
    assert progress.status_for(LEARNER, [scenario])["s3-cross-account-upload"] == "solved"


def test_claim_moves_anonymous_progress_to_the_account(scenario: Scenario) -> None:
    progress.record_attempt(LEARNER, scenario, {"key_policy": "anon work"}, make_result())
    assert progress.claim(LEARNER, "user:7") == 1
    assert progress.current_documents("user:7", scenario)["key_policy"] == "anon work"
    assert Attempt.objects.filter(learner_key="user:7").count() == 1
    assert not Progress.objects.filter(learner_key=LEARNER).exists()


def test_history_is_trimmed_to_the_cap(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "MAX_ATTEMPTS_KEPT", 3)
    monkeypatch.setattr(progress, "TRIM_EVERY", 2)
    kept = []
    for _ in range(8):
        progress.record_attempt(LEARNER, scenario, {}, make_result())
        kept.append(Attempt.objects.count())
    assert kept == [1, 2, 3, 3, 4, 3, 4, 3]  # trimmed back to the cap on every second attempt past it
    assert Progress.objects.get().attempts == 8
    newest = Attempt.objects.order_by("-id").values_list("id", flat=True)[:3]
    assert set(Attempt.objects.values_list("id", flat=True)) == set(newest)  # the newest are the ones kept


def test_record_attempt_reads_back_as_the_orm_does(scenario: Scenario) -> None:
    """The hand-written upsert returns the row the ORM would read (every field, on either database)."""
    first = progress.record_attempt(LEARNER, scenario, {"key_policy": "one", "iam_policy": "two"},
                                    make_result("success", solved=True))
    again = progress.record_attempt(LEARNER, scenario, {"key_policy": "three"}, make_result())
    stored = Progress.objects.get()
    for name in ("id", "learner_key", "scenario_id", "documents", "attempts", "hints_shown", "last_outcome",
                 "last_result_summary", "first_solved_at", "updated_at"):
        assert getattr(again, name) == getattr(stored, name), name
    assert stored.documents == {"key_policy": "three", "iam_policy": "two"}  # what was not sent is kept
    assert stored.first_solved_at == first.first_solved_at and stored.attempts == 2
    assert [a.documents for a in Attempt.objects.order_by("id")] == [
        {"key_policy": "one", "iam_policy": "two"}, {"key_policy": "three"}]


def test_record_attempt_keeps_unicode_and_json_special_text(scenario: Scenario) -> None:
    text = '{"Sid": "caf\u00e9 \u2603 \U0001f512 \\" \\\\ \\n\'; DROP TABLE x; --"}'
    progress.record_attempt(LEARNER, scenario, {"key_policy": text}, make_result())
    assert progress.current_documents(LEARNER, scenario)["key_policy"] == text
    assert Attempt.objects.get().documents == {"key_policy": text}


def test_record_attempt_over_a_row_whose_documents_are_not_an_object(scenario: Scenario) -> None:
    Progress.objects.create(learner_key=LEARNER, scenario=scenario, documents=["not", "a", "dict"])
    progress.record_attempt(LEARNER, scenario, {"key_policy": "mine"}, make_result())
    assert Progress.objects.get().documents == {"key_policy": "mine"}

