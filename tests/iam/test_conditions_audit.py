"""AWS-fidelity audit of condition evaluation: one row per documented example or edge case.

Each row cites the AWS page that states the behaviour.
"""

from __future__ import annotations

import pytest

from kmslab.iam.conditions import evaluate_condition
from kmslab.iam.policy import ConditionClause, Value

OPS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html"
COND = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html"
VARS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"


def clause(op: str, key: str, *values: str) -> ConditionClause:
    return ConditionClause(op, key, tuple(Value(v) for v in values))


def ctx(pairs: dict[str, object]) -> dict[str, tuple[str, ...]]:
    return {k.lower(): tuple(v) if isinstance(v, (list, tuple)) else (str(v),) for k, v in pairs.items()}


TAGS = "aws:TagKeys"
ECK = "kms:EncryptionContextKeys"
T = True
F = False
TABLE: list[tuple[str, str, str, tuple[str, ...], dict[str, object], bool, str]] = [
    # --- String operators (OPS#Conditions_String)
    ("stringequals-exact", "StringEquals", "aws:username", ("johndoe",), {"aws:username": "johndoe"}, T, COND),
    ("stringequals-value-case-sensitive", "StringEquals", "aws:username", ("johndoe",), {"aws:username": "JohnDoe"}, F, COND),
    ("stringequals-key-name-case-insensitive", "StringEquals", "AWS:UserName", ("johndoe",), {"aws:username": "johndoe"}, T, COND),
    ("stringequalsignorecase-value", "StringEqualsIgnoreCase", "aws:username", ("JOHNDOE",), {"aws:username": "johndoe"}, T, COND),
    ("stringequals-no-wildcards", "StringEquals", "aws:username", ("john*",), {"aws:username": "johndoe"}, F, OPS),
    ("stringequals-literal-star-matches-star", "StringEquals", "aws:username", ("john*",), {"aws:username": "john*"}, T, OPS),
    ("stringlike-star", "StringLike", "s3:prefix", ("home/*",), {"s3:prefix": "home/jane/x"}, T, OPS),
    ("stringlike-star-crosses-slash", "StringLike", "s3:prefix", ("home/*",), {"s3:prefix": "home/a/b/c"}, T, OPS),
    ("stringlike-qmark-one-char", "StringLike", "s3:prefix", ("file?.txt",), {"s3:prefix": "file1.txt"}, T, OPS),
    ("stringlike-qmark-not-zero", "StringLike", "s3:prefix", ("file?.txt",), {"s3:prefix": "file.txt"}, F, OPS),
    ("stringlike-qmark-not-two", "StringLike", "s3:prefix", ("file?.txt",), {"s3:prefix": "file12.txt"}, F, OPS),
    ("stringlike-case-sensitive", "StringLike", "s3:prefix", ("Home/*",), {"s3:prefix": "home/x"}, F, OPS),
    ("stringlike-star-empty-run", "StringLike", "s3:prefix", ("home/*",), {"s3:prefix": "home/"}, T, OPS),
    ("stringlike-or-values", "StringLike", "s3:prefix", ("a/*", "home/*"), {"s3:prefix": "home/x"}, T, COND),
    ("stringnotlike-match-false", "StringNotLike", "s3:prefix", ("home/*",), {"s3:prefix": "home/x"}, F, OPS),
    ("stringnotlike-other-true", "StringNotLike", "s3:prefix", ("home/*",), {"s3:prefix": "work/x"}, T, OPS),
    # negated operators with several values are a NOR (COND: "negated matching condition operator")
    ("stringnotequals-nor-first", "StringNotEquals", "aws:PrincipalTag/team", ("a", "b"), {"aws:PrincipalTag/team": "a"}, F, COND),
    ("stringnotequals-nor-second", "StringNotEquals", "aws:PrincipalTag/team", ("a", "b"), {"aws:PrincipalTag/team": "b"}, F, COND),
    ("stringnotequals-nor-none", "StringNotEquals", "aws:PrincipalTag/team", ("a", "b"), {"aws:PrincipalTag/team": "c"}, T, COND),
    ("stringnotequals-absent-true", "StringNotEquals", "aws:PrincipalTag/team", ("a",), {}, T, COND),
    ("stringnotequalsignorecase", "StringNotEqualsIgnoreCase", "aws:PrincipalTag/team", ("A",), {"aws:PrincipalTag/team": "a"}, F, OPS),
    ("stringequals-absent-false", "StringEquals", "aws:PrincipalTag/team", ("a",), {}, F, COND),
    # --- multi-valued keys (MULTI)
    ("forallvalues-subset", "ForAllValues:StringEquals", TAGS, ("a", "b", "c"), {TAGS: ["a", "b"]}, T, MULTI),
    ("forallvalues-not-subset", "ForAllValues:StringEquals", TAGS, ("a",), {TAGS: ["a", "b"]}, F, MULTI),
    ("forallvalues-absent-true", "ForAllValues:StringEquals", TAGS, ("a",), {}, T, MULTI),
    ("forallvalues-empty-true", "ForAllValues:StringEquals", TAGS, ("a",), {TAGS: []}, T, MULTI),
    ("forallvalues-like", "ForAllValues:StringLike", TAGS, ("env*",), {TAGS: ["env1", "env2"]}, T, MULTI),
    ("foranyvalue-one-matches", "ForAnyValue:StringEquals", TAGS, ("a",), {TAGS: ["x", "a"]}, T, MULTI),
    ("foranyvalue-none", "ForAnyValue:StringEquals", TAGS, ("a",), {TAGS: ["x", "y"]}, F, MULTI),
    ("foranyvalue-absent-false", "ForAnyValue:StringEquals", TAGS, ("a",), {}, F, MULTI),
    ("foranyvalue-notequals-one-outside", "ForAnyValue:StringNotEquals", TAGS, ("a",), {TAGS: ["a", "b"]}, T, MULTI),
    ("foranyvalue-notequals-all-inside", "ForAnyValue:StringNotEquals", TAGS, ("a", "b"), {TAGS: ["a", "b"]}, F, MULTI),
    ("forallvalues-notequals-none-listed", "ForAllValues:StringNotEquals", TAGS, ("a",), {TAGS: ["x", "y"]}, T, MULTI),
    ("forallvalues-notequals-one-listed", "ForAllValues:StringNotEquals", TAGS, ("a",), {TAGS: ["x", "a"]}, F, MULTI),
    ("forallvalues-ifexists-absent", "ForAllValues:StringEqualsIfExists", TAGS, ("a",), {}, T, MULTI),
    ("foranyvalue-ifexists-absent", "ForAnyValue:StringEqualsIfExists", TAGS, ("a",), {}, T, OPS),
    # --- IfExists (OPS#Conditions_IfExists)
    ("ifexists-absent-true", "StringLikeIfExists", "ec2:InstanceType", ("t1.*", "t2.*"), {}, T, OPS),
    ("ifexists-present-match", "StringLikeIfExists", "ec2:InstanceType", ("t1.*", "t2.*"), {"ec2:InstanceType": "t2.micro"}, T, OPS),
    ("ifexists-present-mismatch", "StringLikeIfExists", "ec2:InstanceType", ("t1.*", "t2.*"), {"ec2:InstanceType": "m5.large"}, F, OPS),
    ("numeric-ifexists-absent", "NumericLessThanIfExists", "s3:max-keys", ("10",), {}, T, OPS),
    ("notequals-ifexists-absent", "StringNotEqualsIfExists", "aws:PrincipalTag/team", ("a",), {}, T, OPS),
    # --- Null (OPS#Conditions_Null)
    ("null-true-absent", "Null", "aws:TokenIssueTime", ("true",), {}, T, OPS),
    ("null-true-present", "Null", "aws:TokenIssueTime", ("true",), {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, F, OPS),
    ("null-false-present", "Null", "aws:TokenIssueTime", ("false",), {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}, T, OPS),
    ("null-false-absent", "Null", "aws:TokenIssueTime", ("false",), {}, F, OPS),
    # --- Bool (OPS#Conditions_Boolean)
    ("bool-true", "Bool", "aws:SecureTransport", ("true",), {"aws:SecureTransport": "true"}, T, OPS),
    ("bool-false-vs-true", "Bool", "aws:SecureTransport", ("false",), {"aws:SecureTransport": "true"}, F, OPS),
    ("bool-absent-false", "Bool", "aws:SecureTransport", ("false",), {}, F, OPS),
    ("bool-ifexists-absent", "BoolIfExists", "aws:MultiFactorAuthPresent", ("false",), {}, T, OPS),
    # --- Numeric (OPS#Conditions_Numeric)
    ("numeric-lt", "NumericLessThanEquals", "s3:max-keys", ("10",), {"s3:max-keys": "10"}, T, OPS),
    ("numeric-gt-false", "NumericLessThanEquals", "s3:max-keys", ("10",), {"s3:max-keys": "11"}, F, OPS),
    ("numeric-float", "NumericEquals", "s3:max-keys", ("10",), {"s3:max-keys": "10.0"}, T, OPS),
    ("numeric-not-a-number", "NumericLessThan", "s3:max-keys", ("10",), {"s3:max-keys": "ten"}, F, OPS),
    ("numeric-policy-not-a-number", "NumericLessThan", "s3:max-keys", ("ten",), {"s3:max-keys": "5"}, F, OPS),
    ("numeric-underscore-not-a-number", "NumericEquals", "s3:max-keys", ("1000",), {"s3:max-keys": "1_000"}, F, OPS),
    ("numeric-notequals", "NumericNotEquals", "s3:max-keys", ("10",), {"s3:max-keys": "5"}, T, OPS),
    # --- Date (OPS#Conditions_Date): ISO 8601 or epoch
    ("date-iso-lt", "DateLessThan", "aws:CurrentTime", ("2020-04-01T00:00:00Z",), {"aws:CurrentTime": "2020-03-31T23:59:59Z"}, T, OPS),
    ("date-iso-gt", "DateLessThan", "aws:CurrentTime", ("2020-04-01T00:00:00Z",), {"aws:CurrentTime": "2020-04-01T00:00:01Z"}, F, OPS),
    ("date-epoch-policy", "DateGreaterThan", "aws:CurrentTime", ("1585699200",), {"aws:CurrentTime": "2020-04-01T00:00:01Z"}, T, OPS),
    ("date-epoch-equals-iso", "DateEquals", "aws:CurrentTime", ("1585699200",), {"aws:CurrentTime": "2020-04-01T00:00:00Z"}, T, OPS),
    ("date-garbage", "DateLessThan", "aws:CurrentTime", ("someday",), {"aws:CurrentTime": "2020-04-01T00:00:00Z"}, F, OPS),
    # --- IP (OPS#Conditions_IPAddress)
    ("ip-v4-cidr", "IpAddress", "aws:SourceIp", ("203.0.113.0/24",), {"aws:SourceIp": "203.0.113.7"}, T, OPS),
    ("ip-v4-outside", "IpAddress", "aws:SourceIp", ("203.0.113.0/24",), {"aws:SourceIp": "203.0.114.7"}, F, OPS),
    ("ip-v4-single", "IpAddress", "aws:SourceIp", ("203.0.113.7",), {"aws:SourceIp": "203.0.113.7"}, T, OPS),
    ("ip-v6-cidr", "IpAddress", "aws:SourceIp", ("2001:DB8:1234:5678::/64",), {"aws:SourceIp": "2001:db8:1234:5678::1"}, T, OPS),
    ("ip-v6-outside", "IpAddress", "aws:SourceIp", ("2001:DB8:1234:5678::/64",), {"aws:SourceIp": "2001:db8:1234:5679::1"}, F, OPS),
    ("notip-inside", "NotIpAddress", "aws:SourceIp", ("203.0.113.0/24",), {"aws:SourceIp": "203.0.113.7"}, F, OPS),
    ("notip-outside", "NotIpAddress", "aws:SourceIp", ("203.0.113.0/24",), {"aws:SourceIp": "198.51.100.1"}, T, OPS),
    ("notip-absent", "NotIpAddress", "aws:SourceIp", ("203.0.113.0/24",), {}, T, COND),
    ("ip-not-an-ip", "IpAddress", "aws:SourceIp", ("203.0.113.0/24",), {"aws:SourceIp": "example.com"}, F, OPS),
    # --- ARN (OPS#Conditions_ARN): six colon-delimited parts, each with wildcards
    ("arnequals-exact", "ArnEquals", "aws:SourceArn", ("arn:aws:cloudtrail:us-east-1:111122223333:trail/t",), {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}, T, OPS),
    ("arnlike-region-star", "ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:111122223333:trail/*",), {"aws:SourceArn": "arn:aws:cloudtrail:eu-west-1:111122223333:trail/t"}, T, OPS),
    ("arnlike-star-does-not-cross-colon", "ArnLike", "aws:SourceArn", ("arn:aws:*",), {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}, F, OPS),
    ("arnlike-each-part", "ArnLike", "aws:SourceArn", ("arn:aws:*:*:*:*",), {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}, T, OPS),
    ("arnlike-resource-keeps-colons", "ArnLike", "aws:SourceArn", ("arn:aws:logs:*:*:log-group:*",), {"aws:SourceArn": "arn:aws:logs:us-east-1:1:log-group:g:*"}, T, OPS),
    ("arnlike-wrong-account", "ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:111122223333:trail/*",), {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:444455556666:trail/t"}, F, OPS),
    ("arnnotlike-absent", "ArnNotLike", "aws:SourceArn", ("arn:aws:s3:::b",), {}, T, COND),
    ("arnlike-not-an-arn", "ArnLike", "aws:SourceArn", ("arn:aws:s3:::*",), {"aws:SourceArn": "bucket"}, F, OPS),
    # --- kms:EncryptionContext:<key>: the whole condition key name is case-insensitive, values are not
    ("ec-key-case-insensitive", "StringEquals", "kms:EncryptionContext:AppName", ("ExampleApp",), {"kms:EncryptionContext:appname": "ExampleApp"}, T, COND),
    ("ec-value-case-sensitive", "StringEquals", "kms:EncryptionContext:AppName", ("ExampleApp",), {"kms:EncryptionContext:AppName": "exampleapp"}, F, COND),
    ("eckeys-stringequals-is-case-sensitive", "ForAllValues:StringEquals", ECK, ("AppName",), {ECK: ["appname"]}, F, COND),
]


@pytest.mark.parametrize(("op", "key", "values", "context", "expected", "url"), [r[1:] for r in TABLE], ids=[r[0] for r in TABLE])
def test_condition_audit_matches_aws(op: str, key: str, values: tuple[str, ...], context: dict[str, object],
                                     expected: bool, url: str) -> None:
    assert url.startswith("https://docs.aws.amazon.com/")
    assert evaluate_condition(clause(op, key, *values), ctx(context)).matched is expected


VAR_TABLE = [
    # (id, op, values, context, variables-on, expected)
    ("username-variable", "StringLike", ("home/${aws:username}/*",), {"s3:prefix": "home/bob/x", "aws:username": "bob"}, T, T),
    ("username-variable-other-user", "StringLike", ("home/${aws:username}/*",), {"s3:prefix": "home/eve/x", "aws:username": "bob"}, T, F),
    ("variable-missing-no-match", "StringLike", ("home/${aws:username}/*",), {"s3:prefix": "home/bob/x"}, T, F),
    ("variable-default", "StringLike", ("home/${aws:username, 'guest'}/*",), {"s3:prefix": "home/guest/x"}, T, T),
    ("literal-star-variable", "StringEquals", ("a${*}b",), {"s3:prefix": "a*b"}, T, T),
    ("literal-star-not-wildcard", "StringLike", ("a${*}b",), {"s3:prefix": "axxb"}, T, F),
    ("version-2008-literal", "StringEquals", ("${aws:username}",), {"s3:prefix": "${aws:username}", "aws:username": "bob"}, F, T),
    ("multi-valued-variable-no-match", "StringEquals", ("${aws:TagKeys}",), {"s3:prefix": "a", "aws:TagKeys": ["a", "b"]}, T, F),
]


@pytest.mark.parametrize(("op", "values", "context", "variables", "expected"), [r[1:] for r in VAR_TABLE], ids=[r[0] for r in VAR_TABLE])
def test_condition_variables_audit_matches_aws(op: str, values: tuple[str, ...], context: dict[str, object],
                                               variables: bool, expected: bool) -> None:
    # AWS: VARS (policy variables; Version 2012-10-17 only; a missing variable makes the element not match)
    got = evaluate_condition(clause(op, "s3:prefix", *values), ctx(context), variables=variables)
    assert got.matched is expected


def test_condition_memo_never_serves_another_context() -> None:
    # The same clause object evaluated against changing contexts: every answer must be fresh.
    c = clause("StringEquals", "aws:username", "bob")
    answers = [evaluate_condition(c, ctx({"aws:username": u})).matched for u in ("bob", "eve", "bob", "Bob")]
    assert answers == [True, False, True, False]


def test_condition_variables_never_memoised_across_users() -> None:
    c = clause("StringEquals", "s3:prefix", "${aws:username}")
    first = evaluate_condition(c, ctx({"s3:prefix": "bob", "aws:username": "bob"})).matched
    second = evaluate_condition(c, ctx({"s3:prefix": "bob", "aws:username": "eve"})).matched
    assert (first, second) == (True, False)
