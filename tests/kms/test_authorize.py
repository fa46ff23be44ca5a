from __future__ import annotations

import pytest

from kmslab.iam.decision import DenyReason, Gate, Verdict
from kmslab.iam.principals import InvalidCallerError
from kmslab.kms.authorize import KeyArnError, authorize_kms
from kmslab.kms.grants import Grant, GrantConstraints
from tests.kms.golden.builders import (ALICE, BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt, seed_bob_policy,
                                       seed_key_policy)

ALLOW_ALICE = {"Sid": "AllowAlice", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Decrypt", "Resource": "*"}
IAM_DECRYPT = iam_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})

RULES = [
    ("principal-direct", ALICE, key_policy(ALLOW_ALICE), (), Verdict.ALLOWED, "key-policy-allows-principal", DenyReason.NONE),
    ("enables-iam", ALICE, key_policy(root_stmt()), (IAM_DECRYPT,), Verdict.ALLOWED, "key-policy-enables-iam", DenyReason.NONE),
    ("iam-ignored-without-root", ALICE, key_policy({**ALLOW_ALICE, "Action": "kms:Encrypt"}), (IAM_DECRYPT,), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_RESOURCE_POLICY_ALLOWS),
    ("root-but-no-iam", ALICE, key_policy(root_stmt()), (), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("root-statement-limited-action", ALICE, key_policy({**root_stmt(), "Action": "kms:Describe*"}), (IAM_DECRYPT,), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_RESOURCE_POLICY_ALLOWS),
    ("cross-both", BOB, key_policy(root_stmt(), root_stmt(EXT, "Ext")), (IAM_DECRYPT,), Verdict.ALLOWED, "cross-account-both-allow", DenyReason.NONE),
    ("cross-key-only", BOB, key_policy(root_stmt(EXT, "Ext")), (), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("cross-direct-still-needs-iam", BOB, key_policy({**ALLOW_ALICE, "Principal": {"AWS": BOB}}), (), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("cross-iam-only", BOB, key_policy(root_stmt()), (IAM_DECRYPT,), Verdict.IMPLICITLY_DENIED, "no-allow", DenyReason.NO_RESOURCE_POLICY_ALLOWS),
    ("deny-key-policy", ALICE, key_policy(ALLOW_ALICE, {**ALLOW_ALICE, "Sid": "D", "Effect": "Deny"}), (), Verdict.EXPLICITLY_DENIED, "explicit-deny", DenyReason.EXPLICIT_DENY_RESOURCE_POLICY),
    ("deny-iam", ALICE, key_policy(ALLOW_ALICE), (iam_policy({"Effect": "Deny", "Action": "kms:*", "Resource": "*"}),), Verdict.EXPLICITLY_DENIED, "explicit-deny", DenyReason.EXPLICIT_DENY_IDENTITY_POLICY),
]


@pytest.mark.parametrize(("caller", "kp", "ids", "verdict", "rule", "reason"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_authorize_kms_rule_table(caller, kp, ids, verdict, rule, reason) -> None:
    d = authorize_kms(caller, "kms:Decrypt", KEY, key_policy=kp, identity_policies=ids)
    assert (d.verdict, d.rule, d.reason) == (verdict, rule, reason)


MESSAGES = [
    ("no-resource", BOB, key_policy(root_stmt()), (IAM_DECRYPT,), "because no resource-based policy allows the kms:Decrypt action"),
    ("no-identity", BOB, key_policy(root_stmt(EXT)), (), "because no identity-based policy allows the kms:Decrypt action"),
    ("deny-resource", ALICE, key_policy({**ALLOW_ALICE, "Effect": "Deny"}), (), "with an explicit deny in a resource-based policy"),
    ("deny-identity", ALICE, key_policy(ALLOW_ALICE), (iam_policy({"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}),), "with an explicit deny in an identity-based policy"),
]


@pytest.mark.parametrize(("caller", "kp", "ids", "tail"), [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES])
def test_authorize_kms_message_is_aws_wording(caller, kp, ids, tail) -> None:
    d = authorize_kms(caller, "kms:decrypt", KEY, key_policy=kp, identity_policies=ids)
    assert d.message == f"User: {caller} is not authorized to perform: kms:Decrypt on resource: {KEY} {tail}"


def test_authorize_kms_seed_worked_example_allowed() -> None:
    d = authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=seed_key_policy(), identity_policies=[seed_bob_policy()],
                      context={"kms:ViaService": "s3.us-east-1.amazonaws.com"})
    assert d.allowed and d.rule == "cross-account-both-allow"
    assert {r.statement.sid for r in d.determining} == {"Enable Cross Account Access", None}


def test_authorize_kms_iam_gate_not_counted_without_root_statement() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy({**ALLOW_ALICE, "Action": "kms:Encrypt"}),
                      identity_policies=[IAM_DECRYPT])
    iam = d.gate(Gate.IAM_POLICY)
    assert iam is not None and not iam.counted and iam.verdict is Verdict.ALLOWED and "ignored" in iam.note


def test_authorize_kms_derived_keys_override_context() -> None:
    kp = key_policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:PrincipalAccount": OWN, "kms:CallerAccount": OWN}}})
    forged = {"aws:PrincipalAccount": OWN, "kms:CallerAccount": OWN, "aws:PrincipalArn": ALICE}
    assert not authorize_kms(BOB, "kms:Decrypt", KEY, key_policy=kp, identity_policies=[IAM_DECRYPT], context=forged).allowed
    assert authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp).allowed


def test_authorize_kms_username_only_for_users() -> None:
    kp = key_policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:username": "alice"}}})
    assert authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp).allowed
    session = f"arn:aws:sts::{OWN}:assumed-role/alice/alice"
    assert not authorize_kms(session, "kms:Decrypt", KEY, key_policy=kp, context={"aws:username": "alice"}).allowed


def test_authorize_kms_encryption_context_argument_sets_condition_keys() -> None:
    kp = key_policy({**ALLOW_ALICE, "Condition": {"StringEquals": {"kms:EncryptionContext:app": "billing"},
                                                  "ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["app"]}}})
    assert authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp, encryption_context={"app": "billing"}).allowed
    assert not authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp, encryption_context={"app": "billing", "x": "y"}).allowed


GRANT_CASES = [
    ("grantee", ALICE, ("Decrypt",), None, {}, True),
    ("other-op", ALICE, ("Encrypt",), None, {}, False),
    ("subset-ok", ALICE, ("Decrypt",), GrantConstraints(encryption_context_subset=(("a", "1"),)), {"a": "1", "b": "2"}, True),
    ("subset-missing", ALICE, ("Decrypt",), GrantConstraints(encryption_context_subset=(("a", "1"),)), {"b": "2"}, False),
    ("equals-ok", ALICE, ("Decrypt",), GrantConstraints(encryption_context_equals=(("a", "1"),)), {"a": "1"}, True),
    ("equals-extra", ALICE, ("Decrypt",), GrantConstraints(encryption_context_equals=(("a", "1"),)), {"a": "1", "b": "2"}, False),
    ("equals-case", ALICE, ("Decrypt",), GrantConstraints(encryption_context_equals=(("a", "x"),)), {"a": "X"}, False),
    ("cross-account-grantee", BOB, ("Decrypt",), None, {}, True),
]


@pytest.mark.parametrize(("grantee", "ops", "cons", "ec", "allowed"), [g[1:] for g in GRANT_CASES], ids=[g[0] for g in GRANT_CASES])
def test_authorize_kms_grants(grantee, ops, cons, ec, allowed) -> None:
    g = Grant("g1", KEY, grantee, ops, cons)
    d = authorize_kms(grantee, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()), grants=[g], encryption_context=ec)
    assert d.allowed is allowed
    if allowed:
        assert d.rule == "grant-allows" and d.granted_by_grant == "g1"


def test_authorize_kms_grant_for_other_key_does_not_apply() -> None:
    g = Grant("g1", KEY[:-1] + "c", ALICE, ("Decrypt",))
    assert not authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(), grants=[g]).allowed


def test_authorize_kms_service_principal_needs_only_key_policy() -> None:
    kp = key_policy({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "kms:GenerateDataKey*", "Resource": "*"})
    d = authorize_kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey", KEY, key_policy=kp)
    assert d.allowed and d.rule == "key-policy-allows-principal"


@pytest.mark.parametrize(("caller", "key"), [("bob", KEY), (ALICE, "arn:aws:kms:us-east-1:222222222222:alias/x"),
                                             (ALICE, "1234abcd")], ids=["bad-caller", "alias", "bare-id"])
def test_authorize_kms_rejects_malformed_arns(caller: str, key: str) -> None:
    with pytest.raises((InvalidCallerError, KeyArnError)):
        authorize_kms(caller, "kms:Decrypt", key, key_policy=key_policy(root_stmt()))
