"""Envelope encryption: streaming round trips, tampering, truncation and reordering."""

from __future__ import annotations

import io
import os

import pytest

from kmslab.kms.envelope import EnvelopeError, decrypt_stream, encrypt_stream, read_header

KEY = bytes(range(32))


def _encrypt(data: bytes, chunk: int = 64, key: bytes = KEY, ctx: dict[str, str] | None = None) -> bytes:
    dst = io.BytesIO()
    encrypt_stream(key, io.BytesIO(data), dst, key_id="arn:k", encrypted_data_key=b"edk", encryption_context=ctx, chunk_size=chunk)
    return dst.getvalue()


def _decrypt(blob: bytes, key: bytes = KEY) -> bytes:
    src = io.BytesIO(blob)
    header, aad = read_header(src)
    out = io.BytesIO()
    decrypt_stream(key, header, aad, src, out)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 128, 1000, 64 * 50 + 7], ids=lambda s: f"{s}B")
def test_envelope_round_trip_any_size_returns_plaintext(size: int) -> None:
    data = os.urandom(size)
    assert _decrypt(_encrypt(data)) == data


def test_envelope_payload_much_larger_than_chunk_round_trips() -> None:
    data = os.urandom(3 * 1024 * 1024 + 11)
    assert _decrypt(_encrypt(data, chunk=64 * 1024)) == data


def test_envelope_aes128_data_key_round_trips() -> None:
    assert _decrypt(_encrypt(b"hello" * 100, key=KEY[:16]), key=KEY[:16]) == b"hello" * 100


def test_envelope_header_carries_key_context_and_encrypted_key() -> None:
    header, _ = read_header(io.BytesIO(_encrypt(b"x", ctx={"a": "b"})))
    assert (header.key_id, header.encrypted_data_key, dict(header.encryption_context)) == ("arn:k", b"edk", {"a": "b"})


def _records(blob: bytes, chunk: int) -> tuple[bytes, list[bytes]]:
    src = io.BytesIO(blob)
    read_header(src)
    head = blob[: src.tell()]
    rest = blob[src.tell() :]
    size = chunk + 16
    return head, [rest[i : i + size] for i in range(0, len(rest), size)]


def test_envelope_flipped_byte_is_rejected() -> None:
    blob = bytearray(_encrypt(os.urandom(500)))
    blob[-40] ^= 1
    with pytest.raises(EnvelopeError):
        _decrypt(bytes(blob))


def test_envelope_reordered_records_are_rejected() -> None:
    head, recs = _records(_encrypt(os.urandom(64 * 3 + 5)), 64)
    recs[0], recs[1] = recs[1], recs[0]
    with pytest.raises(EnvelopeError):
        _decrypt(head + b"".join(recs))


@pytest.mark.parametrize("drop", [1, 2], ids=["final-record", "two-records"])
def test_envelope_truncated_at_record_boundary_is_rejected(drop: int) -> None:
    head, recs = _records(_encrypt(os.urandom(64 * 3 + 5)), 64)
    with pytest.raises(EnvelopeError):
        _decrypt(head + b"".join(recs[:-drop]))


def test_envelope_truncated_mid_record_is_rejected() -> None:
    blob = _encrypt(os.urandom(64 * 3 + 5))
    with pytest.raises(EnvelopeError):
        _decrypt(blob[:-30])


def test_envelope_exact_multiple_without_empty_final_is_rejected() -> None:
    head, recs = _records(_encrypt(os.urandom(128)), 64)
    assert len(recs[-1]) == 16  # the empty final record
    with pytest.raises(EnvelopeError):
        _decrypt(head + b"".join(recs[:-1]))


def test_envelope_appended_data_is_rejected() -> None:
    with pytest.raises(EnvelopeError):
        _decrypt(_encrypt(b"abc") + b"junk")


def test_envelope_edited_context_in_header_is_rejected() -> None:
    blob = _encrypt(b"secret", ctx={"dept": "finance"})
    with pytest.raises(EnvelopeError):
        _decrypt(blob.replace(b"finance", b"fanance"))


def test_envelope_wrong_data_key_is_rejected() -> None:
    with pytest.raises(EnvelopeError):
        _decrypt(_encrypt(b"secret"), key=bytes(32))


@pytest.mark.parametrize(
    "blob",
    [b"", b"NOPE", b"KLe1\xff\xff\xff\xff", b"KLe1\x00\x00\x00\x05{bad}", b"KLe1\x00\x00\x00\x02{}"],
    ids=["empty", "bad-magic", "huge-header", "bad-json", "missing-fields"],
)
def test_envelope_malformed_header_is_rejected(blob: bytes) -> None:
    with pytest.raises(EnvelopeError):
        read_header(io.BytesIO(blob))


class _Trickle(io.RawIOBase):
    """A stream that hands out at most 5 bytes per read, as sockets and pipes may."""

    def __init__(self, data: bytes) -> None:
        self._src = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        chunk = self._src.read(min(5, len(b)))
        b[: len(chunk)] = chunk
        return len(chunk)


@pytest.mark.parametrize("size", [0, 7, 63, 64, 200], ids=lambda s: f"{s}B")
def test_envelope_short_reads_round_trip(size: int) -> None:
    data = os.urandom(size)
    dst = io.BytesIO()
    encrypt_stream(KEY, _Trickle(data), dst, chunk_size=64)  # type: ignore[arg-type]
    blob = dst.getvalue()
    assert _decrypt(blob) == data
    src = _Trickle(blob)
    header, aad = read_header(src)  # type: ignore[arg-type]
    out = io.BytesIO()
    decrypt_stream(KEY, header, aad, src, out)  # type: ignore[arg-type]
    assert out.getvalue() == data
