"""Validate Condition blocks: operators, keys, operator/key type agreement, set operators, values.

Responsible for the condition findings of validate. Must not: raise, or evaluate conditions.

Codes: unknown-operator, unknown-condition-key, deprecated-condition-key, condition-type-mismatch,
missing-set-operator, set-operator-on-single-valued, forallvalues-with-allow, invalid-null-value,
invalid-condition-value, empty-condition-values.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from functools import lru_cache

from kmslab.iam.condition_keys import CATALOGED_KEY_SERVICES, lookup_condition_key, suggest_condition_key
from kmslab.iam.findings import Finding, Severity
from kmslab.iam.operators import OperatorFamily, SetPrefix, parse_operator, suggest_operator
from kmslab.iam.policy import ConditionClause, Effect, Statement

_E = Severity.ERROR
_W = Severity.WARNING
_SEC = Severity.SECURITY_WARNING
_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?")
# ISO 8601 date or date-time (a subset, linear), or epoch seconds
_DATE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
    r"|[0-9]{1,12}"
)
URL_OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"


def _value_problem(family: OperatorFamily, value: str) -> str:
    """Why `value` cannot be compared by an operator of `family` ("" when it can)."""
    if "${" in value:
        return ""  # a policy variable: checked at evaluation time
    if family is OperatorFamily.NUMERIC and _NUMBER.fullmatch(value) is None:
        return "is not a number"
    if family is OperatorFamily.DATE and _DATE.fullmatch(value) is None:
        return "is not a date (ISO 8601 such as `2026-01-31T00:00:00Z`, or epoch seconds)"
    if family is OperatorFamily.BOOL and value.lower() not in ("true", "false"):
        return "is not `true` or `false`"
    if family is OperatorFamily.IP:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return "is not an IP address or CIDR range"
    return ""


# A finding without its position: (code, severity, message, hint, where). `where` is _AT_OPERATOR,
# _AT_KEY, or the index of the value the finding is about.
_Template = tuple[str, Severity, str, str, int]
_AT_OPERATOR = -2
_AT_KEY = -1
_CACHEABLE_CHARS = 2048  # clauses larger than this are checked afresh (the cache must stay small)


def check_clause(stmt: Statement, clause: ConditionClause) -> Iterator[Finding]:
    values = tuple(v.text for v in clause.values)
    allow = stmt.effect is Effect.ALLOW
    # the same clause text recurs across statements and documents; its findings depend on the
    # text only, so they are computed once and given this clause's positions
    if len(clause.operator) + len(clause.key) + sum(map(len, values)) <= _CACHEABLE_CHARS:
        templates = _cached_templates(clause.operator, clause.key, values, allow)
    else:
        templates = tuple(_clause_templates(clause.operator, clause.key, values, allow))
    for code, severity, message, hint, where in templates:
        span = (clause.operator_span if where == _AT_OPERATOR else clause.span if where == _AT_KEY
                else clause.values[where].span)
        yield Finding(code, severity, message, span, hint)


@lru_cache(maxsize=2048)
def _cached_templates(operator: str, key: str, values: tuple[str, ...], allow: bool) -> tuple[_Template, ...]:
    return tuple(_clause_templates(operator, key, values, allow))


def _clause_templates(operator: str, key: str, values: tuple[str, ...], allow: bool) -> Iterator[_Template]:
    op = parse_operator(operator)
    if op is None:
        fix = suggest_operator(operator)
        yield ("unknown-operator", _E, f"`{operator[:80]}` is not a condition operator",
               f"did you mean `{fix}`?" if fix else f"see the list of operators: {URL_OPERATORS}", _AT_OPERATOR)
        return
    if not values:
        yield ("empty-condition-values", _W, f"`{key[:80]}` lists no values, so this condition "
               "can never be true", "add the value(s) to compare with", _AT_KEY)
    spec = lookup_condition_key(key)
    service = key.partition(":")[0].lower()
    if spec is None:
        if service in CATALOGED_KEY_SERVICES and ":" in key:
            fix = suggest_condition_key(key)
            yield ("unknown-condition-key", _W,
                   f"`{key[:80]}` is not a known {service}: condition key; the request never has it",
                   f"did you mean `{fix}`?" if fix else
                   "see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html", _AT_KEY)
    else:
        if spec.deprecated:
            yield ("deprecated-condition-key", Severity.SUGGESTION,
                   f"`{key[:80]}` is deprecated", f"use `{spec.deprecated}` instead", _AT_KEY)
        if not spec.accepts(op.family):
            yield ("condition-type-mismatch", _W,
                   f"`{op.name}` compares {op.family.value.lower()} values, but `{spec.name}` holds "
                   f"{spec.family.value.lower()} values",
                   f"use a {spec.family.value} operator, e.g. `{_example_operator(spec.family)}`", _AT_OPERATOR)
        if op.family is not OperatorFamily.NULL:
            if spec.multi_valued and op.set_prefix is None:
                yield ("missing-set-operator", _W,
                       f"`{spec.name}` can hold several values; `{op.name}` needs `ForAnyValue:` or "
                       "`ForAllValues:`",
                       f"write `ForAnyValue:{op.name}` (any value matches) or `ForAllValues:{op.name}`", _AT_OPERATOR)
            if not spec.multi_valued and op.set_prefix is not None:
                yield ("set-operator-on-single-valued", _W,
                       f"`{spec.name}` is single-valued; `{op.set_prefix.value}:` makes the condition "
                       "behave unexpectedly", f"write `{op.base}` without the prefix", _AT_OPERATOR)
    if op.set_prefix is SetPrefix.FOR_ALL_VALUES and allow and not op.negated:
        # AWS: ForAllValues returns true when the key is absent or empty (Access Analyzer warns)
        yield ("forallvalues-with-allow", _SEC,
               f"`{op.name}` is true when the request has no `{key[:80]}` at all, so this Allow also "
               "applies to requests without it",
               "add a `Null` condition requiring the key (`\"Null\": {\"<key>\": \"false\"}`), "
               "or use `ForAnyValue:`", _AT_OPERATOR)
    for i, text in enumerate(values):
        if op.family is OperatorFamily.NULL:
            if text.lower() not in ("true", "false"):
                yield ("invalid-null-value", _W, f"`Null` takes `true` or `false`, not `{text[:80]}`",
                       "`true`: the key is absent; `false`: the key is present", i)
            continue
        problem = _value_problem(op.family, text)
        if problem:
            yield ("invalid-condition-value", _W, f"`{text[:80]}` {problem}",
                   f"`{op.name}` compares {op.family.value.lower()} values", i)


def _example_operator(family: OperatorFamily) -> str:
    return {
        OperatorFamily.STRING: "StringEquals",
        OperatorFamily.NUMERIC: "NumericLessThanEquals",
        OperatorFamily.DATE: "DateLessThan",
        OperatorFamily.BOOL: "Bool",
        OperatorFamily.BINARY: "BinaryEquals",
        OperatorFamily.IP: "IpAddress",
        OperatorFamily.ARN: "ArnLike",
        OperatorFamily.NULL: "Null",
    }[family]


def check_conditions(stmt: Statement) -> Iterator[Finding]:
    for clause in stmt.conditions:
        yield from check_clause(stmt, clause)
