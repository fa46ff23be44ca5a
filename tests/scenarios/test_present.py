"""The presentation module: the one rule for the call the diagram shows, and its states."""

from __future__ import annotations

import dataclasses
import json

from kmslab.lab.load import load_spec
from kmslab.lab.run import reference_result, run_scenario
from scenarios import present
from tests.lab.builders import SHIPPED

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
    assert (done.caller_label, done.operation) == ("analyst role (Account A)", "kms:Decrypt")  # the last step's


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
