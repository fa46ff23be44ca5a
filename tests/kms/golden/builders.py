"""Builders shared by the KMS engine tests (authorize, explain, fix, properties, bench)."""

from __future__ import annotations

import json

from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind

OWN, EXT = "222222222222", "111111111111"
KEY = f"arn:aws:kms:us-east-1:{OWN}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BOB = f"arn:aws:iam::{EXT}:user/bob"
ALICE = f"arn:aws:iam::{OWN}:user/alice"


def key_policy(*statements: dict, name: str = "") -> Policy:
    r = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), PolicyKind.KEY_POLICY, name=name)
    assert r.policy is not None, r.findings
    return r.policy


def iam_policy(*statements: dict, name: str = "") -> Policy:
    r = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), PolicyKind.IDENTITY, name=name)
    assert r.policy is not None, r.findings
    return r.policy


def root_stmt(account: str = OWN, sid: str = "EnableIAM") -> dict:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}


def seed_key_policy() -> Policy:
    """The study guide's worked example: account 111111111111 may use the key in 222222222222."""
    return key_policy(root_stmt(), {"Sid": "Enable Cross Account Access", "Effect": "Allow",
                                    "Principal": {"AWS": f"arn:aws:iam::{EXT}:root"},
                                    "Action": ["kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"})


def seed_bob_policy() -> Policy:
    return iam_policy({"Effect": "Allow", "Action": ["kms:Encrypt", "kms:GenerateDataKey*"], "Resource": KEY},
                      name="bob's IAM policy")
