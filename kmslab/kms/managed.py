"""The key policies of AWS managed keys (`aws/s3`, `aws/ebs`) and the default key policy.

Responsible for the exact shape of the policies AWS attaches to the keys its services create,
and of the default key policy CreateKey attaches when none is given.
Must not: evaluate them (the engine does) or create keys (world.py does).

Shape: an Allow for `"AWS": "*"` of the service's cryptographic actions, conditioned on
kms:CallerAccount = the owner and kms:ViaService = SERVICE.REGION.amazonaws.com, and an Allow of
the read-only actions for the account root. Nobody has kms:PutKeyPolicy, so nobody can change it.
# AWS: AWS managed keys' key policies (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html,
# https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key)
"""

from __future__ import annotations

import json

# alias -> (service prefix for kms:ViaService, policy Id, Sid phrase, crypto actions, metadata actions)
MANAGED_ALIASES: dict[str, tuple[str, str, str, tuple[str, ...], tuple[str, ...]]] = {
    "alias/aws/s3": (
        "s3",
        "auto-s3-2",
        "S3",
        ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
        ("kms:Describe*", "kms:Get*", "kms:List*"),
    ),
    "alias/aws/ebs": (
        "ec2",
        "auto-ebs-2",
        "EBS",
        ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
        ("kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"),
    ),
}


def managed_key_policy(alias: str, account: str, region: str) -> str:
    """The key policy text of the AWS managed key `alias` in `account`."""
    service, policy_id, label, crypto, meta = MANAGED_ALIASES[alias]
    doc = {
        "Version": "2012-10-17",
        "Id": policy_id,
        "Statement": [
            {
                "Sid": f"Allow access through {label} for all principals in the account that are authorized to use {label}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": list(crypto),
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"{service}.{region}.amazonaws.com",
                    }
                },
            },
            {
                "Sid": "Allow direct access to key metadata to the account",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": list(meta),
                "Resource": "*",
            },
        ],
    }
    return json.dumps(doc, indent=2)


def default_key_policy(account: str) -> str:
    """The default key policy of CreateKey without Policy: the account may delegate with IAM.

    # AWS: default key policy (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam)
    """
    doc = {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    return json.dumps(doc, indent=2)
