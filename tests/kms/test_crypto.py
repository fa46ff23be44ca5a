"""The AES-GCM primitives under the simulated KMS."""

from __future__ import annotations

import pytest

from kmslab.kms.crypto import CryptoError, new_key_material, seal, unseal


def test_seal_unseal_round_trip() -> None:
    k = new_key_material()
    nonce, body = seal(k, b"hello", b"aad")
    assert unseal(k, nonce, body, b"aad") == b"hello"


@pytest.mark.parametrize("change", ["key", "aad", "nonce", "body"])
def test_unseal_detects_any_change(change: str) -> None:
    k = new_key_material()
    nonce, body = seal(k, b"hello", b"aad")
    args = {"key": k, "nonce": nonce, "body": body, "aad": b"aad"}
    if change == "key":
        args["key"] = new_key_material()
    elif change == "aad":
        args["aad"] = b"aaD"
    elif change == "nonce":
        args["nonce"] = bytes(12)
    else:
        args["body"] = bytes([body[0] ^ 1]) + body[1:]
    with pytest.raises(CryptoError):
        unseal(args["key"], args["nonce"], args["body"], args["aad"])


def test_fresh_nonce_per_seal() -> None:
    k = new_key_material()
    assert seal(k, b"x", b"")[0] != seal(k, b"x", b"")[0]
