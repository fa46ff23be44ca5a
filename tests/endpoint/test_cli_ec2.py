"""The real AWS CLI against EC2 in a live lab: the EBS snapshot share and copy scenario."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scenarios.models import Scenario

pytestmark = pytest.mark.django_db(transaction=True)

KEY_A = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_B = "arn:aws:kms:us-east-1:111111111111:key/0987dcba-09fe-87dc-65ba-ab0987654321"


def test_cli_ebs_share_and_copy(learner: Any) -> None:
    me = learner("ebs-snapshot-sharing")
    vol = json.loads(me.aws("kmslab-admin", "ec2", "create-volume", "--size", "8", "--availability-zone", "us-east-1a",
                            "--encrypted", "--kms-key-id", KEY_A, check=True).stdout)
    assert vol["Encrypted"] is True and vol["KmsKeyId"] == KEY_A
    snap = json.loads(me.aws("kmslab-admin", "ec2", "create-snapshot", "--volume-id", vol["VolumeId"], check=True).stdout)
    me.aws("kmslab-admin", "ec2", "modify-snapshot-attribute", "--snapshot-id", snap["SnapshotId"], "--attribute",
           "createVolumePermission", "--operation-type", "add", "--user-ids", "111111111111", check=True)
    shared = json.loads(me.aws("kmslab-operator", "ec2", "describe-snapshots", "--snapshot-ids", snap["SnapshotId"], check=True).stdout)
    assert shared["Snapshots"][0]["OwnerId"] == "222222222222"
    copy = ("ec2", "copy-snapshot", "--source-snapshot-id", snap["SnapshotId"], "--source-region", "us-east-1",
            "--encrypted", "--kms-key-id", KEY_B)
    denied = me.aws("kmslab-operator", *copy)  # starting documents: Account A's key policy does not share the key
    assert denied.returncode != 0 and ("UnauthorizedOperation" in denied.stderr or "AccessDenied" in denied.stderr), denied.stderr
    spec = Scenario.objects.get(slug="ebs-snapshot-sharing").spec()
    me.save(**dict(spec.solution))
    copied = json.loads(me.aws("kmslab-operator", *copy, check=True).stdout)
    args = ("ec2", "create-volume", "--snapshot-id", copied["SnapshotId"], "--availability-zone", "us-east-1a",
            "--client-token", "restore-1")
    first = json.loads(me.aws("kmslab-operator", *args, check=True).stdout)
    again = json.loads(me.aws("kmslab-operator", *args, check=True).stdout)
    assert first["VolumeId"] == again["VolumeId"] and first["KmsKeyId"] == KEY_B
    vols = json.loads(me.aws("kmslab-operator", "ec2", "describe-volumes", check=True).stdout)["Volumes"]
    assert [v["VolumeId"] for v in vols] == [first["VolumeId"]]  # Account A's volume is not Account B's
    missing = me.aws("kmslab-operator", "ec2", "describe-snapshots", "--snapshot-ids", "snap-0000000000000000")
    assert "InvalidSnapshot.NotFound" in missing.stderr
