"""Grants: the value of a KMS grant and its constraints.

Responsible for what a grant is (key, grantee, operations, constraints, retiring principal).
Matching a request against grants lives with the KMS authorizer; creating, listing, retiring and
revoking grants lives with the simulated KMS service. Must not: import Django.
"""

from __future__ import annotations

from dataclasses import dataclass

# AWS: the operations a grant may allow (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations)
GRANT_OPERATIONS: tuple[str, ...] = (
    "Decrypt",
    "DeriveSharedSecret",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "VerifyMac",
    "CreateGrant",
    "DescribeKey",
    "GetPublicKey",
    "RetireGrant",
)


@dataclass(frozen=True, slots=True)
class GrantConstraints:
    """At most one of the two is set, as in the CreateGrant API. Pairs are (key, value)."""

    encryption_context_equals: tuple[tuple[str, str], ...] | None = None
    encryption_context_subset: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True, slots=True)
class Grant:
    grant_id: str
    key_arn: str
    grantee_principal: str  # an ARN (account root, user, role, assumed-role) or a service principal
    operations: tuple[str, ...]  # API names without the "kms:" prefix, e.g. ("Decrypt",)
    constraints: GrantConstraints | None = None
    retiring_principal: str = ""
    name: str = ""
    issuing_account: str = ""  # the account of the principal that created the grant
    grant_token: str = ""
