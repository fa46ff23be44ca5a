"""Key states: which operations each state refuses, and with which error."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms.errors import DisabledException, KMSInvalidStateException
from kmslab.kms.keys import KeyState, KmsKey, state_error


def _key(state: KeyState) -> KmsKey:
    return KmsKey("k", "arn:aws:kms:us-east-1:222222222222:key/k", "222222222222", "us-east-1", "{}",
                  Policy(PolicyKind.KEY_POLICY, "2012-10-17", ()), datetime(2026, 1, 1, tzinfo=timezone.utc),
                  state=state, material=b"\0" * 32)


@pytest.mark.parametrize(
    "state,op,error",
    [
        (KeyState.ENABLED, "Decrypt", None),
        (KeyState.DISABLED, "Decrypt", DisabledException),
        (KeyState.DISABLED, "GenerateDataKey", DisabledException),
        (KeyState.DISABLED, "CreateGrant", DisabledException),
        (KeyState.DISABLED, "DescribeKey", None),
        (KeyState.DISABLED, "EnableKey", None),
        (KeyState.PENDING_DELETION, "Encrypt", KMSInvalidStateException),
        (KeyState.PENDING_DELETION, "EnableKey", KMSInvalidStateException),
        (KeyState.PENDING_DELETION, "DescribeKey", None),
        (KeyState.PENDING_DELETION, "CancelKeyDeletion", None),
        (KeyState.UNAVAILABLE, "DescribeKey", KMSInvalidStateException),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_key_state_error_table(state: KeyState, op: str, error: type[Exception] | None) -> None:
    got = state_error(_key(state), op)
    assert (type(got) if got else None) is error


def test_key_metadata_never_contains_material() -> None:
    key = _key(KeyState.ENABLED)
    assert "material" not in str(key.metadata()).lower() and "material" not in repr(key).split("policy=")[0]
    assert b"\0" * 32 not in repr(key).encode()


def test_key_metadata_reports_deletion_window() -> None:
    key = _key(KeyState.PENDING_DELETION)
    key.deletion_date, key.pending_window_days = datetime(2026, 2, 1, tzinfo=timezone.utc), 7
    meta = key.metadata()
    assert meta["KeyState"] == "PendingDeletion" and meta["PendingDeletionWindowInDays"] == 7 and meta["Enabled"] is False
