"""Statement and policy evaluation: every element of every statement checked against a request.

Responsible for producing StatementResult values with one ElementCheck per element (Principal,
Action, Resource, each Condition clause). A statement that errors never applies and says why.
Must not: combine statements into a verdict (the authorizers do, with one named rule each).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kmslab.iam.conditions import ConditionError, evaluate_condition
from kmslab.iam.decision import Element, ElementCheck, Gate, Request, StatementResult
from kmslab.iam.policy import Policy, PolicyKind, Statement
from kmslab.iam.principals import VIA_NONE, caller_labels, not_principal_spares, principal_match
from kmslab.iam.variables import VARIABLES_VERSION, has_variables, protect, substitute
from kmslab.iam.wildcard import wildcard_match

Context = Mapping[str, tuple[str, ...]]


def lower_context(request: Request) -> dict[str, tuple[str, ...]]:
    """The request context with lower-cased keys (condition keys are case-insensitive)."""
    return {k.lower(): v for k, v in request.context.items()}


@dataclass(frozen=True, slots=True)
class _CompiledStatement:
    actions: tuple[str, ...]  # as written
    actions_lower: tuple[str, ...]
    resources: tuple[str, ...]
    principals: tuple[str, ...]
    # Element checks by the request facts they depend on (pure values, shared between decisions).
    memo: dict[tuple[str, ...], tuple[ElementCheck, str]] = field(default_factory=dict)
    condition_keys: tuple[str, ...] = ()  # lower-cased
    pure: bool = False  # no policy variables: the result depends only on the request facts below
    # Keyed by (_memo_prefix, the request's values for condition_keys).
    results: dict[tuple[tuple[str, ...], tuple[tuple[str, ...], ...]], tuple[StatementResult, str]] = \
        field(default_factory=dict)


def _memo(comp: _CompiledStatement, key: tuple[str, ...], make: Callable[[], tuple[ElementCheck, str]]) -> tuple[ElementCheck, str]:
    hit = comp.memo.get(key)
    if hit is None:
        hit = make()
        if len(comp.memo) < _MAX_MEMO and sum(map(len, key)) <= _MAX_KEY_CHARS:
            comp.memo[key] = hit
    return hit


# Derived facts about a statement keyed by identity; the statement is kept alive in the entry.
_STATEMENTS: dict[int, tuple[Statement, _CompiledStatement]] = {}
# Worst case retained: _MAX_CACHED * 2 * _MAX_MEMO entries of at most 2 * _MAX_KEY_CHARS characters
# of request facts each (about 32 M characters); results are keyed on everything they depend on.
_MAX_CACHED = 1_000
_MAX_MEMO = 16  # per statement
_MAX_KEY_CHARS = 512  # request values longer than this are never kept in a memo


def _compiled(stmt: Statement) -> _CompiledStatement:
    hit = _STATEMENTS.get(id(stmt))
    if hit is not None and hit[0] is stmt:
        return hit[1]
    actions = tuple(v.text for v in stmt.action.values) if stmt.action else ()
    block = stmt.principal
    principals: tuple[str, ...] = ()
    if block is not None:
        principals = ("*",) if block.wildcard else tuple(f"{e.type.value}:{e.value.text}" for e in block.entries)
    resources = tuple(v.text for v in stmt.resource.values) if stmt.resource else ()
    pure = not any(has_variables(r) for r in resources) and not any(
        has_variables(v.text) for c in stmt.conditions for v in c.values)
    c = _CompiledStatement(actions, tuple(a.lower() for a in actions), resources, principals,
                           condition_keys=tuple(c.key.lower() for c in stmt.conditions), pure=pure)
    if len(_STATEMENTS) >= _MAX_CACHED:
        _STATEMENTS.clear()
    _STATEMENTS[id(stmt)] = (stmt, c)
    return c


def _action_check(stmt: Statement, comp: _CompiledStatement, action_lower: str, action: str) -> ElementCheck | None:
    block = stmt.action
    if block is None:
        return None
    # AWS: action names are case-insensitive, with * and ? wildcards
    hit = any(w == action_lower or wildcard_match(w, action_lower) for w in comp.actions_lower)
    return ElementCheck(Element.ACTION, hit != block.negated, comp.actions, (action,), block.negated, span=block.span)


def _resource_hit(pattern: str, request: Request, kind: PolicyKind, variables: bool, ctx: Context) -> bool:
    if kind is PolicyKind.KEY_POLICY and pattern == "*":
        # AWS: in a key policy, "*" means "this KMS key" (key-policies.html#key-policy-elements)
        return True
    text = request.resource
    if variables and has_variables(pattern):
        resolved = substitute(pattern, ctx)
        if resolved is None:
            return False
        return wildcard_match(resolved, protect(text))
    return wildcard_match(pattern, text)


def _resource_check(stmt: Statement, policy: Policy, request: Request, ctx: Context) -> ElementCheck | None:
    block = stmt.resource
    if block is None:
        return None
    wanted = _compiled(stmt).resources
    variables = policy.version == VARIABLES_VERSION
    hit = any(_resource_hit(w, request, policy.kind, variables, ctx) for w in wanted)
    return ElementCheck(Element.RESOURCE, hit != block.negated, wanted, (request.resource,),
                        negated=block.negated, span=block.span)


def _principal_pair(stmt: Statement, request: Request) -> tuple[ElementCheck, str]:
    check, via = principal_check(stmt, request)
    assert check is not None
    return check, via


def _action_check_required(stmt: Statement, comp: _CompiledStatement, action: str) -> ElementCheck:
    check = _action_check(stmt, comp, action.lower(), action)
    assert check is not None
    return check


def _resource_required(stmt: Statement, policy: Policy, request: Request, ctx: Context) -> ElementCheck:
    check = _resource_check(stmt, policy, request, ctx)
    assert check is not None
    return check


def principal_check(stmt: Statement, request: Request) -> tuple[ElementCheck | None, str]:
    """The Principal check and how it matched (a principals.VIA_* value, "" when not)."""
    block = stmt.principal
    if block is None:
        return None, ""
    wanted = _compiled(stmt).principals
    if block.negated:
        # NotPrincipal names exceptions: every identity of the caller must be listed (principals.py).
        via = VIA_NONE
        matched = not not_principal_spares(block, request.caller)
    else:
        via = principal_match(block, request.caller)
        matched = bool(via)
    return (ElementCheck(Element.PRINCIPAL, matched, wanted, caller_labels(request.caller),
                         negated=block.negated, span=block.span),
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
    return _evaluate_statement_via(stmt, policy, request, gate, policy_name, ctx,
                                   _memo_prefix(policy, request, gate, policy_name))


def _memo_prefix(policy: Policy, request: Request, gate: Gate, policy_name: str) -> tuple[str, ...] | None:
    """Everything but the condition values a pure statement's result depends on, as plain strings.

    Built once per policy and request: a tuple of str hashes and compares in C, where a key holding
    the Caller dataclass went through its generated __hash__/__eq__ for every statement.
    None when the request facts are too long to keep in a memo.
    """
    c = request.caller
    # Gate and PolicyKind are StrEnums: str instances with str's hash and equality. A missing Version
    # and "" evaluate alike (neither enables policy variables).
    key = (gate, policy_name, policy.kind, policy.version or "", c.arn, c.account, c.kind, c.name, c.role_arn,
           c.userid, request.action, request.resource)
    return key if sum(map(len, key)) <= _MAX_KEY_CHARS else None


def _evaluate_statement_via(stmt: Statement, policy: Policy, request: Request, gate: Gate, policy_name: str,
                            ctx: Context, prefix: tuple[str, ...] | None) -> tuple[StatementResult, str]:
    comp = _compiled(stmt)
    if not comp.pure or prefix is None:
        return _evaluate_statement(stmt, policy, request, gate, policy_name, ctx)
    got = tuple([ctx.get(k, ()) for k in comp.condition_keys]) if comp.condition_keys else ()
    key = (prefix, got)
    hit = comp.results.get(key)
    if hit is None:
        hit = _evaluate_statement(stmt, policy, request, gate, policy_name, ctx)
        if len(comp.results) < _MAX_MEMO and sum(len(v) for vals in got for v in vals) <= _MAX_KEY_CHARS:
            comp.results[key] = hit
    return hit


def _evaluate_statement(stmt: Statement, policy: Policy, request: Request, gate: Gate, policy_name: str,
                        ctx: Context) -> tuple[StatementResult, str]:
    checks: list[ElementCheck] = []
    errors: list[str] = []
    resource_based = policy.kind is not PolicyKind.IDENTITY
    comp = _compiled(stmt)
    caller = request.caller
    if stmt.principal is None:
        pcheck, via = None, ""
    else:
        pcheck, via = _memo(comp, ("P", caller.arn, caller.kind, caller.account, caller.role_arn),
                            lambda: _principal_pair(stmt, request))
    if pcheck is not None:
        if resource_based:
            checks.append(pcheck)
        else:
            errors.append("an identity-based policy cannot have a Principal element")
    elif resource_based:
        errors.append("a resource-based policy statement needs a Principal or NotPrincipal element")
    acheck = None if stmt.action is None else _memo(
        comp, ("A", request.action), lambda: (_action_check_required(stmt, comp, request.action), ""))[0]
    if acheck is None:
        errors.append("the statement has no Action or NotAction element")
    else:
        checks.append(acheck)
    if stmt.resource is not None and not any(has_variables(r) for r in comp.resources):
        rcheck: ElementCheck | None = _memo(comp, ("R", request.resource, policy.kind.value),
                                            lambda: (_resource_required(stmt, policy, request, ctx), ""))[0]
    else:
        rcheck = _resource_check(stmt, policy, request, ctx)
    if rcheck is None:
        errors.append("the statement has no Resource or NotResource element")
    else:
        checks.append(rcheck)
    variables = policy.version == VARIABLES_VERSION
    for clause in stmt.conditions:
        try:
            checks.append(evaluate_condition(clause, ctx, variables=variables))
        except ConditionError as exc:
            errors.append(str(exc))
    error = "; ".join(errors)
    applies = not error and all(c.matched for c in checks)
    return StatementResult(gate, policy_name, stmt, applies, tuple(checks), error), via


def evaluate_policy(policy: Policy, request: Request, gate: Gate, *, policy_name: str = "",
                    ctx: Context | None = None) -> tuple[tuple[StatementResult, str], ...]:
    """Every statement of a policy, each with how its Principal matched."""
    if ctx is None:
        ctx = lower_context(request)
    name = policy_name or policy.name
    prefix = _memo_prefix(policy, request, gate, name)
    return tuple([_evaluate_statement_via(s, policy, request, gate, name, ctx, prefix) for s in policy.statements])
