"""EBS: encrypted volumes and snapshots, sharing, CopySnapshot under the target's key, CreateVolume."""

from __future__ import annotations

from kmslab.aws.errors import InvalidParameter, InvalidSnapshotNotFound, UnauthorizedOperation
from kmslab.aws.world import World
from kmslab.kms.calls import Outcome
from tests.kms.test_world import A, C, doc, make_world, root, root_statement, stmt

# AWS: what users of a shared key need on it (https://docs.aws.amazon.com/ebs/latest/userguide/share-kms-key.html)
SHARED_KEY_ACTIONS = ["kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncrypt*", "kms:Decrypt"]


def _world(*, share_key: bool = True, carol_iam: bool = True) -> tuple[World, str, str, str, str]:
    w = make_world()
    statements = [root_statement(A)]
    if share_key:
        statements.append(stmt(SHARED_KEY_ACTIONS, principal={"AWS": root(C)}, sid="Allow account C to use the key"))
    key_a = w.create_key(A, doc(*statements), alias="alias/ebs-share")
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:*"], key_a.arn))])
    key_c = w.create_key(C, doc(root_statement(C)))
    carol_policies = [doc(stmt(SHARED_KEY_ACTIONS, key_a.arn), stmt(["kms:*"], key_c.arn))] if carol_iam else [doc(stmt(["kms:*"], key_c.arn))]
    carol = w.add_user(C, "carol", policies=carol_policies)
    return w, alice, carol, key_a.arn, key_c.arn


def _snapshot(w: World, alice: str, key: str | None, data: bytes = b"disk image") -> str:
    vol = w.ec2.create_volume(alice, data=data, kms_key_id=key)
    assert vol.ok, vol.error
    snap = w.ec2.create_snapshot(alice, str(vol.response["VolumeId"]))  # type: ignore[index]
    assert snap.ok, snap.error
    return str(snap.response["SnapshotId"])  # type: ignore[index]


def test_encrypted_volume_round_trips_and_uses_ebs_context() -> None:
    w, alice, _, key_a, _ = _world()
    vol = w.ec2.create_volume(alice, data=b"hello disk", kms_key_id=key_a)
    assert vol.ok, vol.error
    ops = [c.operation for c in vol.kms_calls]
    assert ops == ["DescribeKey", "GenerateDataKeyWithoutPlaintext", "CreateGrant", "Decrypt"]
    vol_id = str(vol.response["VolumeId"])  # type: ignore[index]
    assert dict(vol.kms_calls[1].encryption_context) == {"aws:ebs:id": vol_id}
    assert all(c.via_service == "ec2.us-east-1.amazonaws.com" for c in vol.kms_calls)
    assert w.ec2.read_volume(alice, vol_id).response == {"Data": b"hello disk"}
    assert b"hello disk" not in w.ec2.volumes[vol_id].body


def test_default_aws_ebs_volume_works_in_own_account() -> None:
    w, alice, _, _, _ = _world()
    vol = w.ec2.create_volume(alice, data=b"x")
    assert vol.ok, vol.error
    assert vol.response is not None and vol.response["KmsKeyId"] == w.managed_key(A, "alias/aws/ebs").arn


def test_share_copy_and_create_volume_end_to_end() -> None:
    w, alice, carol, key_a, key_c = _world()
    snap = _snapshot(w, alice, key_a, b"payroll db")
    assert w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[C]).ok
    copy = w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c)
    assert copy.ok, copy.error
    assert copy.response is not None and copy.response["KmsKeyId"] == key_c
    on_source = {(c.operation, d.request.action) for c in copy.kms_calls for d in c.decisions if d.request.resource == key_a}
    assert {("DescribeKey", "kms:DescribeKey"), ("CreateGrant", "kms:CreateGrant"), ("ReEncrypt", "kms:ReEncryptFrom")} <= on_source
    vol = w.ec2.create_volume(carol, snapshot_id=str(copy.response["SnapshotId"]))
    assert vol.ok, vol.error
    assert w.ec2.read_volume(carol, str(vol.response["VolumeId"])).response == {"Data": b"payroll db"}  # type: ignore[index]


def test_copy_no_longer_depends_on_source_key() -> None:
    w, alice, carol, key_a, key_c = _world()
    snap = _snapshot(w, alice, key_a)
    w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[C])
    copy_id = str(w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c).response["SnapshotId"])  # type: ignore[index]
    w.kms.call(alice, "DisableKey", {"KeyId": key_a})
    assert w.ec2.create_volume(carol, snapshot_id=copy_id).ok


def test_snapshot_under_aws_ebs_cannot_be_shared() -> None:
    w, alice, carol, _, key_c = _world()
    snap = _snapshot(w, alice, None)
    r = w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[C])
    assert isinstance(r.error, InvalidParameter)
    assert isinstance(w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c).error, InvalidSnapshotNotFound)


def test_unshared_snapshot_is_not_found_for_other_account() -> None:
    w, alice, carol, key_a, key_c = _world()
    snap = _snapshot(w, alice, key_a)
    assert isinstance(w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c).error, InvalidSnapshotNotFound)


def test_copy_fails_without_key_policy_for_target_account() -> None:
    w, alice, carol, key_a, key_c = _world(share_key=False)
    snap = _snapshot(w, alice, key_a)
    w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[C])
    r = w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c)
    assert isinstance(r.error, UnauthorizedOperation)
    assert r.kms_calls[-1].outcome is Outcome.DENIED and r.kms_calls[-1].resource == key_a


def test_copy_fails_without_target_accounts_iam_policy() -> None:
    w, alice, carol, key_a, key_c = _world(carol_iam=False)
    snap = _snapshot(w, alice, key_a)
    w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[C])
    assert isinstance(w.ec2.copy_snapshot(carol, snap, kms_key_id=key_c).error, UnauthorizedOperation)


def test_create_grant_from_ebs_is_for_aws_resource() -> None:
    w, alice, _, key_a, _ = _world()
    vol = w.ec2.create_volume(alice, data=b"x", kms_key_id=key_a)
    grant_call = next(c for c in vol.kms_calls if c.operation == "CreateGrant")
    assert grant_call.decision is not None
    ctx = {k.lower(): v for k, v in grant_call.decision.request.context.items()}
    assert ctx["kms:grantisforawsresource"] == ("true",)
