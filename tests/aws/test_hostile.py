"""Hostile input to S3 and EBS: odd names and ids give the service's AWS-named error, never another exception."""

from __future__ import annotations

import pytest

from tests.aws.test_ebs import _snapshot, _world
from tests.aws.test_s3 import seed_example
from tests.kms.test_world import A, B, make_world


@pytest.mark.parametrize(
    "bucket,key",
    [(["b"], "k"), ("reports-a", ["k"]), ("reports-a", ""), ("reports-a", "k" * 2000), (None, "k")],
    ids=["list-bucket", "list-key", "empty-key", "huge-key", "none-bucket"],
)
def test_s3_hostile_names_give_s3_errors(bucket: object, key: object) -> None:
    w, bob, _ = seed_example()
    for r in (w.s3.put_object(bob, bucket, key, b"x"), w.s3.get_object(bob, bucket, key)):  # type: ignore[arg-type]
        assert r.error is not None and r.error.code in {"InvalidArgument", "NoSuchBucket"}


@pytest.mark.parametrize("snap", [["snap-1"], None, "snap-nope"], ids=["list", "none", "unknown"])
def test_ebs_hostile_snapshot_ids_give_ec2_errors(snap: object) -> None:
    w = make_world()
    alice = w.add_user(A, "alice")
    assert w.ec2.copy_snapshot(alice, snap).error.code == "InvalidSnapshot.NotFound"  # type: ignore[arg-type,union-attr]
    assert w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=[B]).error.code == "InvalidSnapshot.NotFound"  # type: ignore[arg-type,union-attr]


def test_ebs_share_with_malformed_account_is_refused() -> None:
    w, alice, _, key_a, _ = _world()
    snap = _snapshot(w, alice, key_a)
    assert w.ec2.modify_snapshot_attribute(alice, snap, add_accounts=["12345"]).error.code == "InvalidParameterValue"  # type: ignore[union-attr]
