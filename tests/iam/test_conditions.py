from __future__ import annotations

import pytest

from kmslab.iam.conditions import ConditionError, evaluate_condition
from kmslab.iam.decision import Element
from kmslab.iam.policy import ConditionClause, Value


def clause(op: str, key: str, *values: str) -> ConditionClause:
    return ConditionClause(op, key, tuple(Value(v) for v in values))


def ctx(**pairs: object) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for k, v in pairs.items():
        key = k.replace("__", ":").lower()
        out[key] = tuple(v) if isinstance(v, (list, tuple)) else (str(v),)
    return out


VIA = "kms__ViaService"
TABLE = [
    # (id, operator, key, values, context, expected)
    ("equals-match", "StringEquals", "kms:ViaService", ("s3.us-east-1.amazonaws.com",), ctx(**{VIA: "s3.us-east-1.amazonaws.com"}), True),
    ("equals-case-sensitive", "StringEquals", "kms:ViaService", ("S3.us-east-1.amazonaws.com",), ctx(**{VIA: "s3.us-east-1.amazonaws.com"}), False),
    ("equals-key-case-insensitive", "StringEquals", "KMS:VIASERVICE", ("s3.x",), ctx(**{VIA: "s3.x"}), True),
    ("equals-or-of-values", "StringEquals", "kms:ViaService", ("ec2.x", "s3.x"), ctx(**{VIA: "s3.x"}), True),
    ("equals-absent", "StringEquals", "kms:ViaService", ("s3.x",), ctx(), False),
    ("not-equals-absent-matches", "StringNotEquals", "kms:ViaService", ("s3.x",), ctx(), True),
    ("not-equals-nor", "StringNotEquals", "kms:ViaService", ("ec2.x", "s3.x"), ctx(**{VIA: "s3.x"}), False),
    ("not-equals-other", "StringNotEquals", "kms:ViaService", ("ec2.x",), ctx(**{VIA: "s3.x"}), True),
    ("ignorecase", "StringEqualsIgnoreCase", "kms:ViaService", ("S3.X",), ctx(**{VIA: "s3.x"}), True),
    ("not-ignorecase", "StringNotEqualsIgnoreCase", "kms:ViaService", ("S3.X",), ctx(**{VIA: "s3.x"}), False),
    ("like", "StringLike", "kms:ViaService", ("s3.*",), ctx(**{VIA: "s3.x"}), True),
    ("not-like-absent", "StringNotLike", "kms:ViaService", ("s3.*",), ctx(), True),
    ("not-like-present", "StringNotLike", "kms:ViaService", ("s3.*",), ctx(**{VIA: "s3.x"}), False),
    ("ifexists-absent", "StringEqualsIfExists", "kms:ViaService", ("s3.x",), ctx(), True),
    ("ifexists-present-mismatch", "StringEqualsIfExists", "kms:ViaService", ("s3.x",), ctx(**{VIA: "ec2.x"}), False),
    ("null-true-absent", "Null", "kms:ViaService", ("true",), ctx(), True),
    ("null-true-present", "Null", "kms:ViaService", ("true",), ctx(**{VIA: "s3.x"}), False),
    ("null-false-present", "Null", "kms:ViaService", ("false",), ctx(**{VIA: "s3.x"}), True),
    ("null-false-absent", "Null", "kms:ViaService", ("false",), ctx(), False),
    ("forall-absent", "ForAllValues:StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(), True),
    ("forall-subset", "ForAllValues:StringEquals", "kms:EncryptionContextKeys", ("a", "b"), ctx(kms__EncryptionContextKeys=["a"]), True),
    ("forall-extra", "ForAllValues:StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["a", "c"]), False),
    ("forany-absent", "ForAnyValue:StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(), False),
    ("forany-one", "ForAnyValue:StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["c", "a"]), True),
    ("forany-none", "ForAnyValue:StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["c"]), False),
    ("forany-negated", "ForAnyValue:StringNotEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["a", "c"]), True),
    ("forall-negated", "ForAllValues:StringNotEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["a", "c"]), False),
    ("single-op-multi-value-any", "StringEquals", "kms:EncryptionContextKeys", ("a",), ctx(kms__EncryptionContextKeys=["c", "a"]), True),
    ("bool-true", "Bool", "kms:GrantIsForAWSResource", ("true",), ctx(kms__GrantIsForAWSResource="True"), True),
    ("bool-false", "Bool", "kms:GrantIsForAWSResource", ("true",), ctx(kms__GrantIsForAWSResource="false"), False),
    ("numeric-lt", "NumericLessThan", "kms:RecipientAttestation:X", ("10",), ctx(**{"kms__RecipientAttestation__X": "9"}), True),
    ("numeric-gte", "NumericGreaterThanEquals", "n", ("10",), ctx(n="10"), True),
    ("numeric-bad", "NumericEquals", "n", ("ten",), ctx(n="10"), False),
    ("numeric-not-equals", "NumericNotEquals", "n", ("10",), ctx(n="11"), True),
    ("date-iso-lt", "DateLessThan", "aws:CurrentTime", ("2030-01-01T00:00:00Z",), ctx(aws__CurrentTime="2026-11-29T03:00:00Z"), True),
    ("date-epoch", "DateGreaterThan", "aws:CurrentTime", ("1000",), ctx(aws__CurrentTime="2026-11-29T03:00:00Z"), True),
    ("date-not-equals", "DateNotEquals", "aws:CurrentTime", ("2026-11-29T03:00:00Z",), ctx(aws__CurrentTime="2026-11-29T03:00:00Z"), False),
    ("ip-in", "IpAddress", "aws:SourceIp", ("203.0.113.0/24",), ctx(aws__SourceIp="203.0.113.7"), True),
    ("ip-out", "IpAddress", "aws:SourceIp", ("203.0.113.0/24",), ctx(aws__SourceIp="198.51.100.1"), False),
    ("not-ip-absent", "NotIpAddress", "aws:SourceIp", ("203.0.113.0/24",), ctx(), True),
    ("ipv6", "IpAddress", "aws:SourceIp", ("2001:db8::/32",), ctx(aws__SourceIp="2001:db8::1"), True),
    ("arn-like-parts", "ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:111122223333:trail/*",), ctx(aws__SourceArn="arn:aws:cloudtrail:us-east-1:111122223333:trail/t"), True),
    ("arn-like-account", "ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:111122223333:trail/*",), ctx(aws__SourceArn="arn:aws:cloudtrail:us-east-1:444455556666:trail/t"), False),
    ("arn-like-star-does-not-cross-colon", "ArnLike", "aws:SourceArn", ("arn:aws:*",), ctx(aws__SourceArn="arn:aws:s3:::b"), False),
    ("arn-equals", "ArnEquals", "aws:SourceArn", ("arn:aws:s3:::b",), ctx(aws__SourceArn="arn:aws:s3:::b"), True),
    ("arn-not-like-absent", "ArnNotLike", "aws:SourceArn", ("arn:aws:s3:::b",), ctx(), True),
    ("binary", "BinaryEquals", "k", ("QmluYXJ5",), ctx(k="QmluYXJ5"), True),
    ("binary-differs", "BinaryEquals", "k", ("QmluYXJ5",), ctx(k="QmluYXJ6"), False),
    ("variable-username", "StringEquals", "kms:EncryptionContext:owner", ("${aws:username}",), ctx(aws__username="bob", **{"kms__EncryptionContext__owner": "bob"}), True),
    ("variable-missing", "StringEquals", "kms:EncryptionContext:owner", ("${aws:username}",), ctx(**{"kms__EncryptionContext__owner": "bob"}), False),
    ("variable-default", "StringEquals", "kms:EncryptionContext:owner", ("${aws:username, 'nobody'}",), ctx(**{"kms__EncryptionContext__owner": "nobody"}), True),
    ("variable-literal-star", "StringLike", "k", ("a${*}",), ctx(k="a*"), True),
    ("variable-literal-star-not-wild", "StringLike", "k", ("a${*}",), ctx(k="ab"), False),
    ("ec-key-case-insensitive", "StringEquals", "kms:EncryptionContext:AppName", ("X",), ctx(**{"kms__encryptioncontext__appname": "X"}), True),
]


@pytest.mark.parametrize(("op", "key", "values", "context", "expected"), [t[1:] for t in TABLE], ids=[t[0] for t in TABLE])
def test_condition_operator_table_gives_expected(op: str, key: str, values: tuple[str, ...], context: dict[str, tuple[str, ...]],
                                                 expected: bool) -> None:
    check = evaluate_condition(clause(op, key, *values), context)
    assert check.matched is expected
    assert check.element is Element.CONDITION
    assert check.operator == op and check.key == key


def test_condition_variables_off_for_old_version_are_literal() -> None:
    c = clause("StringEquals", "k", "${aws:username}")
    context = ctx(k="${aws:username}", aws__username="bob")
    assert evaluate_condition(c, context, variables=False).matched
    assert not evaluate_condition(c, context, variables=True).matched


def test_condition_unknown_operator_raises_condition_error() -> None:
    with pytest.raises(ConditionError, match="StringEqual"):
        evaluate_condition(clause("StringEqual", "k", "v"), ctx())


def test_condition_check_reports_wanted_and_got() -> None:
    check = evaluate_condition(clause("StringEquals", "kms:EncryptionContext:app", "billing"),
                               ctx(**{"kms__EncryptionContext__app": "payroll"}))
    assert (check.wanted, check.got, check.matched) == (("billing",), ("payroll",), False)


def test_condition_absent_key_note_explains_ifexists() -> None:
    check = evaluate_condition(clause("StringLikeIfExists", "kms:ViaService", "s3.*"), ctx())
    assert check.matched and "IfExists" in check.note
