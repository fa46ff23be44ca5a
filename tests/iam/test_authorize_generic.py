from __future__ import annotations

import json

import pytest

from kmslab.iam.authorize import authorize
from kmslab.iam.decision import DenyReason, Verdict
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind

BUCKET = "arn:aws:s3:::bucket/obj"
OWNER, OTHER = "222222222222", "111111111111"


def pol(kind: PolicyKind, *st: dict) -> Policy:
    r = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(st)}), kind)
    assert r.policy is not None
    return r.policy


def bucket(principal: object, effect: str = "Allow") -> Policy:
    return pol(PolicyKind.BUCKET_POLICY, {"Effect": effect, "Principal": principal, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::bucket/*"})


IAM_ALLOW = pol(PolicyKind.IDENTITY, {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"})
IAM_DENY = pol(PolicyKind.IDENTITY, {"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
TABLE = [
    ("same-bucket-only", f"arn:aws:iam::{OWNER}:user/u", bucket({"AWS": f"arn:aws:iam::{OWNER}:user/u"}), (), Verdict.ALLOWED, DenyReason.NONE),
    ("same-iam-only", f"arn:aws:iam::{OWNER}:user/u", None, (IAM_ALLOW,), Verdict.ALLOWED, DenyReason.NONE),
    ("same-nothing", f"arn:aws:iam::{OWNER}:user/u", None, (), Verdict.IMPLICITLY_DENIED, DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("cross-both", f"arn:aws:iam::{OTHER}:user/u", bucket({"AWS": OTHER}), (IAM_ALLOW,), Verdict.ALLOWED, DenyReason.NONE),
    ("cross-bucket-only", f"arn:aws:iam::{OTHER}:user/u", bucket({"AWS": OTHER}), (), Verdict.IMPLICITLY_DENIED, DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("cross-iam-only", f"arn:aws:iam::{OTHER}:user/u", None, (IAM_ALLOW,), Verdict.IMPLICITLY_DENIED, DenyReason.NO_RESOURCE_POLICY_ALLOWS),
    # AWS: an account principal delegates: its identities still need an identity-based allow
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts)
    ("same-account-principal-alone-denied", f"arn:aws:iam::{OWNER}:user/u", bucket({"AWS": f"arn:aws:iam::{OWNER}:root"}), (), Verdict.IMPLICITLY_DENIED, DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("same-account-id-principal-alone-denied", f"arn:aws:iam::{OWNER}:user/u", bucket({"AWS": OWNER}), (), Verdict.IMPLICITLY_DENIED, DenyReason.NO_IDENTITY_POLICY_ALLOWS),
    ("same-account-principal-plus-iam", f"arn:aws:iam::{OWNER}:user/u", bucket({"AWS": OWNER}), (IAM_ALLOW,), Verdict.ALLOWED, DenyReason.NONE),
    ("same-account-root-user-by-account-principal", f"arn:aws:iam::{OWNER}:root", bucket({"AWS": OWNER}), (), Verdict.ALLOWED, DenyReason.NONE),
    ("same-everyone-principal", f"arn:aws:iam::{OWNER}:user/u", bucket("*"), (), Verdict.ALLOWED, DenyReason.NONE),
    ("deny-bucket", f"arn:aws:iam::{OWNER}:user/u", bucket("*", "Deny"), (IAM_ALLOW,), Verdict.EXPLICITLY_DENIED, DenyReason.EXPLICIT_DENY_RESOURCE_POLICY),
    ("deny-iam", f"arn:aws:iam::{OTHER}:user/u", bucket({"AWS": OTHER}), (IAM_ALLOW, IAM_DENY), Verdict.EXPLICITLY_DENIED, DenyReason.EXPLICIT_DENY_IDENTITY_POLICY),
]


@pytest.mark.parametrize(("caller", "rp", "ids", "verdict", "reason"), [t[1:] for t in TABLE], ids=[t[0] for t in TABLE])
def test_authorize_generic_follows_iam_logic(caller: str, rp: Policy | None, ids: tuple[Policy, ...], verdict: Verdict,
                                             reason: DenyReason) -> None:
    d = authorize(caller, "s3:PutObject", BUCKET, OWNER, resource_policy=rp, identity_policies=ids)
    assert (d.verdict, d.reason) == (verdict, reason)


def test_authorize_generic_message_uses_aws_wording() -> None:
    d = authorize(f"arn:aws:iam::{OTHER}:user/u", "s3:PutObject", BUCKET, OWNER, resource_policy=None, identity_policies=(IAM_ALLOW,))
    assert d.message == (f"User: arn:aws:iam::{OTHER}:user/u is not authorized to perform: s3:PutObject on resource: "
                         f"{BUCKET} because no resource-based policy allows the s3:PutObject action")
