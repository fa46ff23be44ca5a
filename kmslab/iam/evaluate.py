"""Statement and policy evaluation: every element of every statement checked against a request.

Responsible for producing StatementResult values with one ElementCheck per element (Principal,
Action, Resource, each Condition clause). A statement that errors never applies and says why.
Must not: combine statements into a verdict (the authorizers do, with one named rule each).
"""

from __future__ import annotations

from collections.abc import Mapping

from kmslab.iam.conditions import ConditionError, evaluate_condition
from kmslab.iam.decision import Element, ElementCheck, Gate, Request, StatementResult
from kmslab.iam.policy import Policy, PolicyKind, Statement, Value, ValueBlock
from kmslab.iam.principals import VIA_NONE, caller_labels, not_principal_spares, principal_match
from kmslab.iam.variables import VARIABLES_VERSION, has_variables, protect, substitute
from kmslab.iam.wildcard import wildcard_match

Context = Mapping[str, tuple[str, ...]]


def lower_context(request: Request) -> dict[str, tuple[str, ...]]:
    """The request context with lower-cased keys (condition keys are case-insensitive)."""
    return {k.lower(): v for k, v in request.context.items()}


class _Probe:
    """One request as every statement of a policy is checked against it: what the checks compare
    and report, worked out once per policy rather than once per statement (a per-call value, never
    kept: decisions hold only the checks built from it)."""

    __slots__ = ("request", "ctx", "action", "action_lower", "resource", "caller_labels")

    def __init__(self, request: Request, ctx: Context) -> None:
        self.request = request
        self.ctx = ctx
        self.action: tuple[str, ...] = (request.action,)
        self.action_lower = request.action.lower()
        self.resource: tuple[str, ...] = (request.resource,)
        self.caller_labels = caller_labels(request.caller)


def _texts(values: tuple[Value, ...]) -> tuple[str, ...]:
    return tuple([v.text for v in values])


# A value without `*` or `?` matches only itself: the checks below compare it directly and call
# wildcard_match only for a pattern (the same answer, without a call per value).


def _action_check(block: ValueBlock, probe: _Probe) -> ElementCheck:
    # AWS: action names are case-insensitive, with * and ? wildcards
    action = probe.action_lower
    wanted = _texts(block.values)
    hit = False
    for w in wanted:
        w = w.lower()
        if w == action or (("*" in w or "?" in w) and wildcard_match(w, action)):
            hit = True
            break
    return ElementCheck(Element.ACTION, hit != block.negated, wanted, probe.action, block.negated, span=block.span)


def _variable_resource_hit(pattern: str, text: str, ctx: Context) -> bool:
    resolved = substitute(pattern, ctx)
    if resolved is None:
        return False
    return wildcard_match(resolved, protect(text))


def _resource_check(block: ValueBlock, policy: Policy, probe: _Probe) -> ElementCheck:
    wanted = _texts(block.values)
    text = probe.request.resource
    # AWS: in a key policy, "*" means "this KMS key" (key-policies.html#key-policy-elements)
    star_is_this = policy.kind is PolicyKind.KEY_POLICY
    variables = policy.version == VARIABLES_VERSION
    hit = False
    for w in wanted:
        if variables and has_variables(w):
            hit = _variable_resource_hit(w, text, probe.ctx)
        else:
            hit = (star_is_this and w == "*") or w == text or (("*" in w or "?" in w) and wildcard_match(w, text))
        if hit:
            break
    return ElementCheck(Element.RESOURCE, hit != block.negated, wanted, probe.resource, block.negated,
                        span=block.span)


def principal_check(stmt: Statement, request: Request) -> tuple[ElementCheck | None, str]:
    """The Principal check and how it matched (a principals.VIA_* value, "" when not)."""
    return _principal_check(stmt, request, caller_labels(request.caller))


def _principal_check(stmt: Statement, request: Request, labels: tuple[str, ...]) -> tuple[ElementCheck | None, str]:
    block = stmt.principal
    if block is None:
        return None, ""
    # a PrincipalType formats as its value (a StrEnum): `AWS:arn:aws:iam::111122223333:root`
    wanted = ("*",) if block.wildcard else tuple([f"{e.type}:{e.value.text}" for e in block.entries])
    if block.negated:
        # NotPrincipal names exceptions: every identity of the caller must be listed (principals.py).
        via = VIA_NONE
        matched = not not_principal_spares(block, request.caller)
    else:
        via = principal_match(block, request.caller)
        matched = bool(via)
    return (ElementCheck(Element.PRINCIPAL, matched, wanted, labels, negated=block.negated, span=block.span),
            via if matched and not block.negated else "")


def evaluate_statement(stmt: Statement, policy: Policy, request: Request, gate: Gate, *, policy_name: str,
                       ctx: Context | None = None) -> StatementResult:
    """Check every element of `stmt`; `applies` only when all match and nothing errors."""
    result, _ = evaluate_statement_via(stmt, policy, request, gate, policy_name=policy_name, ctx=ctx)
    return result


def evaluate_statement_via(stmt: Statement, policy: Policy, request: Request, gate: Gate, *, policy_name: str,
                           ctx: Context | None = None) -> tuple[StatementResult, str]:
    """evaluate_statement plus how the Principal matched (for the KMS account-delegation rule)."""
    if ctx is None:
        ctx = lower_context(request)
    return _evaluate_statement(stmt, policy, _Probe(request, ctx), gate, policy_name)


def _evaluate_statement(stmt: Statement, policy: Policy, probe: _Probe, gate: Gate,
                        policy_name: str) -> tuple[StatementResult, str]:
    checks: list[ElementCheck] = []
    errors: list[str] = []
    resource_based = policy.kind is not PolicyKind.IDENTITY
    pcheck, via = _principal_check(stmt, probe.request, probe.caller_labels)
    if pcheck is not None:
        if resource_based:
            checks.append(pcheck)
        else:
            errors.append("an identity-based policy cannot have a Principal element")
    elif resource_based:
        errors.append("a resource-based policy statement needs a Principal or NotPrincipal element")
    if stmt.action is None:
        errors.append("the statement has no Action or NotAction element")
    else:
        checks.append(_action_check(stmt.action, probe))
    if stmt.resource is None:
        errors.append("the statement has no Resource or NotResource element")
    else:
        checks.append(_resource_check(stmt.resource, policy, probe))
    if stmt.conditions:
        variables = policy.version == VARIABLES_VERSION
        for clause in stmt.conditions:
            try:
                checks.append(evaluate_condition(clause, probe.ctx, variables=variables))
            except ConditionError as exc:
                errors.append(str(exc))
    error = "; ".join(errors)
    applies = not error and all([c.matched for c in checks])
    return StatementResult(gate, policy_name, stmt, applies, tuple(checks), error), via


def evaluate_policy(policy: Policy, request: Request, gate: Gate, *, policy_name: str = "",
                    ctx: Context | None = None) -> tuple[tuple[StatementResult, str], ...]:
    """Every statement of a policy, each with how its Principal matched."""
    if ctx is None:
        ctx = lower_context(request)
    name = policy_name or policy.name
    probe = _Probe(request, ctx)
    return tuple([_evaluate_statement(s, policy, probe, gate, name) for s in policy.statements])
