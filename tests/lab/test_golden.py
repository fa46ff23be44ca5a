"""Golden tests, one per shipped scenario: the reference solution solves it; the starting
documents fail exactly as the scenario file documents (step, gate, AWS error code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslab.lab.load import load_spec
from kmslab.lab.result import RunResult
from kmslab.lab.run import reference_result, run_scenario
from kmslab.lab.spec import ScenarioSpec
from tests.lab.builders import SHIPPED

SPECS = {p.stem: load_spec(p) for p in SHIPPED}
IDS = list(SPECS)


def _describe(result: RunResult) -> str:
    lines = [f"outcome={result.outcome}"]
    for s in result.steps:
        lines.append(f"  step {s.index} {s.outcome} (expect {s.expect}) {s.error_code} gate={s.failing_gate} {s.error_message}")
    for o in result.objectives:
        lines.append(f"  objective {o.id}: {'met' if o.met else 'NOT met'}: {o.detail}")
    for d in result.documents:
        for f in d.findings:
            lines.append(f"  {d.name}: {f.severity} {f.code} {f.message}")
    return "\n".join(lines)


@pytest.mark.parametrize("spec", SPECS.values(), ids=IDS)
def test_reference_solution_solves_the_scenario(spec: ScenarioSpec) -> None:
    result = reference_result(spec)
    assert result.outcome == "success", _describe(result)
    assert all(s.as_expected and s.outcome != "skipped" for s in result.steps), _describe(result)
    assert all(o.met for o in result.objectives), _describe(result)
    assert result.solved
    assert not [f for d in result.documents if d.editable for f in d.findings if f.is_error]


@pytest.mark.parametrize("spec", SPECS.values(), ids=IDS)
def test_reference_solution_passed_as_documents_gives_the_same_outcome(spec: ScenarioSpec) -> None:
    result = run_scenario(spec, dict(spec.solution))
    assert result.solved, _describe(result)


@pytest.mark.parametrize("spec", SPECS.values(), ids=IDS)
def test_starting_documents_fail_with_the_documented_reason(spec: ScenarioSpec) -> None:
    result = run_scenario(spec, {})
    expected = spec.start_failure
    assert result.outcome == "failure", _describe(result)
    assert not result.solved
    failing = result.failing_step
    assert failing is not None, _describe(result)
    assert failing.index == expected.step, _describe(result)
    codes = {failing.error_code} | {c.error_code for c in failing.calls if c.error_code}
    assert expected.error in codes, _describe(result)
    assert failing.failing_gate == expected.gate, _describe(result)
    # the steps before it went as expected; the ones after are skipped
    assert all(s.as_expected for s in result.steps[: expected.step - 1]), _describe(result)
    assert all(s.outcome == "skipped" for s in result.steps[expected.step:]), _describe(result)


@pytest.mark.parametrize("spec", SPECS.values(), ids=IDS)
def test_starting_failure_comes_with_engine_explanation(spec: ScenarioSpec) -> None:
    failing = run_scenario(spec, {}).failing_step
    assert failing is not None
    assert failing.explanation, "the failing step must carry the engine's explanation"
    assert failing.explanation[0].kind == "verdict"


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_starting_documents_are_valid_so_the_learner_sees_a_real_failure(path: Path) -> None:
    result = run_scenario(load_spec(path), {})
    errors = [(d.name, f.code) for d in result.documents for f in d.findings if f.is_error]
    assert errors == []


# Following the engine's "smallest fix" step after step, as a learner clicking "Apply fix" would:
# where the scenario is about policies, the fixes alone solve it (least privilege included); the
# grants scenario's first fix edits the grant request (its constraint is the learner's to add); the
# AWS managed key trap offers no possible fix.
FIX_PATH = {
    "s3-cross-account-upload": "solved", "cross-account-download": "solved", "same-account-no-root-statement": "solved",
    "guardrail-explicit-deny": "solved", "centralized-cloudtrail": "solved", "ebs-snapshot-sharing": "solved",
    "grants-temporary-decrypt": "grant_request", "aws-managed-key-trap": "impossible",
}


@pytest.mark.parametrize("slug", list(FIX_PATH), ids=list(FIX_PATH))
def test_applying_the_smallest_fixes_in_turn(slug: str) -> None:
    spec = next(s for s in SPECS.values() if s.slug == slug)
    documents = {d.name: d.text for d in spec.documents}
    edited: list[str] = []
    result = run_scenario(spec, documents)
    for _ in range(10):
        fix = next((s.fix for s in result.steps if s.fix is not None), None)
        if fix is None or not fix.applicable:
            break
        documents[fix.document] = fix.new_text
        edited.append(fix.document)
        result = run_scenario(spec, documents)
    expected = FIX_PATH[slug]
    if expected == "solved":
        assert result.solved, _describe(result)
    elif expected == "impossible":
        fix = next(s.fix for s in result.steps if s.fix is not None)
        assert not edited and not fix.possible and "AWS managed key" in fix.reason
    else:
        assert edited[:1] == [expected], edited
        step4 = next(s for s in result.steps if s.index == 4)
        assert step4.as_expected, _describe(result)
