"""KMS key management and cross-account rules: CreateKey ... CancelKeyDeletion, aliases."""

from __future__ import annotations

import json

import pytest

from kmslab.aws.world import World
from kmslab.kms.errors import (
    AccessDeniedException,
    AlreadyExistsException,
    InvalidAliasNameException,
    KMSInvalidStateException,
    MalformedPolicyDocumentException,
    NotFoundException,
    ValidationException,
)
from tests.kms.test_world import A, B, GUIDE_KEY_STATEMENT, doc, guide_iam_policy, make_world, root, root_statement, stmt


def _world() -> tuple[World, str, str]:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A), GUIDE_KEY_STATEMENT), alias="alias/reports")
    admin = w.add_user(A, "admin", policies=[doc(stmt(["kms:*"]))])
    return w, admin, key.arn


def test_create_key_with_iam_permission_returns_metadata() -> None:
    w, admin, _ = _world()
    meta = w.kms.call(admin, "CreateKey", {"Description": "mine"})["KeyMetadata"]
    assert isinstance(meta, dict)
    assert meta["AWSAccountId"] == A and meta["KeyState"] == "Enabled" and meta["KeyManager"] == "CUSTOMER"
    assert meta["Arn"] in w.keys


def test_create_key_without_permission_is_denied() -> None:
    w, _, _ = _world()
    with pytest.raises(AccessDeniedException):
        w.kms.call(w.add_user(A, "nobody"), "CreateKey", {})


def test_create_key_with_malformed_policy_is_refused() -> None:
    w, admin, _ = _world()
    with pytest.raises(MalformedPolicyDocumentException):
        w.kms.call(admin, "CreateKey", {"Policy": '{"Statement": ['})


def test_get_and_put_key_policy_round_trip() -> None:
    w, admin, arn = _world()
    new = doc(root_statement(A))
    w.kms.call(admin, "PutKeyPolicy", {"KeyId": arn, "PolicyName": "default", "Policy": new})
    assert w.kms.call(admin, "GetKeyPolicy", {"KeyId": arn, "PolicyName": "default"})["Policy"] == new


@pytest.mark.parametrize("text", ["{", '{"Version": "2012-10-17"}', "[]"], ids=["broken-json", "no-statement", "array"])
def test_put_key_policy_malformed_document_carries_findings(text: str) -> None:
    w, admin, arn = _world()
    with pytest.raises(MalformedPolicyDocumentException) as info:
        w.kms.call(admin, "PutKeyPolicy", {"KeyId": arn, "Policy": text})
    assert any(f.is_error for f in info.value.findings)


def test_put_key_policy_on_aws_managed_key_is_denied() -> None:
    w, admin, _ = _world()
    managed = w.managed_key(A, "alias/aws/s3")
    with pytest.raises(AccessDeniedException):
        w.kms.call(admin, "PutKeyPolicy", {"KeyId": managed.arn, "Policy": doc(root_statement(A))})
    assert json.loads(managed.policy_text)["Id"] == "auto-s3-2"


@pytest.mark.parametrize("op", ["PutKeyPolicy", "GetKeyPolicy", "DisableKey", "EnableKey", "ScheduleKeyDeletion"])
def test_management_operations_do_not_cross_accounts(op: str) -> None:
    w, _, arn = _world()
    # bob's account is even granted kms:* on the key: management still does not cross accounts
    w.keys[arn].policy_text  # noqa: B018
    bob = w.add_user(B, "bob", policies=[doc(stmt(["kms:*"], arn))])
    params: dict[str, object] = {"KeyId": arn}
    if op == "PutKeyPolicy":
        params["Policy"] = doc(root_statement(A))
    with pytest.raises(NotFoundException):
        w.kms.call(bob, op, params)


def test_describe_key_crosses_accounts_with_both_policies() -> None:
    w, _, arn = _world()
    bob = w.add_user(B, "bob", policies=[doc(stmt(["kms:DescribeKey"], arn))])
    assert w.kms.call(bob, "DescribeKey", {"KeyId": arn})["KeyMetadata"]["Arn"] == arn  # type: ignore[index]


def test_cross_account_needs_both_key_policy_and_iam_policy() -> None:
    w, _, arn = _world()
    without_iam = w.add_user(B, "carl")
    with pytest.raises(AccessDeniedException):
        w.kms.call(without_iam, "GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256"})
    bob = w.add_user(B, "bob", policies=[guide_iam_policy(arn)])
    assert w.kms.call(bob, "GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256"})["KeyId"] == arn


@pytest.mark.parametrize(
    "key_id", ["alias/reports", "KEYID"], ids=["alias-name", "bare-key-id"]
)
def test_cross_account_alias_or_bare_id_resolves_in_callers_account(key_id: str) -> None:
    w, _, arn = _world()
    bob = w.add_user(B, "bob", policies=[guide_iam_policy(arn)])
    key_id = arn.rsplit("/", 1)[1] if key_id == "KEYID" else key_id
    with pytest.raises(NotFoundException) as info:
        w.kms.call(bob, "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256"})
    assert B in info.value.message


def test_cross_account_alias_name_silently_picks_callers_own_key() -> None:
    w, _, arn = _world()
    own = w.create_key(B, doc(root_statement(B)), alias="alias/reports")
    bob = w.add_user(B, "bob", policies=[doc(stmt(["kms:GenerateDataKey"], "*"))])
    out = w.kms.call(bob, "GenerateDataKey", {"KeyId": "alias/reports", "KeySpec": "AES_256"})
    assert out["KeyId"] == own.arn != arn


def test_cross_account_alias_arn_is_accepted() -> None:
    w, _, arn = _world()
    bob = w.add_user(B, "bob", policies=[guide_iam_policy(arn)])
    out = w.kms.call(bob, "Encrypt", {"KeyId": f"arn:aws:kms:us-east-1:{A}:alias/reports", "Plaintext": b"x"})
    assert out["KeyId"] == arn


def test_create_and_list_aliases_in_own_account_only() -> None:
    w, admin, arn = _world()
    w.kms.call(admin, "CreateAlias", {"AliasName": "alias/second", "TargetKeyId": arn})
    names = [a["AliasName"] for a in w.kms.call(admin, "ListAliases", {})["Aliases"]]  # type: ignore[attr-defined]
    assert "alias/second" in names and "alias/reports" in names
    bob = w.add_user(B, "bob")
    assert w.kms.call(bob, "ListAliases", {})["Aliases"] == []


@pytest.mark.parametrize(
    "name,error",
    [("alias/reports", AlreadyExistsException), ("alias/aws/mine", InvalidAliasNameException), ("reports", ValidationException), ("alias/bad name", ValidationException)],
    ids=["exists", "reserved", "no-prefix", "space"],
)
def test_create_alias_refusals(name: str, error: type[Exception]) -> None:
    w, admin, arn = _world()
    with pytest.raises(error):
        w.kms.call(admin, "CreateAlias", {"AliasName": name, "TargetKeyId": arn})


def test_disable_enable_cycle() -> None:
    w, admin, arn = _world()
    w.kms.call(admin, "DisableKey", {"KeyId": arn})
    assert w.keys[arn].state == "Disabled"
    w.kms.call(admin, "EnableKey", {"KeyId": arn})
    assert w.kms.call(admin, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})["KeyId"] == arn


@pytest.mark.parametrize("days", [6, 31, "7", None], ids=["6", "31", "string", "null"])
def test_schedule_key_deletion_window_is_7_to_30_days(days: object) -> None:
    w, admin, arn = _world()
    with pytest.raises(ValidationException):
        w.kms.call(admin, "ScheduleKeyDeletion", {"KeyId": arn, "PendingWindowInDays": days})


def test_schedule_then_cancel_deletion_leaves_key_disabled() -> None:
    w, admin, arn = _world()
    out = w.kms.call(admin, "ScheduleKeyDeletion", {"KeyId": arn, "PendingWindowInDays": 7})
    assert out["KeyState"] == "PendingDeletion" and out["PendingWindowInDays"] == 7
    with pytest.raises(KMSInvalidStateException):
        w.kms.call(admin, "EnableKey", {"KeyId": arn})
    with pytest.raises(KMSInvalidStateException):
        w.kms.call(admin, "ScheduleKeyDeletion", {"KeyId": arn})
    w.kms.call(admin, "CancelKeyDeletion", {"KeyId": arn})
    assert w.keys[arn].state == "Disabled"
    with pytest.raises(KMSInvalidStateException):
        w.kms.call(admin, "CancelKeyDeletion", {"KeyId": arn})


def test_root_statement_names_the_account_not_everyone() -> None:
    w, _, arn = _world()
    stranger = w.add_user(A, "stranger")  # no IAM policy: the root statement alone grants nothing
    with pytest.raises(AccessDeniedException):
        w.kms.call(stranger, "DescribeKey", {"KeyId": arn})
    assert root(A) in w.keys[arn].policy_text


def test_root_user_may_use_key_through_root_statement() -> None:
    w, _, arn = _world()
    assert w.kms.call(root(A), "Encrypt", {"KeyId": arn, "Plaintext": b"x"})["KeyId"] == arn


def test_key_policy_naming_external_user_still_needs_their_iam_policy() -> None:
    w = make_world()
    bobby = w.add_user(B, "bobby")
    key = w.create_key(A, doc(root_statement(A), stmt(["kms:Encrypt"], principal={"AWS": bobby})))
    with pytest.raises(AccessDeniedException):
        w.kms.call(bobby, "Encrypt", {"KeyId": key.arn, "Plaintext": b"x"})
    w.set_identity_policies(bobby, [doc(stmt(["kms:Encrypt"], key.arn))])
    assert w.kms.call(bobby, "Encrypt", {"KeyId": key.arn, "Plaintext": b"x"})["KeyId"] == key.arn


def test_put_key_policy_lockout_safety_check() -> None:
    w, admin, arn = _world()
    # A policy without the root statement and without admin: admin could never change it again.
    lockout = doc(stmt(["kms:Encrypt"], principal={"AWS": f"arn:aws:iam::{A}:user/someone-else"}))
    w.add_user(A, "someone-else")
    with pytest.raises(MalformedPolicyDocumentException) as info:
        w.kms.call(admin, "PutKeyPolicy", {"KeyId": arn, "Policy": lockout})
    assert "will not allow you to update the key policy" in info.value.message
    assert w.keys[arn].policy_text != lockout
    w.kms.call(admin, "PutKeyPolicy", {"KeyId": arn, "Policy": lockout, "BypassPolicyLockoutSafetyCheck": True})
    assert w.keys[arn].policy_text == lockout


def test_create_key_lockout_safety_check_creates_nothing() -> None:
    w, admin, _ = _world()
    before = set(w.keys)
    with pytest.raises(MalformedPolicyDocumentException):
        w.kms.call(admin, "CreateKey", {"Policy": doc(stmt(["kms:Encrypt"], principal={"AWS": root(B)}))})
    assert set(w.keys) == before


@pytest.mark.parametrize("key_id", ["alias/aws/s3", f"arn:aws:kms:us-east-1:{A}:alias/aws/s3"], ids=["name", "arn"])
def test_describe_key_on_a_predefined_aws_alias_creates_the_aws_managed_key(key_id: str) -> None:
    # AWS: DescribeKey on a predefined AWS alias with no key yet creates the AWS managed key
    # (https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html).
    w, admin, _ = _world()
    assert (A, "alias/aws/s3") not in w.aliases
    meta = w.kms.call(admin, "DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert isinstance(meta, dict) and meta["KeyManager"] == "AWS" and meta["AWSAccountId"] == A
    assert w.aliases[(A, "alias/aws/s3")].target_key_id == meta["KeyId"]
    # Only DescribeKey does this: other operations still say the alias is not found.
    with pytest.raises(NotFoundException):
        w.kms.call(admin, "DescribeKey", {"KeyId": "alias/aws/not-a-service"})
    w2, admin2, _ = _world()
    with pytest.raises(NotFoundException):
        w2.kms.call(admin2, "Encrypt", {"KeyId": "alias/aws/s3", "Plaintext": b"x"})


def test_every_call_in_the_world_is_made_over_tls() -> None:
    # AWS: aws:SecureTransport is in every request context ("true" over HTTPS, which the SDKs and
    # services always use), so the common "deny unless SecureTransport" guardrail lets calls through.
    w, _, arn = _world()
    tls_only = doc(stmt(["kms:DescribeKey"], arn), {"Effect": "Deny", "Action": "kms:*", "Resource": "*",
                                                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    careful = w.add_user(A, "careful", policies=[tls_only])
    assert w.kms.call(careful, "DescribeKey", {"KeyId": arn})["KeyMetadata"]
    needs_tls = w.add_user(A, "needs-tls", policies=[doc({"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": arn,
                                                          "Condition": {"Bool": {"aws:SecureTransport": "true"}}})])
    assert w.kms.call(needs_tls, "DescribeKey", {"KeyId": arn})["KeyMetadata"]
