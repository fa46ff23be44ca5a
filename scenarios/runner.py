"""The scenario runner: a scenario plus the learner's documents in, a RunResult out.

Responsible for linting the learner's documents, building a fresh simulated world
(kmslab.aws.world) from the spec and those documents, making each step's service call, and
packaging what happened (call chains with the engine's decisions, explanations, the smallest
fix, envelope facts, CloudTrail records, objectives) as frozen values the web UI renders.
Must not: import Django, keep state between runs (the world is rebuilt per run; only parsed
read-only documents are cached per spec), or decide access itself: every verdict comes from
the engine through the simulated services.

Public API (stable; the scenario pages call these):
    run_scenario(spec, documents) -> RunResult
    reference_result(spec) -> RunResult      # the reference solution's run (cached)
    lint_documents(spec, documents) -> tuple[DocumentResult, ...]
Step indexes are 1-based (as shown to the learner); statement indexes are 0-based (as in
kmslab.iam.policy.Statement.index).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kmslab.iam.findings import Finding
from kmslab.iam.policy import NO_SPAN, Span

from scenarios.spec import ScenarioSpec

Outcome = Literal["success", "failure", "invalid"]
StepOutcome = Literal["success", "failure", "skipped"]
DiagramState = Literal["allowed", "denied", "explicit-deny", "ignored", "unknown"]  # denied = no allow; ignored = allows, not counted


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """One editable (or read-only) document as the run saw it."""

    name: str  # form field name
    title: str  # "Account A key policy"
    account: str
    kind: str  # a DocumentKind value: key_policy, identity, bucket_policy, bucket_encryption, grant_request
    text: str  # the text that was run (the learner's, or the starting text when missing)
    findings: tuple[Finding, ...]
    editable: bool = True

    @property
    def ok(self) -> bool:
        """No ERROR finding: the document can be used."""
        return not any(f.is_error for f in self.findings)


@dataclass(frozen=True, slots=True)
class StatementRef:
    """A statement that decided (or nearly decided) a call, located in a scenario document."""

    gate: str  # Gate value: "key-policy" | "iam-policy" | "bucket-policy" | "grant"
    document: str  # scenario document name ("" when not a scenario document, e.g. aws/s3's policy)
    policy_name: str  # the engine's display name
    index: int  # 0-based statement index
    label: str  # Sid or "statement N"
    effect: str  # "Allow" | "Deny"
    span: Span = NO_SPAN  # the statement's position: span.line .. span.end_line


@dataclass(frozen=True, slots=True)
class GateView:
    gate: str  # Gate value
    title: str  # "Key policy"
    account: str
    verdict: str  # Verdict value: "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied"
    counted: bool  # False when AWS ignores this gate (IAM without the key policy's root statement)
    note: str
    document: str  # scenario document name behind this gate, "" if none
    statements: tuple[StatementRef, ...] = ()  # the statements that applied (allow or deny)

    @property
    def allowed(self) -> bool:
        return self.verdict == "Allowed"


@dataclass(frozen=True, slots=True)
class Explanation:
    text: str
    kind: str  # "verdict" | "cause" | "near-miss" | "note"
    citation: str = ""  # AWS doc URL


@dataclass(frozen=True, slots=True)
class CallView:
    """One call in a step's chain: the learner's call (s3:PutObject) or one KMS call a service
    made on their behalf (kms:GenerateDataKey)."""

    caller: str  # ARN (or service principal)
    caller_label: str  # "bob (Account B)"
    service: str  # "s3", "kms", "ec2", "cloudtrail"
    operation: str  # "GenerateDataKey"
    resource: str  # key ARN, bucket/object ARN, snapshot id
    via_service: str = ""  # kms:ViaService ("s3.us-east-1.amazonaws.com") or ""
    encryption_context: tuple[tuple[str, str], ...] = ()
    verdict: str = ""  # Verdict value, "" when no authorization was made
    gates: tuple[GateView, ...] = ()
    deciding: tuple[StatementRef, ...] = ()
    error_code: str = ""
    error_message: str = ""
    depth: int = 0  # 0 for the learner's call, 1 for calls a service made on their behalf
    # (action, resource) pairs the engine was asked about, e.g. ReEncrypt's
    # ("kms:ReEncryptFrom", source key ARN) and ("kms:ReEncryptTo", destination key ARN)
    authorizations: tuple[tuple[str, str], ...] = ()
    note: str = ""  # e.g. "alias resolved in the caller's account"

    @property
    def ok(self) -> bool:
        return not self.error_code

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True, slots=True)
class FixView:
    """The engine's smallest fix for a failed step, ready to apply to an editable document."""

    summary: str
    gate: str
    document: str  # the editable document it applies to ("" when it cannot be applied)
    document_title: str
    new_text: str  # the document after apply_fix ("" when not applicable)
    risky: bool = False
    warning: str = ""
    possible: bool = True
    reason: str = ""  # when not possible: why (e.g. AWS managed keys cannot be shared)
    then: str = ""  # the follow-up edit still needed after this one ("" when none)

    @property
    def applies(self) -> str:
        """What applying it changes now: the summary without its follow-up edit."""
        return self.summary.removesuffix(f", then {self.then}") if self.then else self.summary

    @property
    def applicable(self) -> bool:
        return self.possible and bool(self.document) and bool(self.new_text)


@dataclass(frozen=True, slots=True)
class EnvelopeFacts:
    key_arn: str
    data_key_bytes: int  # 32 for AES_256
    plaintext_bytes: int
    ciphertext_bytes: int
    decrypt_ok: bool | None  # None when no decrypt check was made
    algorithm: str = "AES-256-GCM"


@dataclass(frozen=True, slots=True)
class StepResult:
    index: int  # 1-based
    title: str
    caller: str  # principal name
    service: str
    operation: str
    expect: str  # "success" | "failure"
    outcome: StepOutcome  # what the call did ("skipped" when an earlier step went wrong)
    calls: tuple[CallView, ...] = ()
    error_code: str = ""
    error_message: str = ""
    failing_gate: str = ""  # the gate to blame for a failure ("" when none applies)
    deciding: tuple[StatementRef, ...] = ()  # statements that decided the failing (or last) KMS call
    explanation: tuple[Explanation, ...] = ()
    fix: FixView | None = None
    envelope: EnvelopeFacts | None = None
    why: str = ""  # for an expected failure: why it must fail
    error_matches: bool = True  # for an expected failure with a named error: it was that error

    @property
    def as_expected(self) -> bool:
        return self.outcome == self.expect and self.error_matches


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    id: str
    title: str
    met: bool
    detail: str = ""  # what is wrong, or what satisfied it


@dataclass(frozen=True, slots=True)
class TrailRecord:
    event_name: str
    event_source: str  # "kms.amazonaws.com"
    caller: str
    error_code: str
    record: Mapping[str, object]  # the CloudTrail JSON record

    @property
    def denied(self) -> bool:
        return bool(self.error_code)


@dataclass(frozen=True, slots=True)
class AccountTrail:
    account: str
    label: str
    records: tuple[TrailRecord, ...]


@dataclass(frozen=True, slots=True)
class Diagram:
    """States for templates/includes/_diagram.html."""

    key_policy_state: DiagramState = "unknown"
    iam_policy_state: DiagramState = "unknown"
    call_state: DiagramState = "unknown"
    same_account: bool = False  # the caller and the resource are in one account (no boundary)


@dataclass(frozen=True, slots=True)
class RunResult:
    slug: str
    outcome: Outcome  # success: every step went as expected; invalid: a document has an error
    documents: tuple[DocumentResult, ...]
    steps: tuple[StepResult, ...] = ()
    objectives: tuple[ObjectiveResult, ...] = ()
    trail: tuple[AccountTrail, ...] = ()
    diagram: Diagram = field(default_factory=Diagram)
    notes: tuple[str, ...] = ()  # "simulated" notes

    @property
    def solved(self) -> bool:
        """Every step went as expected and every objective is met."""
        return self.outcome == "success" and all(o.met for o in self.objectives)

    @property
    def failing_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome != "skipped" and not s.as_expected), None)

    def document(self, name: str) -> DocumentResult | None:
        return next((d for d in self.documents if d.name == name), None)

    def summary(self) -> dict[str, object]:
        """A small JSON-able digest for progress records and the classroom dashboard."""
        failing = self.failing_step
        return {
            "outcome": self.outcome,
            "solved": self.solved,
            "steps": [s.outcome for s in self.steps],
            "objectives_met": [o.id for o in self.objectives if o.met],
            "objectives_unmet": [o.id for o in self.objectives if not o.met],
            "failing_step": failing.index if failing else None,
            "failing_gate": failing.failing_gate if failing else "",
            "error_code": failing.error_code if failing else "",
            "error_message": failing.error_message if failing else "",
            "errors": [f"{d.name}: {f.code}" for d in self.documents for f in d.findings if f.is_error],
        }


def run_scenario(spec: ScenarioSpec, documents: Mapping[str, str]) -> RunResult:
    """Run the scenario with the learner's documents (missing names get the starting text)."""
    from scenarios import execute  # the world-facing half, kept in its own module

    return execute.run(spec, documents)


def reference_result(spec: ScenarioSpec) -> RunResult:
    """The run of the reference solution (what the golden tests and objectives compare with)."""
    from scenarios import execute

    return execute.reference(spec)


def lint_documents(spec: ScenarioSpec, documents: Mapping[str, str]) -> tuple[DocumentResult, ...]:
    """Lint every editable document (learner text or starting text) and the read-only ones."""
    from scenarios import lintdocs

    return lintdocs.lint_all(spec, documents)
