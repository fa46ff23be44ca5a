"""The worked example's decision: the lesson's diagram shows what the engine decides, never a guess.

The complete key policy and the IAM policy are the first two full policy documents (```json blocks
with a "Statement") of the worked-example page, so the page's text and the diagram cannot drift
apart: edit the JSON on the page and the diagram follows. The request is the one the page
describes: S3 calling GenerateDataKey as Account B's user, through S3, for one object.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from kmslab.iam.decision import Decision, Gate, GateResult, Verdict
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import PolicyKind
from kmslab.kms.authorize import authorize_kms

from kmslab.lessons.content import find

WORKED_SLUG = "worked-example"
CALLER = "arn:aws:iam::111111111111:user/report-uploader"
ACTION = "kms:GenerateDataKey"
REGION = "us-east-1"
OBJECT_ARN = "arn:aws:s3:::account-a-reports/report.csv"
_JSON_BLOCK = re.compile(r"```json\n(.*?)\n```", re.DOTALL)


class WorkedExampleError(Exception):
    """The worked-example page no longer holds the two policy documents the diagram needs."""


@dataclass(frozen=True, slots=True)
class DiagramStates:
    key_policy_state: str
    iam_policy_state: str
    call_state: str
    operation: str = ACTION
    caller_label: str = "IAM user"


def policy_documents(markdown: str) -> list[dict[str, object]]:
    """The full policy documents (objects with a Statement) among the page's JSON blocks."""
    docs = []
    for block in _JSON_BLOCK.findall(markdown):
        try:
            value = json.loads(block)
        except ValueError:
            continue
        if isinstance(value, dict) and "Statement" in value:
            docs.append(value)
    return docs


def decide(markdown: str) -> Decision:
    docs = policy_documents(markdown)
    if len(docs) < 2:
        raise WorkedExampleError("the worked example needs a complete key policy and an IAM policy (two ```json documents)")
    key_policy = parse_policy(json.dumps(docs[0]), PolicyKind.KEY_POLICY).policy
    iam_policy = parse_policy(json.dumps(docs[1]), PolicyKind.IDENTITY).policy
    if key_policy is None or iam_policy is None:
        raise WorkedExampleError("the worked example's policies do not parse")
    statements = docs[1]["Statement"]
    first = statements[0] if isinstance(statements, list) else statements
    resource = first.get("Resource") if isinstance(first, dict) else None
    key_arn = resource[0] if isinstance(resource, list) else resource
    if not isinstance(key_arn, str):
        raise WorkedExampleError("the worked example's IAM policy must name the key ARN in Resource")
    return authorize_kms(
        CALLER, ACTION, key_arn, key_policy=key_policy, identity_policies=(iam_policy,),
        context={"kms:ViaService": f"s3.{REGION}.amazonaws.com"},
        encryption_context={"aws:s3:arn": OBJECT_ARN},
    )


def _state(gate: GateResult | None) -> str:
    if gate is None:
        return "unknown"
    if gate.verdict is Verdict.EXPLICITLY_DENIED:
        return "explicit-deny"
    if not gate.counted:
        return "ignored" if gate.verdict is Verdict.ALLOWED else "denied"
    return "allowed" if gate.verdict is Verdict.ALLOWED else "denied"


def states_for(decision: Decision) -> DiagramStates:
    return DiagramStates(
        key_policy_state=_state(decision.gate(Gate.KEY_POLICY)),
        iam_policy_state=_state(decision.gate(Gate.IAM_POLICY)),
        call_state="allowed" if decision.allowed else "denied",
    )


@functools.cache
def worked_example_states() -> DiagramStates:
    """Computed once per process: the content files do not change while the server runs."""
    found = find(WORKED_SLUG)
    if found is None:
        raise WorkedExampleError(f"no lesson section `{WORKED_SLUG}`")
    return states_for(decide(found[1].path.read_text(encoding="utf-8")))
