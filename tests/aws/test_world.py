"""The composition root: the KMS world builds no service; kmslab.aws.world wires them, from empty or stored state."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

from kmslab.aws.ebs import EBSService
from kmslab.aws.s3 import S3Service
from kmslab.aws.world import ServiceState, World
from kmslab.kms.service import KMSService
from kmslab.kms.world import World as KMSWorld
from kmslab.kms.world import WorldState
from tests.aws.test_cloudtrail import BUCKET as LOG_BUCKET
from tests.aws.test_cloudtrail import _world as trail_world
from tests.aws.test_ebs import _snapshot
from tests.aws.test_ebs import _world as ebs_world
from tests.aws.test_s3 import BUCKET, seed_example
from tests.kms.test_world import A, B, doc, root_statement, stmt


def test_the_kms_world_builds_no_service() -> None:
    w = KMSWorld(seed=1)
    assert not any(hasattr(w, name) for name in ("kms", "s3", "ec2", "cloudtrail"))


def test_services_can_be_built_by_hand_from_a_kms_world() -> None:
    w = KMSWorld(seed=1)
    key = w.create_key(A, doc(root_statement(A)))
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:*"], key.arn), stmt(["s3:*"], "*"))])
    kms = KMSService(w)
    s3 = S3Service(w, kms)
    s3.create_bucket(A, "by-hand", default_encryption="aws:kms", kms_key_id=key.arn)
    put = s3.put_object(alice, "by-hand", "k", b"body")
    assert put.ok, put.error
    assert put.kms_calls[0].via_service == "s3.us-east-1.amazonaws.com"
    assert s3.get_object(alice, "by-hand", "k").response["Body"] == b"body"  # type: ignore[index]
    vol = EBSService(w, kms).create_volume(alice, data=b"disk", kms_key_id=key.arn)
    assert vol.ok and all(c.via_service == "ec2.us-east-1.amazonaws.com" for c in vol.kms_calls)


def _stored(w: World) -> tuple[WorldState, ServiceState]:
    """What a store would hand back: copies sharing nothing with the running world."""
    return copy.deepcopy((w.state, w.service_state))


def test_a_world_rebuilt_from_stored_state_reads_objects_and_honours_grants_and_key_states() -> None:
    w, bob, key_arn = seed_example(bob_decrypt=True)
    assert w.s3.put_object(bob, BUCKET, "q1.csv", b"figures").ok
    carol = w.add_user(A, "carol")
    grant = w.kms.call(w.principals[f"arn:aws:iam::{A}:root"].arn, "CreateGrant",
                       {"KeyId": key_arn, "GranteePrincipal": carol, "Operations": ["Encrypt"]})
    state, services = _stored(w)
    again = World(state=state, services=services)
    assert again.s3.get_object(bob, BUCKET, "q1.csv").response["Body"] == b"figures"  # type: ignore[index]
    assert again.kms.call_traced(carol, "Encrypt", {"KeyId": key_arn, "Plaintext": b"x"}).error is None
    assert grant["GrantId"] in again.grants
    again.kms.call(f"arn:aws:iam::{A}:root", "DisableKey", {"KeyId": key_arn})
    assert again.s3.get_object(bob, BUCKET, "q1.csv").error.code == "KMS.DisabledException"  # type: ignore[union-attr]
    assert w.s3.get_object(bob, BUCKET, "q1.csv").ok  # the original world is untouched


def test_a_rebuilt_world_keeps_volumes_snapshots_and_trails() -> None:
    w, alice, carol, key_a, _ = ebs_world()
    snap = _snapshot(w, alice, key_a)
    assert w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=["333333333333"]).ok
    again = World(state=w.state, services=w.service_state)
    copied = again.ec2.copy_snapshot(carol, snap)
    assert copied.ok, copied.error
    tw, trails = trail_world()
    rebuilt = World(state=tw.state, services=tw.service_state)
    delivered = rebuilt.cloudtrail.deliver(trails[B])
    assert delivered.ok, delivered.error
    assert str(delivered.response["Key"]) in rebuilt.s3.buckets[LOG_BUCKET].objects  # type: ignore[index]


def test_an_injected_clock_times_the_records() -> None:
    at = datetime(2027, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
    w = World(seed=3, clock=lambda: at)
    key = w.create_key(A, doc(root_statement(A)))
    traced = w.kms.call_traced(f"arn:aws:iam::{A}:root", "DescribeKey", {"KeyId": key.arn})
    assert key.created == at and traced.record.trail[0].record["eventTime"] == "2027-03-01T12:00:00Z"
