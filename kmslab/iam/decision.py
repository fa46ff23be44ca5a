"""The decision value: what authorization returns and explain reads.

Responsible for the shape of a verdict and its trace: which gates (key policy, IAM policy,
bucket policy, grant) were consulted, every statement's per-element checks, the statements that
determined the verdict, and the AccessDeniedException text AWS would return.
Must not: evaluate anything. Explain reads this value and never re-evaluates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kmslab.iam.fastinit import fast_init
from kmslab.iam.policy import NO_SPAN, Span, Statement

# Every authorization builds a Request, three GateResults and a Decision, and every statement
# evaluated afresh a StatementResult and its ElementChecks: hence `fast_init` on each.


class Verdict(StrEnum):
    ALLOWED = "Allowed"
    IMPLICITLY_DENIED = "ImplicitlyDenied"
    EXPLICITLY_DENIED = "ExplicitlyDenied"

    @property
    def allowed(self) -> bool:
        return self is Verdict.ALLOWED


class Gate(StrEnum):
    """A place a permission can come from. Values are DOM-friendly (kebab-case)."""

    KEY_POLICY = "key-policy"
    IAM_POLICY = "iam-policy"
    BUCKET_POLICY = "bucket-policy"
    GRANT = "grant"

    @property
    def label(self) -> str:
        """How a learner names this gate ("Key policy"). Not `title`: that is a str method."""
        return {
            Gate.KEY_POLICY: "Key policy",
            Gate.IAM_POLICY: "IAM policy",
            Gate.BUCKET_POLICY: "Bucket policy",
            Gate.GRANT: "Grant",
        }[self]


class Element(StrEnum):
    PRINCIPAL = "Principal"
    ACTION = "Action"
    RESOURCE = "Resource"
    CONDITION = "Condition"


class DenyReason(StrEnum):
    """Which AccessDeniedException wording applies (kms-semantics.md section 8)."""

    NONE = "none"  # allowed
    NO_RESOURCE_POLICY_ALLOWS = "no-resource-policy-allows"
    NO_IDENTITY_POLICY_ALLOWS = "no-identity-policy-allows"
    EXPLICIT_DENY_RESOURCE_POLICY = "explicit-deny-resource-policy"
    EXPLICIT_DENY_IDENTITY_POLICY = "explicit-deny-identity-policy"


@fast_init
@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request, derived from their ARN (never trusted from request context).

    kind: "root", "user", "role", "assumed-role", "federated-user", "service".
    For an assumed-role session `role_arn` is the role's IAM ARN, which a Principal naming the
    role matches. For a service principal `arn` is the service name (`cloudtrail.amazonaws.com`)
    and `account` is "".
    """

    arn: str
    account: str
    kind: str
    name: str = ""  # user name, role name or session name
    role_arn: str = ""
    userid: str = ""


@fast_init
@dataclass(frozen=True, slots=True)
class Request:
    caller: Caller
    action: str  # "kms:GenerateDataKey", as the service spells it
    resource: str  # the key ARN (or bucket/object ARN)
    resource_account: str
    # Request context from the calling service (kms:ViaService, kms:EncryptionContext:..., ...).
    # Keys as written; compared case-insensitively. Global keys AWS derives from the caller
    # (aws:PrincipalArn, kms:CallerAccount, ...) are added by the authorizer, not taken from here.
    context: Mapping[str, tuple[str, ...]]


    @property
    def cross_account(self) -> bool:
        return self.caller.account != self.resource_account


@fast_init
@dataclass(frozen=True, slots=True)
class ElementCheck:
    """One element of one statement checked against the request.

    `wanted` is what the statement says (its values, or for a condition `operator key values`),
    `got` what the request had (empty tuple when the request had no such key).
    """

    element: Element
    matched: bool
    wanted: tuple[str, ...]
    got: tuple[str, ...]
    negated: bool = False  # NotPrincipal / NotAction / NotResource
    operator: str = ""  # conditions only, as written
    key: str = ""  # conditions only, as written
    note: str = ""  # e.g. "key absent from the request: IfExists matches"
    span: Span = NO_SPAN


@fast_init
@dataclass(frozen=True, slots=True)
class StatementResult:
    gate: Gate
    policy_name: str  # "Key policy of key 1234abcd-...", "bob's IAM policy"
    statement: Statement
    applies: bool  # every element matched
    checks: tuple[ElementCheck, ...]
    error: str = ""  # a statement that errors never allows and is reported


    @property
    def failed_checks(self) -> tuple[ElementCheck, ...]:
        return tuple([c for c in self.checks if not c.matched])


@fast_init
@dataclass(frozen=True, slots=True)
class GrantResult:
    grant_id: str
    grantee: str
    operations: tuple[str, ...]
    applies: bool
    reason: str  # why it did or did not apply (grantee, operation, constraint)


@fast_init
@dataclass(frozen=True, slots=True)
class GateResult:
    """One place a permission can come from, and what it said on its own."""

    gate: Gate
    account: str  # the account whose document this is
    verdict: Verdict  # this gate alone: Allowed if an Allow applies, ExplicitlyDenied if a Deny does
    statements: tuple[StatementResult, ...] = ()
    grants: tuple[GrantResult, ...] = ()
    counted: bool = True  # False when AWS ignores this gate (IAM without the key policy's root statement)
    note: str = ""  # why it was or was not counted


@fast_init
@dataclass(frozen=True, slots=True)
class Decision:
    request: Request
    verdict: Verdict
    gates: tuple[GateResult, ...]
    determining: tuple[StatementResult, ...]  # the deny(s) that won, or the allow(s) that granted
    reason: DenyReason
    message: str  # the AccessDeniedException message AWS would return; "" when allowed
    rule: str = ""  # the named combining rule that decided, e.g. "cross-account-both-allow"
    granted_by_grant: str = ""  # grant id when a grant supplied the allow

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def gate(self, gate: Gate) -> GateResult | None:
        for g in self.gates:  # a loop, not next(generator): explaining asks this several times
            if g.gate is gate:
                return g
        return None

    def callers_grants(self) -> tuple[GrantResult, ...]:
        """The grants checked for this request whose grantee is the caller (or its role)."""
        grants = self.gate(Gate.GRANT)
        caller = self.request.caller
        return tuple(g for g in (grants.grants if grants is not None else ())
                     if g.grantee and g.grantee in (caller.arn, caller.role_arn))


