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
from datetime import datetime, timezone

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


_VARIABLE_FAMILIES = (OperatorFamily.STRING, OperatorFamily.ARN)


class ConditionError(ValueError):
    """A clause that cannot be evaluated (unknown operator); its statement errors."""


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


def evaluate_condition(clause: ConditionClause, context: Context, *, variables: bool = True) -> ElementCheck:
    """Evaluate one operator/key clause. Raises ConditionError for an unknown operator."""
    spec = parse_operator(clause.operator)
    if spec is None:
        raise ConditionError(f"unknown condition operator `{clause.operator}`")
    got = context.get(clause.key.lower(), ())
    return _evaluate(clause, spec, got, context, variables)


def _evaluate(clause: ConditionClause, spec: OperatorSpec, got: tuple[str, ...], context: Context,
              variables: bool) -> ElementCheck:
    raw = tuple([v.text for v in clause.values])
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
    family = spec.family
    # policy variables are substituted in string and ARN operators only
    variables_used = variables and family in _VARIABLE_FAMILIES and any([has_variables(w) for w in raw])
    if variables_used:
        wanted = tuple(s for s in (substitute(w, context) for w in raw) if s is not None)
    base = _POSITIVE.get(spec.base, spec.base)
    # whether each request value matches a policy value; the commonest operators without a call
    # per value pair (StringEquals is membership, Bool membership ignoring case)
    if variables_used:
        hits = [_any_wanted(base, family, wanted, v, True) for v in got]
    elif base == "StringEquals":
        hits = [v in wanted for v in got]
    elif base == "Bool":
        lowered = [w.lower() for w in wanted]
        hits = [v.lower() in lowered for v in got]
    else:
        hits = [_any_wanted(base, family, wanted, v, False) for v in got]
    if spec.set_prefix is SetPrefix.FOR_ALL_VALUES:
        matched = all([h != spec.negated for h in hits])
    elif spec.set_prefix is SetPrefix.FOR_ANY_VALUE:
        matched = any([h != spec.negated for h in hits])
    else:
        # Single-valued operator: positive matches if any request value matches; negated matches
        # only if no request value matches any policy value (AWS: NOR for negated operators).
        matched = any(hits) != spec.negated
    return ElementCheck(Element.CONDITION, matched, raw, got, False, clause.operator, clause.key, "", clause.span)


def _check(clause: ConditionClause, raw: tuple[str, ...], got: tuple[str, ...], matched: bool, note: str) -> ElementCheck:
    return ElementCheck(Element.CONDITION, matched, raw, got, False, clause.operator, clause.key, note, clause.span)
