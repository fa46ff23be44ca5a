"""Condition operator names: split `ForAnyValue:StringLikeIfExists` into its parts.

Responsible for the vocabulary of condition operators (every operator on the IAM condition
operators page), their type family, negation, set prefix and `IfExists` suffix.
Must not: compare values (the condition evaluator does that).

# AWS: operators listed at
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
# SIMULATION: the AWS docs say context *key* names are case-insensitive but say nothing of
# operator names; they always spell operators exactly (StringEquals). We accept only the
# documented spelling, and `suggest_operator` offers the canonical spelling for a wrongly-cased or
# misspelt name, so the learner is told rather than silently matched.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from enum import StrEnum


class SetPrefix(StrEnum):
    FOR_ANY_VALUE = "ForAnyValue"
    FOR_ALL_VALUES = "ForAllValues"


class OperatorFamily(StrEnum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


@dataclass(frozen=True, slots=True)
class OperatorSpec:
    set_prefix: SetPrefix | None
    base: str  # canonical spelling without prefix or IfExists, e.g. "StringEquals"
    if_exists: bool
    family: OperatorFamily
    negated: bool

    @property
    def name(self) -> str:
        """The full canonical spelling, e.g. `ForAnyValue:StringLikeIfExists`."""
        prefix = f"{self.set_prefix.value}:" if self.set_prefix else ""
        return f"{prefix}{self.base}{'IfExists' if self.if_exists else ''}"

    @property
    def ignore_case(self) -> bool:
        return self.base.endswith("IgnoreCase")

    @property
    def is_like(self) -> bool:
        """Wildcards `*` and `?` are honoured (StringLike, StringNotLike, ArnLike, ArnNotLike)."""
        return self.base.endswith("Like")


_F = OperatorFamily
# base -> (family, negated)
BASE_OPERATORS: dict[str, tuple[OperatorFamily, bool]] = {
    "StringEquals": (_F.STRING, False),
    "StringNotEquals": (_F.STRING, True),
    "StringEqualsIgnoreCase": (_F.STRING, False),
    "StringNotEqualsIgnoreCase": (_F.STRING, True),
    "StringLike": (_F.STRING, False),
    "StringNotLike": (_F.STRING, True),
    "NumericEquals": (_F.NUMERIC, False),
    "NumericNotEquals": (_F.NUMERIC, True),
    "NumericLessThan": (_F.NUMERIC, False),
    "NumericLessThanEquals": (_F.NUMERIC, False),
    "NumericGreaterThan": (_F.NUMERIC, False),
    "NumericGreaterThanEquals": (_F.NUMERIC, False),
    "DateEquals": (_F.DATE, False),
    "DateNotEquals": (_F.DATE, True),
    "DateLessThan": (_F.DATE, False),
    "DateLessThanEquals": (_F.DATE, False),
    "DateGreaterThan": (_F.DATE, False),
    "DateGreaterThanEquals": (_F.DATE, False),
    "Bool": (_F.BOOL, False),
    "BinaryEquals": (_F.BINARY, False),
    "IpAddress": (_F.IP, False),
    "NotIpAddress": (_F.IP, True),
    "ArnEquals": (_F.ARN, False),
    "ArnLike": (_F.ARN, False),
    "ArnNotEquals": (_F.ARN, True),
    "ArnNotLike": (_F.ARN, True),
    "Null": (_F.NULL, False),
}

_MAX_NAME = 128


def parse_operator(name: object) -> OperatorSpec | None:
    """Split an operator as written in a policy; None if it is not a documented operator.

    `ForAnyValue:` / `ForAllValues:` prefixes and the `IfExists` suffix are recognised; `Null`
    takes neither IfExists (AWS: "Null" checks existence itself) nor a set prefix.
    """
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        return None
    return _parse_operator(name)


@functools.lru_cache(maxsize=1024)
def _parse_operator(name: str) -> OperatorSpec | None:
    rest = name
    prefix: SetPrefix | None = None
    head, colon, tail = rest.partition(":")
    if colon:
        try:
            prefix = SetPrefix(head)
        except ValueError:
            return None
        rest = tail
    if_exists = False
    if rest.endswith("IfExists") and rest != "IfExists":
        if_exists = True
        rest = rest[: -len("IfExists")]
    entry = BASE_OPERATORS.get(rest)
    if entry is None:
        return None
    family, negated = entry
    if family is OperatorFamily.NULL and (if_exists or prefix is not None):
        return None
    return OperatorSpec(prefix, rest, if_exists, family, negated)


def _all_names() -> tuple[str, ...]:
    names: list[str] = []
    for base, (family, _neg) in BASE_OPERATORS.items():
        names.append(base)
        if family is not OperatorFamily.NULL:
            names.append(base + "IfExists")
            for p in SetPrefix:
                names.append(f"{p.value}:{base}")
                names.append(f"{p.value}:{base}IfExists")
    return tuple(names)


ALL_OPERATOR_NAMES: tuple[str, ...] = _all_names()
_BY_LOWER = {n.lower(): n for n in ALL_OPERATOR_NAMES}


def suggest_operator(name: object) -> str | None:
    """The documented operator a wrong name most likely meant (case fix first, then difflib)."""
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        return None
    exact = _BY_LOWER.get(name.lower())
    if exact is not None:
        return exact if exact != name else None
    if name == "NullIfExists" or name.endswith(":Null"):
        return "Null"
    close = difflib.get_close_matches(name.lower(), list(_BY_LOWER), n=1, cutoff=0.75)
    return _BY_LOWER[close[0]] if close else None
