"""What a run returns: the steps with their call chains, the objectives, CloudTrail, as frozen values.

Responsible for the values only. They hold the engine's own values (the world's `CallRecord`s
with their `Decision`s, `explain` sentences, the `Fix`, CloudTrail `TrailEvent`s) rather than
copies of their fields; what the lab adds is where things sit in the scenario (`Located`: a
statement in a scenario document; `FixOffer`: a fix applied to an editable document) and how
each step went against what the scenario expects.
Must not: import Django, compute anything beyond small derived properties, or decide access.
Step indexes are 1-based (as shown to the learner); statement indexes are 0-based (as in
kmslab.iam.policy.Statement.index).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from kmslab.iam.decision import Gate, StatementResult
from kmslab.kms.calls import CallRecord
from kmslab.kms.explain import Sentence
from kmslab.kms.fix import Fix
from kmslab.kms.trail import TrailEvent
from kmslab.lab.lint import DocumentResult
from kmslab.lab.spec import Expect


class Outcome(StrEnum):
    """How a run or one of its steps went. A run: success (every step went as expected), failure,
    or invalid (a document has an error, nothing ran). A step: success, failure, or skipped
    (an earlier step did not go as expected)."""

    SUCCESS = "success"
    FAILURE = "failure"
    INVALID = "invalid"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Located:
    """A statement the engine reports, and the scenario document it is in ("" when it is in
    none, e.g. the policy of an AWS managed key)."""

    result: StatementResult
    document: str


@dataclass(frozen=True, slots=True)
class FixOffer:
    """The engine's smallest fix for a failed step, and where it lands in this scenario."""

    fix: Fix | None  # None when the fix engine failed (`reason` says so)
    document: str = ""  # the editable document it applies to ("" when it cannot be applied)
    new_text: str = ""  # that document after apply_fix ("" when not applicable)
    reason: str = ""  # when it cannot be applied: why (e.g. AWS managed keys cannot be shared)

    @property
    def possible(self) -> bool:
        return self.fix is not None and self.fix.possible

    @property
    def applicable(self) -> bool:
        return self.possible and bool(self.document) and bool(self.new_text)

    @property
    def then(self) -> str:
        """The follow-up edit still needed after this one ("" when none)."""
        return self.fix.then.summary if self.fix is not None and self.fix.then is not None else ""

    @property
    def applies(self) -> str:
        """What applying it changes now: the summary without its follow-up edit."""
        summary = self.fix.summary if self.fix is not None else "no fix could be computed"
        return summary.removesuffix(f", then {self.then}") if self.then else summary


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
    expect: Expect
    outcome: Outcome  # what the call did (SKIPPED when an earlier step went wrong)
    calls: tuple[CallRecord, ...] = ()  # the learner's call, then the calls services made for it
    error_code: str = ""
    error_message: str = ""
    failing_gate: Gate | None = None  # the gate to blame for a failure (None when none applies)
    focus: CallRecord | None = None  # the call whose decision explains the step (failing, else last KMS)
    deciding: tuple[Located, ...] = ()  # the statements that decided `focus`
    explanation: tuple[Sentence, ...] = ()
    fix: FixOffer | None = None
    envelope: EnvelopeFacts | None = None
    why: str = ""  # for an expected failure: why it must fail
    error_matches: bool = True  # for an expected failure with a named error: it was that error

    @property
    def as_expected(self) -> bool:
        return self.outcome.value == self.expect.value and self.error_matches


@dataclass(frozen=True, slots=True)
class ObjectiveResult:
    id: str
    title: str
    met: bool
    detail: str = ""  # what is wrong, or what satisfied it


@dataclass(frozen=True, slots=True)
class AccountTrail:
    account: str
    label: str
    records: tuple[TrailEvent, ...]


@dataclass(frozen=True, slots=True)
class RunResult:
    slug: str
    outcome: Outcome  # SUCCESS, FAILURE or INVALID
    documents: tuple[DocumentResult, ...]
    steps: tuple[StepResult, ...] = ()
    objectives: tuple[ObjectiveResult, ...] = ()
    trail: tuple[AccountTrail, ...] = ()
    notes: tuple[str, ...] = ()  # "simulated" notes
    # who is who: caller ARN (or service principal) -> "bob (Account B)"
    labels: Mapping[str, str] = field(default_factory=dict)
    # where the statements of this run sit: (gate, policy name, statement index) -> document name
    places: Mapping[tuple[Gate, str, int], str] = field(default_factory=dict)

    @property
    def solved(self) -> bool:
        """Every step went as expected and every objective is met."""
        return self.outcome is Outcome.SUCCESS and all(o.met for o in self.objectives)

    @property
    def failing_step(self) -> StepResult | None:
        return next((s for s in self.steps if s.outcome is not Outcome.SKIPPED and not s.as_expected), None)

    def document(self, name: str) -> DocumentResult | None:
        return next((d for d in self.documents if d.name == name), None)

    def label(self, caller: str) -> str:
        if caller in self.labels:
            return self.labels[caller]
        role, _, _session = caller.rpartition("/")  # a session of a role labelled for its account
        return self.labels.get(role, caller) if ":assumed-role/" in role else caller

    def place(self, r: StatementResult) -> Located:
        """The statement result with the scenario document it is in."""
        return Located(r, self.places.get((r.gate, r.policy_name, r.statement.index), ""))

    def summary(self) -> dict[str, object]:
        """A small JSON-able digest for progress records and the classroom dashboard."""
        failing = self.failing_step
        return {
            "outcome": self.outcome.value,
            "solved": self.solved,
            "steps": [s.outcome.value for s in self.steps],
            "objectives_met": [o.id for o in self.objectives if o.met],
            "objectives_unmet": [o.id for o in self.objectives if not o.met],
            "failing_step": failing.index if failing else None,
            "failing_gate": failing.failing_gate.value if failing and failing.failing_gate else "",
            "error_code": failing.error_code if failing else "",
            "error_message": failing.error_message if failing else "",
            "errors": [f"{d.name}: {f.code}" for d in self.documents for f in d.findings if f.is_error],
        }
