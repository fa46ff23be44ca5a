import pytest

from kmslab.iam.operators import (
    ALL_OPERATOR_NAMES,
    BASE_OPERATORS,
    OperatorFamily,
    SetPrefix,
    parse_operator,
    suggest_operator,
)


@pytest.mark.parametrize(
    ("name", "prefix", "base", "if_exists", "family", "negated"),
    [
        ("StringEquals", None, "StringEquals", False, OperatorFamily.STRING, False),
        ("StringNotEqualsIgnoreCase", None, "StringNotEqualsIgnoreCase", False, OperatorFamily.STRING, True),
        ("ForAnyValue:StringLikeIfExists", SetPrefix.FOR_ANY_VALUE, "StringLike", True, OperatorFamily.STRING, False),
        ("ForAllValues:StringEquals", SetPrefix.FOR_ALL_VALUES, "StringEquals", False, OperatorFamily.STRING, False),
        ("NumericLessThanEqualsIfExists", None, "NumericLessThanEquals", True, OperatorFamily.NUMERIC, False),
        ("DateNotEquals", None, "DateNotEquals", False, OperatorFamily.DATE, True),
        ("Bool", None, "Bool", False, OperatorFamily.BOOL, False),
        ("BoolIfExists", None, "Bool", True, OperatorFamily.BOOL, False),
        ("BinaryEquals", None, "BinaryEquals", False, OperatorFamily.BINARY, False),
        ("NotIpAddress", None, "NotIpAddress", False, OperatorFamily.IP, True),
        ("ArnNotLike", None, "ArnNotLike", False, OperatorFamily.ARN, True),
        ("ArnEquals", None, "ArnEquals", False, OperatorFamily.ARN, False),
        ("Null", None, "Null", False, OperatorFamily.NULL, False),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_operator_splits_documented_names(name, prefix, base, if_exists, family, negated):
    spec = parse_operator(name)
    assert spec is not None
    assert (spec.set_prefix, spec.base, spec.if_exists, spec.family, spec.negated) == (
        prefix, base, if_exists, family, negated)
    assert spec.name == name


@pytest.mark.parametrize(
    "name",
    ["NullIfExists", "ForAnyValue:Null", "stringequals", "StringEqual", "ForAny:StringEquals",
     "ForAnyValue:", "IfExists", "", "StringEqualsIfExistsIfExists", None, 3, "ForAnyValue:ForAllValues:StringEquals"],
    ids=["null-ifexists", "null-prefix", "lowercase", "typo", "bad-prefix", "prefix-only", "ifexists-only",
         "empty", "double-ifexists", "none", "int", "double-prefix"],
)
def test_parse_operator_rejects_undocumented(name):
    assert parse_operator(name) is None


def test_parse_operator_accepts_every_generated_name():
    assert len(BASE_OPERATORS) == 27
    for name in ALL_OPERATOR_NAMES:
        spec = parse_operator(name)
        assert spec is not None and spec.name == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [("stringequals", "StringEquals"), ("StringEqual", "StringEquals"), ("NullIfExists", "Null"),
     ("forallvalues:stringlike", "ForAllValues:StringLike"), ("Zzzzzz", None), ("StringEquals", None)],
    ids=["case", "typo", "null-ifexists", "prefixed-case", "nothing-close", "already-right"],
)
def test_suggest_operator_offers_canonical_spelling(name, expected):
    assert suggest_operator(name) == expected


def test_operator_spec_flags_like_and_ignore_case():
    like = parse_operator("ArnLike")
    ic = parse_operator("StringEqualsIgnoreCase")
    assert like is not None and like.is_like and not like.ignore_case
    assert ic is not None and ic.ignore_case and not ic.is_like
