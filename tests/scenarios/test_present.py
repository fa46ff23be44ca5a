"""The presentation module: the one rule for the call the diagram shows, and its states."""

from __future__ import annotations

import dataclasses
import json

from kmslab.lab.load import load_spec
from kmslab.lab.run import reference_result, run_scenario
from scenarios import present
from tests.lab.builders import DATA_DIR, SHIPPED

UPLOAD = load_spec(DATA_DIR / "01-s3-cross-account-upload.toml")

UPLOAD = load_spec(SHIPPED[0])
SAME = next(load_spec(p) for p in SHIPPED if "same-account" in p.name)
GUARD = next(load_spec(p) for p in SHIPPED if "guardrail" in p.name)


def test_diagram_follows_the_failing_call() -> None:
    start = present.diagram(run_scenario(UPLOAD, {}))
    assert (start.key_policy_state, start.iam_policy_state, start.call_state) == ("denied", "denied", "denied")
    half = present.diagram(run_scenario(UPLOAD, {"key_policy": UPLOAD.solution["key_policy"]}))
    assert (half.key_policy_state, half.iam_policy_state, half.call_state) == ("allowed", "denied", "denied")
    done = present.diagram(run_scenario(UPLOAD, dict(UPLOAD.solution)))
    assert (done.key_policy_state, done.iam_policy_state, done.call_state) == ("allowed", "allowed", "allowed")
    # solved: the cross-account handshake the scenario teaches, not the later same-account download
    assert (done.caller_label, done.operation) == ("bob (Account B)", "kms:GenerateDataKey")
    assert not done.same_account


def test_diagram_marks_same_account_only_for_one_account_calls() -> None:
    assert present.diagram(reference_result(SAME)).same_account
    assert not present.diagram(run_scenario(UPLOAD, {})).same_account
    start = present.diagram(run_scenario(SAME, {}))
    assert (start.iam_policy_state, start.key_policy_state) == ("ignored", "denied")


def test_diagram_states_and_caller_come_from_one_call_on_a_solved_guardrail() -> None:
    """Solved, the guardrail scenario's last step is the refusal it must get; the diagram shows
    step 1's allowed call, and its caller label comes from that same call. (Two rules used to
    choose the call: the states from step 1, the caller label from step 2.)"""
    run = reference_result(GUARD)
    assert run.solved and run.steps[-1].expect == "failure"
    # give the refused step another caller, so a label taken from it would show
    mallory = "arn:aws:iam::111111111111:user/mallory"
    refused = run.steps[1]
    calls = tuple(dataclasses.replace(c, caller=mallory) for c in refused.calls)
    run = dataclasses.replace(run, steps=(run.steps[0], dataclasses.replace(refused, calls=calls), *run.steps[2:]),
                              labels={**run.labels, mallory: "mallory (Account B)"})
    call = present.call_to_show(run)
    assert call is not None and call in run.steps[0].calls
    shown = present.diagram(run)
    assert shown.call_state == "allowed" and shown.caller_label == "bob (Account B)"
    assert shown.operation == call.action == "kms:GenerateDataKey"


def test_marks_are_the_failing_steps_deciding_statements_in_scenario_documents() -> None:
    iam = json.loads(UPLOAD.solution["iam_policy"])
    iam["Statement"].append({"Sid": "NoKms", "Effect": "Deny", "Action": "kms:*", "Resource": "*"})
    marks = present.marks(run_scenario(UPLOAD, {**UPLOAD.solution, "iam_policy": json.dumps(iam, indent=2)}))
    assert [(m.document, m.result.statement.label) for m in marks] == [("iam_policy", "NoKms")]
    assert all(m.result.statement.span.line for m in marks)
    assert {m.document for m in present.marks(run_scenario(UPLOAD, dict(UPLOAD.solution)))} >= {"key_policy", "iam_policy"}


def test_diagram_after_solving_ebs_shows_the_operators_call_not_ec2s_grant_decrypt() -> None:
    spec = load_spec(DATA_DIR / "02-ebs-snapshot-sharing.toml")
    result = run_scenario(spec, dict(spec.solution))
    assert result.solved
    last = result.steps[-1]
    assert any(result.label(c.caller) == "EC2 (Account B)" and c.operation == "Decrypt" for c in last.calls)
    diagram = present.diagram(result)
    # the operator's own call: both gates allow (EC2's Decrypt has no IAM allow; only its grant does)
    assert (diagram.key_policy_state, diagram.iam_policy_state, diagram.call_state) == ("allowed", "allowed", "allowed")


def test_failed_step_shows_the_access_denied_message_once_per_origin() -> None:
    # S3 relays KMS's message: the learner's call says where it came from instead of repeating it,
    # and the fix names whose IAM policy to edit, not the document title the page shows beside it.
    result = run_scenario(UPLOAD, {})
    step = result.failing_step
    assert step is not None and step.error_message
    shown = next(s for s in present.show(result, UPLOAD).steps if s.step is step)
    assert shown.calls[0].relayed_from == "kms:GenerateDataKey"
    assert [c.relayed_from for c in shown.calls[1:]] == [""] * (len(shown.calls) - 1)
    assert step.calls[-1].error_message == step.error_message
    assert step.fix is not None and step.fix.fix is not None
    iam_fix = run_scenario(UPLOAD, {step.fix.document: step.fix.new_text}).failing_step.fix  # type: ignore[union-attr]
    for offer in (step.fix, iam_fix):
        assert offer is not None and offer.fix is not None
        title = UPLOAD.document(offer.document).title  # type: ignore[union-attr]
        assert title not in offer.fix.summary
