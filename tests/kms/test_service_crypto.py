"""KMS cryptographic operations: Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext)."""

from __future__ import annotations

import pytest

from kmslab.aws.world import World
from kmslab.kms.errors import (
    AccessDeniedException,
    DisabledException,
    IncorrectKeyException,
    InvalidCiphertextException,
    InvalidGrantTokenException,
    KMSError,
    KMSInvalidStateException,
    NotFoundException,
    UnsupportedOperationException,
    ValidationException,
)
from tests.kms.test_world import A, B, doc, make_world, root_statement, stmt


def _same_account() -> tuple[World, str, str]:
    """Account A: a key with the root statement; alice may use it through IAM."""
    w = make_world()
    key = w.create_key(A, doc(root_statement(A)), alias="alias/reports")
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:*"], key.arn))])
    return w, alice, key.arn


def test_encrypt_decrypt_round_trip_without_key_id() -> None:
    w, alice, arn = _same_account()
    blob = w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"secret", "EncryptionContext": {"a": "1"}})
    assert blob["KeyId"] == arn
    out = w.kms.call(alice, "Decrypt", {"CiphertextBlob": blob["CiphertextBlob"], "EncryptionContext": {"a": "1"}})
    assert out["Plaintext"] == b"secret" and out["KeyId"] == arn


@pytest.mark.parametrize("key_id", ["alias/reports", "KEYID", "ARN", "ALIASARN"], ids=["alias-name", "bare-id", "key-arn", "alias-arn"])
def test_encrypt_accepts_every_key_name_in_own_account(key_id: str) -> None:
    w, alice, arn = _same_account()
    key_id = {"KEYID": arn.rsplit("/", 1)[1], "ARN": arn, "ALIASARN": f"arn:aws:kms:us-east-1:{A}:alias/reports"}.get(key_id, key_id)
    assert w.kms.call(alice, "Encrypt", {"KeyId": key_id, "Plaintext": b"x"})["KeyId"] == arn


@pytest.mark.parametrize("size,ok", [(4096, True), (4097, False), (0, False)], ids=["4096", "4097", "empty"])
def test_encrypt_plaintext_limit_is_4096_bytes(size: int, ok: bool) -> None:
    w, alice, arn = _same_account()
    params = {"KeyId": arn, "Plaintext": b"a" * size}
    if ok:
        assert w.kms.call(alice, "Encrypt", params)["CiphertextBlob"]
    else:
        with pytest.raises(ValidationException):
            w.kms.call(alice, "Encrypt", params)


@pytest.mark.parametrize(
    "ctx", [{}, {"a": "2"}, {"A": "1"}, {"a": "1", "b": "2"}], ids=["none", "other-value", "key-case", "extra-pair"]
)
def test_decrypt_with_other_context_is_invalid_ciphertext(ctx: dict[str, str]) -> None:
    w, alice, arn = _same_account()
    blob = w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"x", "EncryptionContext": {"a": "1"}})["CiphertextBlob"]
    with pytest.raises(InvalidCiphertextException):
        w.kms.call(alice, "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": ctx})


@pytest.mark.parametrize("where", [-1, -20, 30], ids=["tag", "body", "header"])
def test_decrypt_tampered_ciphertext_is_invalid(where: int) -> None:
    w, alice, arn = _same_account()
    blob = bytearray(w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"x" * 40})["CiphertextBlob"])  # type: ignore[arg-type]
    blob[where] ^= 1
    with pytest.raises(InvalidCiphertextException):
        w.kms.call(alice, "Decrypt", {"CiphertextBlob": bytes(blob)})


def test_decrypt_junk_is_invalid_ciphertext() -> None:
    w, alice, _ = _same_account()
    with pytest.raises(InvalidCiphertextException):
        w.kms.call(alice, "Decrypt", {"CiphertextBlob": b"not a blob at all"})


def test_decrypt_with_wrong_key_id_is_incorrect_key() -> None:
    w, alice, arn = _same_account()
    other = w.create_key(A, doc(root_statement(A)))
    blob = w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})["CiphertextBlob"]
    with pytest.raises(IncorrectKeyException):
        w.kms.call(alice, "Decrypt", {"CiphertextBlob": blob, "KeyId": other.arn})


@pytest.mark.parametrize(
    "params,size",
    [({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16), ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)],
    ids=["aes256", "aes128", "1-byte", "1024-bytes"],
)
def test_generate_data_key_sizes_and_round_trip(params: dict[str, object], size: int) -> None:
    w, alice, arn = _same_account()
    out = w.kms.call(alice, "GenerateDataKey", {"KeyId": arn, **params})
    assert isinstance(out["Plaintext"], bytes) and len(out["Plaintext"]) == size
    back = w.kms.call(alice, "Decrypt", {"CiphertextBlob": out["CiphertextBlob"]})
    assert back["Plaintext"] == out["Plaintext"]


@pytest.mark.parametrize(
    "params",
    [{}, {"KeySpec": "AES_256", "NumberOfBytes": 32}, {"KeySpec": "AES_512"}, {"NumberOfBytes": 0}, {"NumberOfBytes": 1025}, {"NumberOfBytes": "32"}],
    ids=["neither", "both", "bad-spec", "zero", "too-many", "string"],
)
def test_generate_data_key_bad_size_is_validation_error(params: dict[str, object]) -> None:
    w, alice, arn = _same_account()
    with pytest.raises(ValidationException):
        w.kms.call(alice, "GenerateDataKey", {"KeyId": arn, **params})


def test_generate_data_key_without_plaintext_returns_no_plaintext() -> None:
    w, alice, arn = _same_account()
    out = w.kms.call(alice, "GenerateDataKeyWithoutPlaintext", {"KeyId": arn, "KeySpec": "AES_256"})
    assert "Plaintext" not in out
    assert len(w.kms.call(alice, "Decrypt", {"CiphertextBlob": out["CiphertextBlob"]})["Plaintext"]) == 32  # type: ignore[arg-type]


def test_reencrypt_moves_ciphertext_to_destination_key() -> None:
    w, alice, arn = _same_account()
    dest = w.create_key(A, doc(root_statement(A)))
    w.set_identity_policies(alice, [doc(stmt(["kms:*"], arn), stmt(["kms:ReEncryptTo", "kms:Decrypt"], dest.arn))])
    blob = w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"p", "EncryptionContext": {"x": "1"}})["CiphertextBlob"]
    out = w.kms.call(alice, "ReEncrypt", {"CiphertextBlob": blob, "SourceEncryptionContext": {"x": "1"}, "DestinationKeyId": dest.arn})
    assert out["SourceKeyId"] == arn and out["KeyId"] == dest.arn
    assert w.kms.call(alice, "Decrypt", {"CiphertextBlob": out["CiphertextBlob"]})["Plaintext"] == b"p"


def test_reencrypt_needs_reencrypt_to_on_destination() -> None:
    w = make_world()
    src = w.create_key(A, doc(root_statement(A)))
    dst = w.create_key(A, doc(root_statement(A)))
    user = w.add_user(A, "u", policies=[doc(stmt(["kms:Encrypt", "kms:ReEncryptFrom"], src.arn))])
    blob = w.kms.call(user, "Encrypt", {"KeyId": src.arn, "Plaintext": b"p"})["CiphertextBlob"]
    traced = w.kms.call_traced(user, "ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": dst.arn})
    assert isinstance(traced.error, AccessDeniedException)
    assert [d.request.action for d in traced.record.decisions] == ["kms:ReEncryptFrom", "kms:ReEncryptTo"]
    assert traced.record.decisions[0].allowed and not traced.record.decisions[1].allowed


def test_encrypt_without_any_permission_is_access_denied_with_decision() -> None:
    w, _, arn = _same_account()
    mallory = w.add_user(A, "mallory")
    with pytest.raises(AccessDeniedException) as info:
        w.kms.call(mallory, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})
    assert info.value.decision is not None and not info.value.decision.allowed
    assert "kms:Encrypt" in info.value.message


def test_iam_policy_alone_without_root_statement_is_denied() -> None:
    w = make_world()
    key = w.create_key(A, doc(stmt(["kms:*"], principal={"AWS": f"arn:aws:iam::{A}:user/admin"})))
    w.add_user(A, "admin")
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:*"], key.arn))])
    with pytest.raises(AccessDeniedException):
        w.kms.call(alice, "Encrypt", {"KeyId": key.arn, "Plaintext": b"x"})


def test_disabled_key_refuses_crypto_but_describes() -> None:
    w, alice, arn = _same_account()
    w.kms.call(alice, "DisableKey", {"KeyId": arn})
    with pytest.raises(DisabledException):
        w.kms.call(alice, "GenerateDataKey", {"KeyId": arn, "KeySpec": "AES_256"})
    assert w.kms.call(alice, "DescribeKey", {"KeyId": arn})["KeyMetadata"]["KeyState"] == "Disabled"  # type: ignore[index]


def test_disabled_key_still_denies_unauthorized_caller_first() -> None:
    w, alice, arn = _same_account()
    w.kms.call(alice, "DisableKey", {"KeyId": arn})
    with pytest.raises(AccessDeniedException):
        w.kms.call(w.add_user(A, "mallory"), "Encrypt", {"KeyId": arn, "Plaintext": b"x"})


def test_pending_deletion_key_is_invalid_state_for_decrypt() -> None:
    w, alice, arn = _same_account()
    blob = w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"x"})["CiphertextBlob"]
    w.kms.call(alice, "ScheduleKeyDeletion", {"KeyId": arn, "PendingWindowInDays": 7})
    with pytest.raises(KMSInvalidStateException):
        w.kms.call(alice, "Decrypt", {"CiphertextBlob": blob})


@pytest.mark.parametrize("key_id", ["alias/nope", "1234abcd-12ab-34cd-56ef-1234567890ab", f"arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab", "not/a/key"],
                         ids=["alias", "bare-id", "arn", "junk"])
def test_unknown_key_is_not_found(key_id: str) -> None:
    w, alice, _ = _same_account()
    with pytest.raises(NotFoundException):
        w.kms.call(alice, "Encrypt", {"KeyId": key_id, "Plaintext": b"x"})


@pytest.mark.parametrize(
    "params",
    [{"KeyId": 5, "Plaintext": b"x"}, {"Plaintext": b"x"}, {"KeyId": "alias/reports", "Plaintext": "text"},
     {"KeyId": "alias/reports", "Plaintext": b"x", "EncryptionContext": {"a": 1}}, {"KeyId": "alias/reports", "Plaintext": b"x", "EncryptionContext": "a=1"}],
    ids=["int-key", "no-key", "str-plaintext", "int-context-value", "str-context"],
)
def test_wrong_types_are_validation_errors(params: dict[str, object]) -> None:
    w, alice, _ = _same_account()
    with pytest.raises(ValidationException):
        w.kms.call(alice, "Encrypt", params)


def test_unknown_operation_is_unsupported() -> None:
    w, alice, _ = _same_account()
    with pytest.raises(UnsupportedOperationException):
        w.kms.call(alice, "Sign", {"KeyId": "alias/reports"})


def test_junk_grant_token_is_refused() -> None:
    w, alice, arn = _same_account()
    with pytest.raises(InvalidGrantTokenException):
        w.kms.call(alice, "Encrypt", {"KeyId": arn, "Plaintext": b"x", "GrantTokens": ["junk"]})


def test_every_error_is_a_kms_error_with_code() -> None:
    w, alice, _ = _same_account()
    traced = w.kms.call_traced(alice, "Encrypt", {"KeyId": "alias/nope", "Plaintext": b"x"})
    assert isinstance(traced.error, KMSError) and traced.record.error_code == "NotFoundException"
