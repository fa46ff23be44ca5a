"""Condition evaluation: one ConditionClause against a request context.

Responsible for every IAM condition operator with AWS's semantics for absent keys, multi-valued
keys (ForAnyValue / ForAllValues), `...IfExists`, `Null`, case rules and policy variables.
Must not: decide a statement or a policy (evaluate.py), or read Django.

The context passed in has lower-cased keys (condition key names are case-insensitive; for
`kms:EncryptionContext:<key>` that makes the context key part case-insensitive too) and tuple
values. Values are compared case-sensitively unless the operator says IgnoreCase.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from kmslab.iam.decision import Element, ElementCheck
from kmslab.iam.operators import OperatorFamily, OperatorSpec, SetPrefix, parse_operator
from kmslab.iam.policy import ConditionClause
from kmslab.iam.variables import has_variables, protect, substitute
from kmslab.iam.wildcard import wildcard_match

Context = Mapping[str, tuple[str, ...]]

_POSITIVE = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


class ConditionError(ValueError):
    """A clause that cannot be evaluated (unknown operator); its statement errors."""


@lru_cache(maxsize=1024)
def _spec(operator: str) -> OperatorSpec | None:
    return parse_operator(operator)


def _number(s: str) -> float | None:
    if not s or "_" in s or s != s.strip():  # Python's float() accepts "1_000" and " 5 "; a policy number does not
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _date(s: str) -> float | None:
    n = _number(s)
    if n is not None:  # AWS: Date operators accept epoch (UNIX) time too
        return n
    try:
        d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=timezone.utc)
    return d.timestamp()


_CMP: dict[str, Callable[[float, float], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _arn_match(pattern: str, value: str) -> bool:
    # AWS: ArnEquals/ArnLike compare the six colon-delimited parts, each with * and ? wildcards
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN)
    p, v = pattern.split(":", 5), value.split(":", 5)
    if len(p) != 6 or len(v) != 6:
        return False
    return all(wildcard_match(a, b) for a, b in zip(p, v))


def _binary(s: str) -> bytes | None:
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return None


def _one(base: str, family: OperatorFamily, wanted: str, got: str) -> bool:
    """A positive base operator, one policy value against one request value."""
    if family is OperatorFamily.STRING:
        if base == "StringEquals":
            return wanted == got
        if base == "StringEqualsIgnoreCase":
            return wanted.casefold() == got.casefold()
        return wildcard_match(wanted, got)  # StringLike
    if family is OperatorFamily.ARN:
        return _arn_match(wanted, got)
    if family is OperatorFamily.BOOL:
        return wanted.lower() == got.lower()
    if family is OperatorFamily.NUMERIC:
        a, b = _number(got), _number(wanted)
        return a is not None and b is not None and _CMP[base[len("Numeric"):]](a, b)
    if family is OperatorFamily.DATE:
        a, b = _date(got), _date(wanted)
        return a is not None and b is not None and _CMP[base[len("Date"):]](a, b)
    if family is OperatorFamily.IP:
        try:
            return ipaddress.ip_address(got) in ipaddress.ip_network(wanted, strict=False)
        except ValueError:
            return False
    if family is OperatorFamily.BINARY:
        x, y = _binary(wanted), _binary(got)
        return x is not None and x == y
    return False


def _any_wanted(base: str, family: OperatorFamily, wanted: tuple[str, ...], got: str, variables: bool) -> bool:
    if variables:
        got = protect(got)
    return any(_one(base, family, w, got) for w in wanted)


@dataclass(frozen=True, slots=True)
class _Compiled:
    spec: OperatorSpec
    raw: tuple[str, ...]
    key: str  # lower-cased
    base: str  # the positive base operator
    has_variables: bool
    # Results for this clause by the request values it saw; pure when the clause has no variables.
    memo: dict[tuple[tuple[str, ...], bool], ElementCheck] = field(default_factory=dict)


# Derived, immutable facts about a clause, keyed by identity (the clause is kept alive in the entry,
# so its id cannot be reused while cached). A cache of pure values, not application state.
_CLAUSES: dict[int, tuple[ConditionClause, _Compiled | None]] = {}
# Worst case retained: _MAX_CACHED * _MAX_MEMO * _MAX_KEY_CHARS characters (about 16 M).
_MAX_CACHED = 2_000
_MAX_MEMO = 16  # per clause
_MAX_KEY_CHARS = 512  # request values longer than this are never kept in a memo


def _compile_clause(clause: ConditionClause) -> _Compiled | None:
    hit = _CLAUSES.get(id(clause))
    if hit is not None and hit[0] is clause:
        return hit[1]
    spec = _spec(clause.operator)
    compiled = None
    if spec is not None:
        raw = tuple(v.text for v in clause.values)
        compiled = _Compiled(spec, raw, clause.key.lower(), _POSITIVE.get(spec.base, spec.base),
                             spec.family in (OperatorFamily.STRING, OperatorFamily.ARN) and any(has_variables(w) for w in raw))
    if len(_CLAUSES) >= _MAX_CACHED:
        _CLAUSES.clear()
    _CLAUSES[id(clause)] = (clause, compiled)
    return compiled


def evaluate_condition(clause: ConditionClause, context: Context, *, variables: bool = True) -> ElementCheck:
    """Evaluate one operator/key clause. Raises ConditionError for an unknown operator."""
    c = _compile_clause(clause)
    if c is None:
        raise ConditionError(f"unknown condition operator `{clause.operator}`")
    got = context.get(c.key, ())
    if c.has_variables and variables:
        return _evaluate(clause, c, got, context, variables)
    memo_key = (got, variables)
    hit = c.memo.get(memo_key)
    if hit is None:
        hit = _evaluate(clause, c, got, context, variables)
        if len(c.memo) < _MAX_MEMO and sum(map(len, got)) <= _MAX_KEY_CHARS:
            c.memo[memo_key] = hit
    return hit


def _evaluate(clause: ConditionClause, c: _Compiled, got: tuple[str, ...], context: Context,
              variables: bool) -> ElementCheck:
    spec, raw = c.spec, c.raw
    present = len(got) > 0
    if spec.family is OperatorFamily.NULL:
        # AWS: Null true = the key is absent, false = present (#Conditions_Null)
        return _check(clause, raw, got, any((v.lower() == "true") != present for v in raw),
                      "" if present else "key absent from the request")
    if not present:
        if spec.if_exists:
            return _check(clause, raw, got, True, "key absent from the request: IfExists matches")
        if spec.set_prefix is SetPrefix.FOR_ALL_VALUES:
            return _check(clause, raw, got, True, "key absent from the request: ForAllValues matches an empty set")
        if spec.set_prefix is SetPrefix.FOR_ANY_VALUE:
            return _check(clause, raw, got, False, "key absent from the request: ForAnyValue does not match")
        if spec.negated:
            # AWS: a negated operator (StringNotEquals, ArnNotLike, NotIpAddress...) on an absent
            # key evaluates to true (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
            return _check(clause, raw, got, True, "key absent from the request: a negated operator matches")
        return _check(clause, raw, got, False, "key absent from the request")

    wanted = raw
    variables_used = variables and c.has_variables
    if variables_used:
        wanted = tuple(s for s in (substitute(w, context) for w in raw) if s is not None)
    base, family = c.base, spec.family
    if spec.set_prefix is SetPrefix.FOR_ALL_VALUES:
        matched = all(_any_wanted(base, family, wanted, v, variables_used) != spec.negated for v in got)
    elif spec.set_prefix is SetPrefix.FOR_ANY_VALUE:
        matched = any(_any_wanted(base, family, wanted, v, variables_used) != spec.negated for v in got)
    else:
        # Single-valued operator: positive matches if any request value matches; negated matches
        # only if no request value matches any policy value (AWS: NOR for negated operators).
        if base == "StringEquals" and not variables_used and len(got) == 1:
            hits = got[0] in wanted
        else:
            hits = any(_any_wanted(base, family, wanted, v, variables_used) for v in got)
        matched = hits != spec.negated
    return _check(clause, raw, got, matched, "")


def _check(clause: ConditionClause, raw: tuple[str, ...], got: tuple[str, ...], matched: bool, note: str) -> ElementCheck:
    return ElementCheck(Element.CONDITION, matched, raw, got, False, clause.operator, clause.key, note, clause.span)
