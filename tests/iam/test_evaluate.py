from __future__ import annotations

import json

import pytest

from kmslab.iam.authorize import derived_context
from kmslab.iam.decision import Element, Gate, Request
from kmslab.iam.evaluate import evaluate_statement
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Effect, Policy, PolicyKind, Statement, ValueBlock, Value
from kmslab.iam.principals import caller_from_arn

KEY = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def make_request(caller: str = "arn:aws:iam::111122223333:user/bob", action: str = "kms:Decrypt",
                 resource: str = KEY, **context: str) -> Request:
    who = caller_from_arn(caller)
    ctx = {k: (v,) for k, v in context.items()}
    ctx.update(derived_context(who))
    return Request(who, action, resource, "111122223333", ctx)


def policy(kind: PolicyKind, *statements: dict, version: str = "2012-10-17") -> Policy:
    result = parse_policy(json.dumps({"Version": version, "Statement": list(statements)}), kind)
    assert result.policy is not None, result.findings
    return result.policy


def run(p: Policy, req: Request, gate: Gate = Gate.IAM_POLICY):
    return evaluate_statement(p.statements[0], p, req, gate, policy_name="p")


IAM_TABLE = [
    ("exact", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}, True),
    ("action-case", {"Effect": "Allow", "Action": "KMS:DECRYPT", "Resource": KEY}, True),
    ("action-other", {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": KEY}, False),
    ("notaction", {"Effect": "Allow", "NotAction": "kms:Encrypt", "Resource": KEY}, True),
    ("notaction-excludes", {"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": KEY}, False),
    ("resource-star", {"Effect": "Allow", "Action": "kms:*", "Resource": "*"}, True),
    ("resource-wildcard", {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:111122223333:key/*"}, True),
    ("resource-alias", {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:us-west-2:111122223333:alias/a"}, False),
    ("resource-other-key", {"Effect": "Allow", "Action": "kms:*", "Resource": KEY[:-1] + "c"}, False),
    ("notresource", {"Effect": "Allow", "Action": "kms:*", "NotResource": KEY}, False),
    ("resource-variable", {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:${aws:PrincipalAccount}:key/*"}, True),
    ("condition-fails", {"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.x"}}}, False),
]


@pytest.mark.parametrize(("stmt", "applies"), [t[1:] for t in IAM_TABLE], ids=[t[0] for t in IAM_TABLE])
def test_evaluate_identity_statement_applies_as_expected(stmt: dict, applies: bool) -> None:
    assert run(policy(PolicyKind.IDENTITY, stmt), make_request()).applies is applies


def test_evaluate_statement_has_one_check_per_element() -> None:
    p = policy(PolicyKind.KEY_POLICY, {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:Decrypt",
                                       "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.x"},
                                                                      "Bool": {"aws:SecureTransport": "true"}}})
    r = run(p, make_request(**{"kms:ViaService": "s3.x"}), Gate.KEY_POLICY)
    assert [c.element for c in r.checks] == [Element.PRINCIPAL, Element.ACTION, Element.RESOURCE,
                                             Element.CONDITION, Element.CONDITION]
    assert not r.applies
    assert [c.key for c in r.failed_checks] == ["aws:SecureTransport"]


def test_evaluate_key_policy_star_resource_means_this_key() -> None:
    p = policy(PolicyKind.KEY_POLICY, {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
    assert run(p, make_request(), Gate.KEY_POLICY).applies


def test_evaluate_old_version_resource_variable_is_literal() -> None:
    p = policy(PolicyKind.IDENTITY, {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:${aws:PrincipalAccount}:key/*"},
               version="2008-10-17")
    assert not run(p, make_request()).applies


def test_evaluate_erroring_statement_never_applies() -> None:
    stmt = Statement(0, None, Effect.ALLOW, None, ValueBlock(False, (Value("kms:*"),)), None)
    p = Policy(PolicyKind.IDENTITY, "2012-10-17", (stmt,))
    r = run(p, make_request())
    assert not r.applies and "Resource" in r.error


def test_evaluate_unknown_operator_is_reported_as_error() -> None:
    from kmslab.iam.policy import ConditionClause
    stmt = Statement(0, None, Effect.ALLOW, None, ValueBlock(False, (Value("kms:*"),)), ValueBlock(False, (Value("*"),)),
                     (ConditionClause("StringEqualz", "k", (Value("v"),)),))
    r = run(Policy(PolicyKind.IDENTITY, "2012-10-17", (stmt,)), make_request())
    assert not r.applies and "StringEqualz" in r.error


def test_evaluate_key_policy_without_principal_errors() -> None:
    stmt = Statement(0, None, Effect.ALLOW, None, ValueBlock(False, (Value("kms:*"),)), ValueBlock(False, (Value("*"),)))
    r = run(Policy(PolicyKind.KEY_POLICY, "2012-10-17", (stmt,)), make_request(), Gate.KEY_POLICY)
    assert not r.applies and "Principal" in r.error


def test_evaluate_memo_never_returns_a_stale_result() -> None:
    p = policy(PolicyKind.KEY_POLICY, {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "kms:Decrypt",
                                       "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.x"}}})
    seq = [("s3.x", "arn:aws:iam::111122223333:user/bob", "kms:Decrypt", True),
           ("ec2.x", "arn:aws:iam::111122223333:user/bob", "kms:Decrypt", False),
           ("s3.x", "arn:aws:iam::444455556666:user/bob", "kms:Decrypt", False),
           ("s3.x", "arn:aws:iam::111122223333:user/bob", "kms:Encrypt", False),
           ("s3.x", "arn:aws:iam::111122223333:user/bob", "kms:Decrypt", True)]
    for via, caller, action, applies in seq * 2:
        r = run(p, make_request(caller, action, **{"kms:ViaService": via}), Gate.KEY_POLICY)
        assert r.applies is applies, (via, caller, action)
        assert r.checks[-1].got == (via,)
