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

from kmslab.iam.policy import NO_SPAN, Span, Statement

# Every authorization builds a Request, three GateResults and a Decision, and every statement
# evaluated afresh a StatementResult and its ElementChecks. Like Span and Value in policy.py, these
# classes keep every dataclass behaviour (frozen, eq, hash, repr, fields, replace, match_args,
# pickling) but their __init__ sets the slots through the slot descriptors directly instead of the
# generated per-field `object.__setattr__` calls (about half the construction time).


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


@dataclass(frozen=True, slots=True, init=False)
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

    def __init__(self, arn: str, account: str, kind: str, name: str = "", role_arn: str = "",
                 userid: str = "") -> None:
        _caller_arn(self, arn)
        _caller_account(self, account)
        _caller_kind(self, kind)
        _caller_name(self, name)
        _caller_role_arn(self, role_arn)
        _caller_userid(self, userid)


_caller_arn = Caller.__dict__["arn"].__set__
_caller_account = Caller.__dict__["account"].__set__
_caller_kind = Caller.__dict__["kind"].__set__
_caller_name = Caller.__dict__["name"].__set__
_caller_role_arn = Caller.__dict__["role_arn"].__set__
_caller_userid = Caller.__dict__["userid"].__set__


@dataclass(frozen=True, slots=True, init=False)
class Request:
    caller: Caller
    action: str  # "kms:GenerateDataKey", as the service spells it
    resource: str  # the key ARN (or bucket/object ARN)
    resource_account: str
    # Request context from the calling service (kms:ViaService, kms:EncryptionContext:..., ...).
    # Keys as written; compared case-insensitively. Global keys AWS derives from the caller
    # (aws:PrincipalArn, kms:CallerAccount, ...) are added by the authorizer, not taken from here.
    context: Mapping[str, tuple[str, ...]]

    def __init__(self, caller: Caller, action: str, resource: str, resource_account: str,
                 context: Mapping[str, tuple[str, ...]]) -> None:
        _request_caller(self, caller)
        _request_action(self, action)
        _request_resource(self, resource)
        _request_resource_account(self, resource_account)
        _request_context(self, context)

    @property
    def cross_account(self) -> bool:
        return self.caller.account != self.resource_account


_request_caller = Request.__dict__["caller"].__set__
_request_action = Request.__dict__["action"].__set__
_request_resource = Request.__dict__["resource"].__set__
_request_resource_account = Request.__dict__["resource_account"].__set__
_request_context = Request.__dict__["context"].__set__


@dataclass(frozen=True, slots=True, init=False)
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

    def __init__(self, element: Element, matched: bool, wanted: tuple[str, ...], got: tuple[str, ...],
                 negated: bool = False, operator: str = "", key: str = "", note: str = "",
                 span: Span = NO_SPAN) -> None:
        _check_element(self, element)
        _check_matched(self, matched)
        _check_wanted(self, wanted)
        _check_got(self, got)
        _check_negated(self, negated)
        _check_operator(self, operator)
        _check_key(self, key)
        _check_note(self, note)
        _check_span(self, span)


_check_element = ElementCheck.__dict__["element"].__set__
_check_matched = ElementCheck.__dict__["matched"].__set__
_check_wanted = ElementCheck.__dict__["wanted"].__set__
_check_got = ElementCheck.__dict__["got"].__set__
_check_negated = ElementCheck.__dict__["negated"].__set__
_check_operator = ElementCheck.__dict__["operator"].__set__
_check_key = ElementCheck.__dict__["key"].__set__
_check_note = ElementCheck.__dict__["note"].__set__
_check_span = ElementCheck.__dict__["span"].__set__


@dataclass(frozen=True, slots=True, init=False)
class StatementResult:
    gate: Gate
    policy_name: str  # "Key policy of key 1234abcd-...", "bob's IAM policy"
    statement: Statement
    applies: bool  # every element matched
    checks: tuple[ElementCheck, ...]
    error: str = ""  # a statement that errors never allows and is reported

    def __init__(self, gate: Gate, policy_name: str, statement: Statement, applies: bool,
                 checks: tuple[ElementCheck, ...], error: str = "") -> None:
        _result_gate(self, gate)
        _result_policy_name(self, policy_name)
        _result_statement(self, statement)
        _result_applies(self, applies)
        _result_checks(self, checks)
        _result_error(self, error)

    @property
    def failed_checks(self) -> tuple[ElementCheck, ...]:
        return tuple(c for c in self.checks if not c.matched)


_result_gate = StatementResult.__dict__["gate"].__set__
_result_policy_name = StatementResult.__dict__["policy_name"].__set__
_result_statement = StatementResult.__dict__["statement"].__set__
_result_applies = StatementResult.__dict__["applies"].__set__
_result_checks = StatementResult.__dict__["checks"].__set__
_result_error = StatementResult.__dict__["error"].__set__


@dataclass(frozen=True, slots=True, init=False)
class GrantResult:
    grant_id: str
    grantee: str
    operations: tuple[str, ...]
    applies: bool
    reason: str  # why it did or did not apply (grantee, operation, constraint)

    def __init__(self, grant_id: str, grantee: str, operations: tuple[str, ...], applies: bool,
                 reason: str) -> None:
        _grant_grant_id(self, grant_id)
        _grant_grantee(self, grantee)
        _grant_operations(self, operations)
        _grant_applies(self, applies)
        _grant_reason(self, reason)


_grant_grant_id = GrantResult.__dict__["grant_id"].__set__
_grant_grantee = GrantResult.__dict__["grantee"].__set__
_grant_operations = GrantResult.__dict__["operations"].__set__
_grant_applies = GrantResult.__dict__["applies"].__set__
_grant_reason = GrantResult.__dict__["reason"].__set__


@dataclass(frozen=True, slots=True, init=False)
class GateResult:
    """One place a permission can come from, and what it said on its own."""

    gate: Gate
    account: str  # the account whose document this is
    verdict: Verdict  # this gate alone: Allowed if an Allow applies, ExplicitlyDenied if a Deny does
    statements: tuple[StatementResult, ...] = ()
    grants: tuple[GrantResult, ...] = ()
    counted: bool = True  # False when AWS ignores this gate (IAM without the key policy's root statement)
    note: str = ""  # why it was or was not counted

    def __init__(self, gate: Gate, account: str, verdict: Verdict, statements: tuple[StatementResult, ...] = (),
                 grants: tuple[GrantResult, ...] = (), counted: bool = True, note: str = "") -> None:
        _gate_gate(self, gate)
        _gate_account(self, account)
        _gate_verdict(self, verdict)
        _gate_statements(self, statements)
        _gate_grants(self, grants)
        _gate_counted(self, counted)
        _gate_note(self, note)


_gate_gate = GateResult.__dict__["gate"].__set__
_gate_account = GateResult.__dict__["account"].__set__
_gate_verdict = GateResult.__dict__["verdict"].__set__
_gate_statements = GateResult.__dict__["statements"].__set__
_gate_grants = GateResult.__dict__["grants"].__set__
_gate_counted = GateResult.__dict__["counted"].__set__
_gate_note = GateResult.__dict__["note"].__set__


@dataclass(frozen=True, slots=True, init=False)
class Decision:
    request: Request
    verdict: Verdict
    gates: tuple[GateResult, ...]
    determining: tuple[StatementResult, ...]  # the deny(s) that won, or the allow(s) that granted
    reason: DenyReason
    message: str  # the AccessDeniedException message AWS would return; "" when allowed
    rule: str = ""  # the named combining rule that decided, e.g. "cross-account-both-allow"
    granted_by_grant: str = ""  # grant id when a grant supplied the allow

    def __init__(self, request: Request, verdict: Verdict, gates: tuple[GateResult, ...],
                 determining: tuple[StatementResult, ...], reason: DenyReason, message: str, rule: str = "",
                 granted_by_grant: str = "") -> None:
        _decision_request(self, request)
        _decision_verdict(self, verdict)
        _decision_gates(self, gates)
        _decision_determining(self, determining)
        _decision_reason(self, reason)
        _decision_message(self, message)
        _decision_rule(self, rule)
        _decision_granted_by_grant(self, granted_by_grant)

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOWED

    def gate(self, gate: Gate) -> GateResult | None:
        return next((g for g in self.gates if g.gate is gate), None)


_decision_request = Decision.__dict__["request"].__set__
_decision_verdict = Decision.__dict__["verdict"].__set__
_decision_gates = Decision.__dict__["gates"].__set__
_decision_determining = Decision.__dict__["determining"].__set__
_decision_reason = Decision.__dict__["reason"].__set__
_decision_message = Decision.__dict__["message"].__set__
_decision_rule = Decision.__dict__["rule"].__set__
_decision_granted_by_grant = Decision.__dict__["granted_by_grant"].__set__
