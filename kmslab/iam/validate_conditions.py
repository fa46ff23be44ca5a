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


def check_clause(stmt: Statement, clause: ConditionClause) -> Iterator[Finding]:
    op = parse_operator(clause.operator)
    if op is None:
        fix = suggest_operator(clause.operator)
        yield Finding("unknown-operator", _E, f"`{clause.operator[:80]}` is not a condition operator",
                      clause.operator_span,
                      f"did you mean `{fix}`?" if fix else f"see the list of operators: {URL_OPERATORS}")
        return
    if not clause.values:
        yield Finding("empty-condition-values", _W, f"`{clause.key[:80]}` lists no values, so this condition "
                      "can never be true", clause.span, "add the value(s) to compare with")
    spec = lookup_condition_key(clause.key)
    service = clause.key.partition(":")[0].lower()
    if spec is None:
        if service in CATALOGED_KEY_SERVICES and ":" in clause.key:
            fix = suggest_condition_key(clause.key)
            yield Finding("unknown-condition-key", _W,
                          f"`{clause.key[:80]}` is not a known {service}: condition key; the request never has it",
                          clause.span, f"did you mean `{fix}`?" if fix else
                          "see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html")
    else:
        if spec.deprecated:
            yield Finding("deprecated-condition-key", Severity.SUGGESTION,
                          f"`{clause.key[:80]}` is deprecated", clause.span, f"use `{spec.deprecated}` instead")
        if not spec.accepts(op.family):
            yield Finding("condition-type-mismatch", _W,
                          f"`{op.name}` compares {op.family.value.lower()} values, but `{spec.name}` holds "
                          f"{spec.family.value.lower()} values", clause.operator_span,
                          f"use a {spec.family.value} operator, e.g. `{_example_operator(spec.family)}`")
        if op.family is not OperatorFamily.NULL:
            if spec.multi_valued and op.set_prefix is None:
                yield Finding("missing-set-operator", _W,
                              f"`{spec.name}` can hold several values; `{op.name}` needs `ForAnyValue:` or "
                              "`ForAllValues:`", clause.operator_span,
                              f"write `ForAnyValue:{op.name}` (any value matches) or `ForAllValues:{op.name}`")
            if not spec.multi_valued and op.set_prefix is not None:
                yield Finding("set-operator-on-single-valued", _W,
                              f"`{spec.name}` is single-valued; `{op.set_prefix.value}:` makes the condition "
                              "behave unexpectedly", clause.operator_span, f"write `{op.base}` without the prefix")
    if op.set_prefix is SetPrefix.FOR_ALL_VALUES and stmt.effect is Effect.ALLOW and not op.negated:
        # AWS: ForAllValues returns true when the key is absent or empty (Access Analyzer warns)
        yield Finding("forallvalues-with-allow", _SEC,
                      f"`{op.name}` is true when the request has no `{clause.key[:80]}` at all, so this Allow also "
                      "applies to requests without it", clause.operator_span,
                      "add a `Null` condition requiring the key (`\"Null\": {\"<key>\": \"false\"}`), "
                      "or use `ForAnyValue:`")
    for v in clause.values:
        if op.family is OperatorFamily.NULL:
            if v.text.lower() not in ("true", "false"):
                yield Finding("invalid-null-value", _W, f"`Null` takes `true` or `false`, not `{v.text[:80]}`", v.span,
                              "`true`: the key is absent; `false`: the key is present")
            continue
        problem = _value_problem(op.family, v.text)
        if problem:
            yield Finding("invalid-condition-value", _W, f"`{v.text[:80]}` {problem}", v.span,
                          f"`{op.name}` compares {op.family.value.lower()} values")


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
