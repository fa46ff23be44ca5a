"""The ciphertext blob: names its key, binds the context, rejects tampering."""

from __future__ import annotations

import pytest

from kmslab.kms.ciphertext import open_blob, pack, parse
from kmslab.kms.crypto import CryptoError, canonical_context

MAT = bytes(range(32))
ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_blob_round_trip_names_its_key() -> None:
    blob = pack(MAT, ARN, b"data key", {"a": "1"})
    parsed = parse(blob)
    assert parsed.key_arn == ARN
    assert open_blob(MAT, parsed, {"a": "1"}) == b"data key"


def test_blob_context_order_does_not_matter() -> None:
    blob = pack(MAT, ARN, b"x", {"a": "1", "b": "2"})
    assert open_blob(MAT, parse(blob), {"b": "2", "a": "1"}) == b"x"


@pytest.mark.parametrize(
    "ctx",
    [None, {"a": "2"}, {"A": "1"}, {"a": "1", "b": "2"}],
    ids=["missing", "other-value", "key-case", "extra-pair"],
)
def test_blob_other_context_fails(ctx: dict[str, str] | None) -> None:
    blob = pack(MAT, ARN, b"x", {"a": "1"})
    with pytest.raises(CryptoError):
        open_blob(MAT, parse(blob), ctx)


def test_blob_tampered_byte_fails() -> None:
    blob = bytearray(pack(MAT, ARN, b"x" * 32, None))
    blob[-5] ^= 0x80
    with pytest.raises(CryptoError):
        open_blob(MAT, parse(bytes(blob)), None)


def test_blob_with_swapped_key_arn_fails() -> None:
    other = ARN.replace("222222222222", "333333333333")
    blob = pack(MAT, ARN, b"x", None).replace(ARN.encode(), other.encode())
    with pytest.raises(CryptoError):
        open_blob(MAT, parse(blob), None)


@pytest.mark.parametrize("blob", [b"", b"garbage", "text", b"KLk1\x00\x05abc", b"KLk1" + b"\x00" * 7000], ids=["empty", "junk", "str", "short", "huge"])
def test_blob_malformed_is_rejected(blob: object) -> None:
    with pytest.raises(CryptoError):
        parse(blob)


def test_canonical_context_empty_and_sorted() -> None:
    assert canonical_context({}) == b"" and canonical_context(None) == b""
    assert canonical_context({"b": "2", "a": "1"}) == b'{"a":"1","b":"2"}'
