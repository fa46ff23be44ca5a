"""The fast path of parse: a well-formed policy, already decoded from JSON, straight to a `Policy`
without source positions (every span is NO_SPAN; a present Condition keeps NO_SPAN, not None).

Position tracking (jsonpos.py's tree of offsets, a Span per element) costs most of a parse and is
needed only where a finding or a highlight is shown. Callers that show neither (the JSON Lines CLI)
ask parse for `positions=False`, which comes here first. At the first thing that is not exactly a
policy the tracking path would accept, this gives up (returns None) and parse takes the tracking
path, which reports every finding with its position: findings never come from here.
Must not: produce a finding, raise, or accept a document the tracking path rejects; its values
equal the tracking path's, spans aside (tests/iam/test_parse_fast.py checks both on random documents).
"""

from __future__ import annotations

from kmslab.iam.policy import (
    NO_SPAN,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    PrincipalType,
    PrincipalValue,
    Statement,
    Value,
    ValueBlock,
)

_TOP = frozenset({"Version", "Id", "Statement"})
_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_ELEMENTS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                       "NotResource", "Condition"})
_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}
_PRINCIPAL_TYPES = {t.value: t for t in PrincipalType}
_FINITE_MAX = float("inf")


class _GiveUp(Exception):
    """Not exactly a well-formed policy: the tracking path decides (and reports) it."""


def _strings(obj: object) -> tuple[Value, ...]:
    if type(obj) is str:
        return (Value(obj),)
    if type(obj) is not list:
        raise _GiveUp
    out = []
    for item in obj:
        if type(item) is not str:
            raise _GiveUp
        out.append(Value(item))
    return tuple(out)


def _block(stmt: dict[str, object], name: str, neg: str) -> ValueBlock | None:
    if name in stmt:
        if neg in stmt:
            raise _GiveUp
        return ValueBlock(False, _strings(stmt[name]))
    if neg in stmt:
        return ValueBlock(True, _strings(stmt[neg]))
    return None


def _principal(stmt: dict[str, object]) -> PrincipalBlock | None:
    if "Principal" in stmt:
        if "NotPrincipal" in stmt:
            raise _GiveUp
        obj, negated = stmt["Principal"], False
    elif "NotPrincipal" in stmt:
        obj, negated = stmt["NotPrincipal"], True
    else:
        return None
    if obj == "*" and type(obj) is str:
        return PrincipalBlock(negated, True, ())
    if type(obj) is not dict or not obj:
        raise _GiveUp
    entries = []
    for key, value in obj.items():
        ptype = _PRINCIPAL_TYPES.get(key) if type(key) is str else None
        if ptype is None:
            raise _GiveUp
        for v in _strings(value):
            entries.append(PrincipalValue(ptype, v))
    return PrincipalBlock(negated, False, tuple(entries))


def _condition_value(v: object) -> Value:
    t = type(v)
    if t is str:
        return Value(v)  # type: ignore[arg-type]
    if t is bool:
        return Value("true" if v else "false")
    if t is int:
        return Value(str(v))  # a huge int raises ValueError: the tracking path reports it
    if t is float and -_FINITE_MAX < v < _FINITE_MAX:  # type: ignore[operator]
        return Value(repr(v))
    raise _GiveUp


def _conditions(obj: object) -> tuple[ConditionClause, ...]:
    if type(obj) is not dict:
        raise _GiveUp
    clauses = []
    for op, keys in obj.items():
        if type(op) is not str or type(keys) is not dict:
            raise _GiveUp
        for key, values in keys.items():
            if type(key) is not str:
                raise _GiveUp
            if type(values) is list:
                vals = tuple([_condition_value(v) for v in values])
            else:
                vals = (_condition_value(values),)
            clauses.append(ConditionClause(op, key, vals))
    return tuple(clauses)


def _statement(obj: object, index: int) -> Statement:
    if type(obj) is not dict or not _ELEMENTS.issuperset(obj):
        raise _GiveUp
    sid = obj.get("Sid")
    if "Sid" in obj and type(sid) is not str:
        raise _GiveUp
    effect_name = obj.get("Effect")
    effect = _EFFECTS.get(effect_name) if type(effect_name) is str else None
    if effect is None:
        raise _GiveUp
    principal = _principal(obj)
    action = _block(obj, "Action", "NotAction")
    resource = _block(obj, "Resource", "NotResource")
    if "Condition" in obj:
        return Statement(index, sid, effect, principal, action, resource, _conditions(obj["Condition"]),
                         NO_SPAN, NO_SPAN, NO_SPAN)
    return Statement(index, sid, effect, principal, action, resource)


def build_policy(obj: object, kind: PolicyKind, name: str, size: int) -> Policy | None:
    """The policy `obj` is, without positions; None when the tracking path must decide it."""
    try:
        if type(obj) is not dict or not _TOP.issuperset(obj) or "Statement" not in obj:
            return None
        version = obj.get("Version")
        if "Version" in obj and (type(version) is not str or version not in _VERSIONS):
            return None
        policy_id = obj.get("Id")
        if "Id" in obj and type(policy_id) is not str:
            return None
        body = obj["Statement"]
        if type(body) is dict:
            statements: tuple[Statement, ...] = (_statement(body, 0),)
        elif type(body) is list:
            statements = tuple([_statement(s, i) for i, s in enumerate(body)])
        else:
            return None
        return Policy(kind, version, statements, policy_id, name, NO_SPAN, size)
    except (_GiveUp, ValueError, TypeError, RecursionError):
        return None
