"""KMS keys and aliases of the simulated world.

Responsible for what a KMS key is (ARN, owner, key policy, state, manager, its secret
material) and what an alias is, plus the key-state rules (which states let which operations
run, and the error each state gives). Key material is held in a field excluded from repr and
comparisons; nothing outside kms/ reads it.
Must not: authorize (the engine does) or know the API request shapes (service.py does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kmslab.iam.policy import Policy
from kmslab.kms.errors import DisabledException, KMSError, KMSInvalidStateException


class KeyState(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"
    PENDING_DELETION = "PendingDeletion"
    PENDING_IMPORT = "PendingImport"
    UNAVAILABLE = "Unavailable"


class KeyManager(StrEnum):
    CUSTOMER = "CUSTOMER"
    AWS = "AWS"


# Operations that need an Enabled key; the rest (DescribeKey, GetKeyPolicy, ListGrants, ...)
# work in any state except where listed in _PENDING_BLOCKS.
# AWS: key state effects (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html)
CRYPTO_OPERATIONS = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "CreateGrant",
    }
)
_PENDING_BLOCKS = frozenset({"EnableKey", "DisableKey", "ScheduleKeyDeletion", "CreateAlias"})


@dataclass(slots=True, eq=False)
class KmsKey:
    """One symmetric encryption KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT)."""

    key_id: str
    arn: str
    account: str
    region: str
    policy_text: str
    policy: Policy
    created: datetime
    manager: KeyManager = KeyManager.CUSTOMER
    description: str = ""
    state: KeyState = KeyState.ENABLED
    deletion_date: datetime | None = None
    pending_window_days: int | None = None
    material: bytes = field(default=b"", repr=False)

    def metadata(self) -> dict[str, object]:
        """DescribeKey's KeyMetadata (never the material)."""
        meta: dict[str, object] = {
            "AWSAccountId": self.account,
            "KeyId": self.key_id,
            "Arn": self.arn,
            "CreationDate": self.created.isoformat(),
            "Enabled": self.state is KeyState.ENABLED,
            "Description": self.description,
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": self.state.value,
            "Origin": "AWS_KMS",
            "KeyManager": self.manager.value,
            "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": False,
        }
        if self.deletion_date is not None:
            meta["DeletionDate"] = self.deletion_date.isoformat()
            meta["PendingDeletionWindowInDays"] = self.pending_window_days
        return meta


@dataclass(frozen=True, slots=True)
class Alias:
    name: str  # "alias/reports"
    arn: str  # arn:aws:kms:REGION:ACCOUNT:alias/reports
    account: str
    target_key_id: str


def state_error(key: KmsKey, operation: str) -> KMSError | None:
    """The error AWS returns for `operation` on `key` in its current state, or None."""
    if key.state is KeyState.ENABLED:
        return None
    if key.state is KeyState.DISABLED:
        if operation in CRYPTO_OPERATIONS:
            return DisabledException(f"{key.arn} is disabled.")
        return None
    if key.state is KeyState.PENDING_DELETION:
        if operation in CRYPTO_OPERATIONS or operation in _PENDING_BLOCKS:
            return KMSInvalidStateException(f"{key.arn} is pending deletion.")
        return None
    return KMSInvalidStateException(f"{key.arn} is {key.state.value.lower()}.")
