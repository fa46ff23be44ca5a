"""What the scenario templates show, from the engine's and the lab's values: the one presentation module.

Responsible for the few things a page needs that no engine value holds: who a caller is
("bob (Account B)"), how deep a call sits in its chain, which scenario document a statement is in
and whether it decided the call, the label, colour and symbol of a verdict or an outcome, the
title of the document a fix applies to, the statements to mark in the editors, and, with ONE
rule, the call the diagram shows. Everything else the templates read from the values themselves
(`CallRecord`, `Decision`, `GateResult`, `StatementResult`, `Sentence`, `Fix`, `TrailEvent`).
Must not: decide anything, or write HTML (the templates in templates/scenarios/ do).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kmslab.iam.decision import Gate, GateResult, Verdict
from kmslab.kms.calls import CallRecord
from kmslab.lab.result import Located, Outcome, RunResult, StepResult
from kmslab.lab.spec import Expect, ScenarioSpec
from kmslab.lab.steps import focus_call


@dataclass(frozen=True, slots=True)
class Badge:
    label: str  # "Implicitly denied": words, so nothing depends on colour alone
    color: str  # a Bootstrap colour name
    icon: str


VERDICTS: dict[Verdict | None, Badge] = {
    Verdict.ALLOWED: Badge("Allowed", "success", "✓"),
    Verdict.IMPLICITLY_DENIED: Badge("Implicitly denied", "danger", "✗"),
    Verdict.EXPLICITLY_DENIED: Badge("Explicitly denied", "danger", "⛔"),
    None: Badge("Not authorized", "secondary", "·"),
}
OUTCOMES: dict[Outcome, Badge] = {
    Outcome.SUCCESS: Badge("Succeeded", "success", "✓"),
    Outcome.FAILURE: Badge("Failed", "danger", "✗"),
    Outcome.SKIPPED: Badge("Skipped", "secondary", "–"),
    Outcome.INVALID: Badge("Invalid", "warning", "!"),
}

# The enums templates compare with ({% if result.outcome == Outcome.SUCCESS %}), by member name
# (a mapping: the template engine would call an Enum class).
ENUMS: dict[str, dict[str, object]] = {"Outcome": {o.name: o for o in Outcome}, "Expect": {e.name: e for e in Expect}}

# A learner's status in a scenario (scenarios.progress) and a finding's severity: label, colour.
STATUSES = {
    "not-started": ("Not started", "secondary"),
    "in-progress": ("In progress", "warning"),
    "solved": ("Solved", "success"),
}
SEVERITIES = {
    "error": ("Error", "danger"),
    "security_warning": ("Security warning", "warning"),
    "warning": ("Warning", "warning"),
    "suggestion": ("Suggestion", "info"),
}


@dataclass(frozen=True, slots=True)
class ShownStatement:
    place: Located  # the engine's StatementResult and the scenario document it is in
    deciding: bool  # it determined the call's verdict


@dataclass(frozen=True, slots=True)
class ShownGate:
    result: GateResult
    badge: Badge
    statements: tuple[ShownStatement, ...]  # the statements that applied (allow or deny)


@dataclass(frozen=True, slots=True)
class ShownCall:
    """One call of a step's chain: the world's record, with who made it and where it sits."""

    record: CallRecord
    caller_label: str
    depth: int  # 0 for the learner's call, 1 for a call a service made on their behalf
    badge: Badge | None  # None when the call was not authorized itself (e.g. ec2:CreateVolume)
    gates: tuple[ShownGate, ...]
    relayed_from: str = ""  # the learner's call relays a deeper call's error (as S3 and EC2 do): its action


@dataclass(frozen=True, slots=True)
class ShownStep:
    step: StepResult
    badge: Badge
    calls: tuple[ShownCall, ...]
    fix_title: str  # the title of the document the step's fix applies to ("" when none)

    @property
    def skipped(self) -> bool:
        return self.step.outcome is Outcome.SKIPPED

    @property
    def unexpected(self) -> bool:
        return not self.step.as_expected and not self.skipped

    @property
    def must_fail(self) -> bool:
        return self.step.expect is Expect.FAILURE


@dataclass(frozen=True, slots=True)
class Diagram:
    """The values templates/includes/_diagram.html takes, for one call."""

    key_policy_state: str = "unknown"  # allowed | denied (no allow) | explicit-deny | ignored | unknown
    iam_policy_state: str = "unknown"
    call_state: str = "unknown"  # allowed | denied | unknown
    same_account: bool = False  # the caller and the resource are in one account (no boundary)
    caller_label: str = "caller"
    operation: str = "kms call"
    caller_arn: str = ""  # the diagram says "on the user" / "on the role" from it


@dataclass(frozen=True, slots=True)
class ShownRun:
    run: RunResult
    steps: tuple[ShownStep, ...]
    diagram: Diagram
    marks: tuple[Located, ...]  # statements to mark in the editors


def show(run: RunResult, spec: ScenarioSpec) -> ShownRun:
    return ShownRun(run, tuple(_step(run, spec, s) for s in run.steps), diagram(run), marks(run))


def _step(run: RunResult, spec: ScenarioSpec, step: StepResult) -> ShownStep:
    doc = spec.document(step.fix.document) if step.fix is not None and step.fix.document else None
    calls = [_call(run, c, 0 if i == 0 else 1) for i, c in enumerate(step.calls)]
    if calls and calls[0].record.error_message:
        # Say the relayed message once, where it was decided, not again on the learner's call.
        origin = next((c.record for c in reversed(calls[1:]) if c.record.error_message
                       and c.record.error_message in calls[0].record.error_message), None)
        if origin is not None:
            calls[0] = replace(calls[0], relayed_from=origin.action)
    return ShownStep(step, OUTCOMES[step.outcome], tuple(calls), doc.title if doc is not None else "")


def _call(run: RunResult, c: CallRecord, depth: int) -> ShownCall:
    d = c.decision
    gates: tuple[ShownGate, ...] = ()
    if d is not None:
        deciding = d.determining
        gates = tuple(ShownGate(g, VERDICTS[g.verdict], tuple(
            ShownStatement(run.place(r), r in deciding) for r in g.statements if r.applies)) for g in d.gates)
    return ShownCall(c, run.label(c.caller), depth, VERDICTS[d.verdict] if d is not None else None, gates)


def call_to_show(run: RunResult) -> CallRecord | None:
    """The call the diagram shows (the one rule): in the first step that did not go as expected,
    else in the steps meant to succeed (the last first, so not a guardrail's refusal, and a
    cross-account call first: a solved scenario shows the handshake it teaches, not a later
    same-account step), the call that explains it among the authorized calls
    (kmslab.lab.steps.focus_call), else the last authorized call."""
    ran = [s for s in run.steps if s.outcome is not Outcome.SKIPPED]
    bad = next((s for s in ran if not s.as_expected), None)
    pool = [bad] if bad is not None else sorted(reversed(ran), key=lambda s: s.expect is not Expect.SUCCESS)
    picks: list[CallRecord] = []
    for step in pool:
        authorized = tuple(c for c in step.calls if c.decision is not None)
        if authorized:
            picks.append(focus_call(authorized, step.calls[0].caller) or authorized[-1])
    if bad is None:
        crossing = next((c for c in picks if c.decision is not None and c.decision.request.cross_account), None)
        if crossing is not None:
            return crossing
    return picks[0] if picks else None


def diagram(run: RunResult) -> Diagram:
    call = call_to_show(run)
    d = call.decision if call is not None else None
    if call is None or d is None:
        return Diagram()

    def state(gate: Gate) -> str:
        g = d.gate(gate)
        if g is None:
            return "unknown"
        if g.verdict is Verdict.EXPLICITLY_DENIED:
            return "explicit-deny"
        if g.verdict.allowed and not g.counted:
            return "ignored"
        return "allowed" if g.verdict.allowed else "denied"

    resource_gate = Gate.KEY_POLICY if d.gate(Gate.KEY_POLICY) is not None else Gate.BUCKET_POLICY
    accounts = [g.account for g in d.gates if g.gate in (resource_gate, Gate.IAM_POLICY)]
    return Diagram(
        state(resource_gate), state(Gate.IAM_POLICY), "allowed" if d.allowed else "denied",
        same_account=len(accounts) == 2 and accounts[0] == accounts[1],
        caller_label=run.label(call.caller) or "caller", operation=call.action or "kms call",
        caller_arn=call.caller,
    )


def marks(run: RunResult) -> tuple[Located, ...]:
    """Statements to mark in the editors: the failing step's deciding ones, else every step's."""
    failing = run.failing_step
    steps = [failing] if failing is not None else list(run.steps)
    return tuple(r for s in steps for r in s.deciding if r.document and r.result.statement.span.line)
