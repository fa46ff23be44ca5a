"""Hostile input: any parameters give an AWS-named error or a response, never another exception."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmslab.aws.world import World
from kmslab.kms.envelope import envelope_decrypt, envelope_encrypt
from kmslab.kms.errors import AccessDeniedException, ValidationException
from kmslab.kms.service import KMSService
from tests.kms.test_world import A, B, doc, make_world, root_statement, stmt

_W = make_world()
_KEY = _W.create_key(A, doc(root_statement(A)), alias="alias/fuzz")
_ALICE = _W.add_user(A, "alice", policies=[doc(stmt(["kms:*"], "*"))])

values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.text(max_size=40) | st.binary(max_size=64)
    | st.sampled_from([_KEY.arn, "alias/fuzz", _KEY.key_id, "Decrypt", "AES_256"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
param_names = st.sampled_from([
    "KeyId", "Plaintext", "CiphertextBlob", "EncryptionContext", "KeySpec", "NumberOfBytes", "GranteePrincipal",
    "Operations", "Constraints", "GrantTokens", "GrantId", "GrantToken", "Policy", "PolicyName", "AliasName",
    "TargetKeyId", "PendingWindowInDays", "DestinationKeyId", "SourceEncryptionContext",
])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(op=st.sampled_from(sorted(KMSService(World()).operations)), params=st.dictionaries(param_names, values, max_size=5))
def test_kms_call_traced_never_raises_on_hostile_params(op: str, params: dict[str, object]) -> None:
    traced = _W.kms.call_traced(_ALICE, op, params)
    assert (traced.error is None) != (traced.response is None)


@pytest.mark.parametrize("caller", ["", "nobody", 42, "arn:aws:iam::999999999999:user/ghost"], ids=["empty", "junk", "int", "unknown"])
def test_unknown_or_malformed_caller_is_validation_error(caller: object) -> None:
    with pytest.raises(ValidationException):
        _W.kms.call(caller, "DescribeKey", {"KeyId": _KEY.arn})  # type: ignore[arg-type]


def test_params_not_a_mapping_is_validation_error() -> None:
    traced = _W.kms.call_traced(_ALICE, "DescribeKey", ["KeyId"])  # type: ignore[arg-type]
    assert isinstance(traced.error, ValidationException)


def test_envelope_through_kms_round_trips_and_enforces_policy() -> None:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A), stmt(["kms:GenerateDataKey"], principal={"AWS": f"arn:aws:iam::{B}:root"})))
    writer = w.add_user(B, "writer", policies=[doc(stmt(["kms:GenerateDataKey"], key.arn))])
    reader = w.add_user(A, "reader", policies=[doc(stmt(["kms:Decrypt"], key.arn))])
    data = b"x" * 300_000
    sealed = io.BytesIO()
    header = envelope_encrypt(w.kms, writer, key.arn, io.BytesIO(data), sealed, {"purpose": "test"}, chunk_size=65536)
    assert header.key_id == key.arn
    out = io.BytesIO()
    envelope_decrypt(w.kms, reader, io.BytesIO(sealed.getvalue()), out)
    assert out.getvalue() == data
    with pytest.raises(AccessDeniedException):
        envelope_decrypt(w.kms, writer, io.BytesIO(sealed.getvalue()), io.BytesIO())
