"""The quiz's only door to the engine: answer keys and explanations for policy questions.

Responsible for turning a question's `setup` (two policies and a request, see
questions/README.md) into an engine call (kmslab.kms.authorize.authorize_kms), and the resulting
Decision into an answer key (verdict + determining statements) and sentences (kmslab.kms.explain).
Must not: decide anything itself. Every verdict comes from authorize_kms; nothing here compares
actions, principals or conditions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kmslab.iam.decision import Decision, Gate, Verdict
from kmslab.iam.findings import Finding
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.iam.principals import InvalidCallerError
from kmslab.kms.authorize import KeyArnError, authorize_kms
from kmslab.kms.explain import explain
from kmslab.textsafe import lone_surrogate_escape, surrogate_finding

NONE_CHOICE = "none"
VERDICT_CHOICES: tuple[tuple[str, str], ...] = (
    (Verdict.ALLOWED.value, "Allowed"),
    (Verdict.IMPLICITLY_DENIED.value, "Implicitly denied (no statement allows it)"),
    (Verdict.EXPLICITLY_DENIED.value, "Explicitly denied (a Deny statement applies)"),
)
DOCS = (("key_policy", PolicyKind.KEY_POLICY, "Key policy"), ("identity_policy", PolicyKind.IDENTITY, "IAM policy"))
MAX_SUBMISSION_CHARS = 20_000


def policy_text(doc: object) -> str:
    return json.dumps(doc, indent=2)


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: Decision | None
    findings: tuple[Finding, ...] = ()
    error: str = ""  # one line: a document that does not parse, or a malformed ARN


def _policies(setup: Mapping[str, Any], replace: Mapping[str, str]) -> tuple[dict[str, Policy | None], tuple[Finding, ...], str]:
    out: dict[str, Policy | None] = {}
    for name, kind, title in DOCS:
        if name in replace:
            text = replace[name]
        elif isinstance(setup.get(name), dict):
            text = policy_text(setup[name])
        else:
            out[name] = None
            continue
        result = parse_policy(text, kind, name=title)
        if result.policy is None:
            return out, result.findings, f"the {title.lower()} is not a valid policy"
        out[name] = result.policy
    return out, (), ""


def decide(setup: Mapping[str, Any], *, replace: Mapping[str, str] | None = None,
           caller: str | None = None, action: str | None = None) -> Outcome:
    """Ask the engine about the setup's request (or another caller/action on the same key)."""
    policies, findings, error = _policies(setup, replace or {})
    if error:
        return Outcome(None, findings, error)
    identity = policies.get("identity_policy")
    try:
        decision = authorize_kms(
            caller or str(setup["caller"]), action or str(setup["action"]), str(setup["key_arn"]),
            key_policy=policies.get("key_policy"),
            identity_policies=(identity,) if identity is not None else (),
            context=dict(setup.get("context") or {}),
            encryption_context=dict(setup.get("encryption_context") or {}),
        )
    except (InvalidCallerError, KeyArnError) as exc:
        return Outcome(None, (), str(exc))
    return Outcome(decision)


def statement_choices(setup: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`(id, label)` for every statement of both documents, then "no statement"."""
    policies, _, _ = _policies(setup, {})
    out = []
    for name, _, title in DOCS:
        policy = policies.get(name)
        if policy is not None:
            out += [(f"{name}:{s.index}", f"{title}: {s.label}") for s in policy.statements]
    out.append((NONE_CHOICE, "No statement: nothing allows the request"))
    return out


@dataclass(frozen=True, slots=True)
class PredictKey:
    verdict: str
    statements: frozenset[str]
    decision: Decision


def predict_key(setup: Mapping[str, Any]) -> PredictKey:
    """The engine's answer: its verdict and the statements that determined it."""
    outcome = decide(setup)
    if outcome.decision is None:
        raise ValueError(outcome.error or "the setup cannot be decided")
    d = outcome.decision
    ids = frozenset(
        f"{'key_policy' if r.gate is Gate.KEY_POLICY else 'identity_policy'}:{r.statement.index}"
        for r in d.determining if r.gate in (Gate.KEY_POLICY, Gate.IAM_POLICY))
    return PredictKey(d.verdict.value, ids or frozenset({NONE_CHOICE}), d)


def sentences(decision: Decision) -> list[dict[str, str]]:
    return [{"text": s.text, "kind": s.kind, "citation": s.citation} for s in explain(decision)]


@dataclass(frozen=True, slots=True)
class FixResult:
    correct: bool
    error: str = ""  # the submission does not parse: nothing is recorded
    findings: tuple[Finding, ...] = ()
    decision: Decision | None = None
    too_broad: tuple[str, ...] = ()  # must_deny requests the edit allowed


def check_fix(setup: Mapping[str, Any], text: str) -> FixResult:
    """Run the learner's edited document through the engine: Allowed (and nothing in
    must_deny allowed) is correct."""
    if len(text) > MAX_SUBMISSION_CHARS:
        return FixResult(False, f"the policy is {len(text):,} characters; at most {MAX_SUBMISSION_CHARS:,}")
    escape = lone_surrogate_escape(text)
    if escape is not None:  # the scenarios' rule (kmslab.textsafe): such a document is not read at all
        return FixResult(False, surrogate_finding("The policy", escape))
    replace = {str(setup["editable"]): text}
    outcome = decide(setup, replace=replace)
    if outcome.decision is None:
        return FixResult(False, outcome.error, outcome.findings)
    broad = []
    for extra in setup.get("must_deny") or []:
        other = decide(setup, replace=replace, caller=extra["caller"], action=extra["action"])
        if other.decision is not None and other.decision.allowed:
            broad.append(f"{extra['caller']} may now call {extra['action']}")
    return FixResult(outcome.decision.allowed and not broad, "", outcome.findings, outcome.decision, tuple(broad))


def check_setup_with_engine(setup: Mapping[str, Any], qtype: str) -> str:
    """"" when the engine can decide the setup; otherwise one line saying why not."""
    outcome = decide(setup)
    if outcome.decision is None:
        detail = "; ".join(f.message for f in outcome.findings[:2])
        return outcome.error + (f" ({detail})" if detail else "")
    if qtype == "fix" and outcome.decision.allowed:
        return "the starting documents already allow the request: nothing to fix"
    if qtype == "fix":
        for extra in setup.get("must_deny") or []:
            other = decide(setup, caller=extra["caller"], action=extra["action"])
            if other.decision is None:
                return other.error
    return ""
