"""The world: builders shared by the KMS tests, accounts, principals, AWS managed keys."""

from __future__ import annotations

import json

import pytest

from kmslab.aws.world import World
from kmslab.kms.errors import MalformedPolicyDocumentException, ValidationException
from kmslab.kms.keys import KeyManager

A = "222222222222"  # Account A: key owner, bucket owner (the seed's producer)
B = "111111111111"  # Account B: bob's account (the consumer)
C = "333333333333"


def root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def stmt(actions: list[str], resource: str = "*", *, principal: object = None, effect: str = "Allow",
         condition: dict[str, object] | None = None, sid: str = "") -> dict[str, object]:
    s: dict[str, object] = {"Effect": effect, "Action": actions, "Resource": resource}
    if sid:
        s["Sid"] = sid
    if principal is not None:
        s["Principal"] = principal
    if condition:
        s["Condition"] = condition
    return s


def doc(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def root_statement(account: str) -> dict[str, object]:
    return stmt(["kms:*"], principal={"AWS": root(account)}, sid="Enable IAM User Permissions")


# The seed's worked example, step 1: the statement added to Account A's key policy.
GUIDE_KEY_STATEMENT = stmt(
    ["kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"],
    principal={"AWS": root(B)},
    sid="Enable Cross Account Access",
)


def guide_iam_policy(key_arn: str, *extra: dict[str, object]) -> str:
    """Step 2 of the worked example: bob's IAM policy naming the key ARN."""
    return doc(stmt(["kms:Encrypt", "kms:GenerateDataKey*"], key_arn), *extra)


def make_world() -> World:
    w = World(region="us-east-1", seed=7)
    w.add_account(A, "Account A")
    w.add_account(B, "Account B")
    w.add_account(C, "Account C")
    return w


def test_world_seeded_ids_are_stable() -> None:
    k1 = World(seed=3).create_key(A)
    k2 = World(seed=3).create_key(A)
    assert k1.arn == k2.arn
    assert k1.arn.startswith(f"arn:aws:kms:us-east-1:{A}:key/")


def test_world_unseeded_key_ids_differ() -> None:
    assert World().create_key(A).key_id != World().create_key(A).key_id


def test_world_add_account_rejects_bad_id() -> None:
    with pytest.raises(ValidationException):
        World().add_account("12345", "short")


def test_world_user_with_malformed_policy_is_refused() -> None:
    with pytest.raises(MalformedPolicyDocumentException) as info:
        World().add_user(B, "bob", policies=["{not json"])
    assert info.value.findings


def test_world_assumed_role_session_uses_role_policies() -> None:
    w = make_world()
    policy = doc(stmt(["kms:Decrypt"]))
    role = w.add_role(B, "reader", policies=[policy])
    session = w.assume_role(role, "s1")
    assert session == f"arn:aws:sts::{B}:assumed-role/reader/s1"
    assert w.identity_of(session).kind == "assumed-role"
    assert len(w.identity_policies(session)) == 1


def test_world_unknown_principal_is_refused() -> None:
    with pytest.raises(ValidationException):
        make_world().identity_of(f"arn:aws:iam::{B}:user/ghost")


def test_world_managed_key_created_once_per_account_with_fixed_policy() -> None:
    w = make_world()
    k = w.managed_key(A, "alias/aws/s3")
    assert w.managed_key(A, "alias/aws/s3") is k
    assert w.managed_key(B, "alias/aws/s3") is not k
    assert k.manager is KeyManager.AWS
    policy = json.loads(k.policy_text)
    cond = policy["Statement"][0]["Condition"]["StringEquals"]
    assert cond == {"kms:CallerAccount": A, "kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert policy["Statement"][0]["Principal"] == {"AWS": "*"}


def test_world_managed_ebs_key_allows_create_grant_via_ec2() -> None:
    k = make_world().managed_key(A, "alias/aws/ebs")
    first = json.loads(k.policy_text)["Statement"][0]
    assert "kms:CreateGrant" in first["Action"]
    assert first["Condition"]["StringEquals"]["kms:ViaService"] == "ec2.us-east-1.amazonaws.com"
