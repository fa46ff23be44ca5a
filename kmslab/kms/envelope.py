"""Envelope encryption: payloads of any size under a data key, streamed in constant memory.

Responsible for the envelope file format and for encrypting / decrypting a stream under a data
key. The high-level functions ask a KMS client for the data key (GenerateDataKey) and to decrypt
the stored copy (Decrypt); the low-level ones take the data key itself.

Format (integers big-endian):

    b"KLe1"                      magic
    u32 H                        length of the header
    H bytes                      header, UTF-8 JSON: {"v": 1, "alg": "AES_256_GCM_CHUNKED",
                                 "chunk": N, "key_id": KEY_ARN, "context": {...},
                                 "encrypted_data_key": base64(CiphertextBlob),
                                 "nonce_prefix": base64(7 random bytes)}
    records                      AES-GCM of each plaintext chunk, ciphertext || 16-byte tag

Every record but the last holds exactly N plaintext bytes; the last (the *final* record) holds
fewer than N (possibly 0), so the reader knows where the stream ends. Record i uses the nonce
nonce_prefix || u32(i) || (0x01 if final else 0x00) and, as AAD, SHA-256 of magic+length+header,
so reordering, truncation, appending, dropping the final record or editing the header (the
encryption context, the key id, the encrypted data key) are all detected.
Memory: two chunk buffers, whatever the payload size.
Must not: authorize or look up keys (the KMS client does, through the engine).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmslab.kms.crypto import CryptoError

MAGIC = b"KLe1"
TAG = 16
DEFAULT_CHUNK = 1 << 20  # 1 MiB: large chunks keep per-record overhead negligible
MAX_HEADER = 64 * 1024
_PREFIX = 7


class EnvelopeError(CryptoError):
    """The envelope is malformed, truncated, reordered or tampered with."""


class KmsClient(Protocol):
    """What the envelope functions need from KMS: `World.kms` satisfies it."""

    def call(self, caller: str, operation: str, params: Mapping[str, object]) -> Mapping[str, object]: ...


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    key_id: str
    encrypted_data_key: bytes
    encryption_context: Mapping[str, str] = field(default_factory=dict)
    chunk_size: int = DEFAULT_CHUNK
    nonce_prefix: bytes = b""
    alg: str = "AES_256_GCM_CHUNKED"

    def encode(self) -> bytes:
        doc = {
            "v": 1,
            "alg": self.alg,
            "chunk": self.chunk_size,
            "key_id": self.key_id,
            "context": dict(self.encryption_context),
            "encrypted_data_key": base64.b64encode(self.encrypted_data_key).decode(),
            "nonce_prefix": base64.b64encode(self.nonce_prefix).decode(),
        }
        body = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        return MAGIC + struct.pack(">I", len(body)) + body


def _readfull(src: BinaryIO, buf: memoryview) -> int:
    got = 0
    while got < len(buf):
        n = src.readinto(buf[got:])  # type: ignore[attr-defined]
        if not n:
            break
        got += n
    return got


def _read_up_to(src: BinaryIO, limit: int) -> bytes:
    """Up to `limit` bytes, fewer only at the end of `src` (short reads are retried)."""
    first = src.read(limit)
    if not first or len(first) == limit:
        return bytes(first or b"")
    parts = [first]
    got = len(first)
    while got < limit:
        more = src.read(limit - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    if index > 0xFFFFFFFF:
        raise EnvelopeError("payload too large for one envelope (2^32 chunks)")
    return prefix + struct.pack(">IB", index, 1 if final else 0)


def encrypt_stream(
    data_key: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    *,
    key_id: str = "",
    encrypted_data_key: bytes = b"",
    encryption_context: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> EnvelopeHeader:
    """Write the header then the encrypted records of everything read from `src` to `dst`."""
    if len(data_key) not in (16, 32):
        raise EnvelopeError("data key must be 16 or 32 bytes (AES_128 or AES_256)")
    if chunk_size < 1:
        raise EnvelopeError("chunk size must be positive")
    header = EnvelopeHeader(
        key_id,
        bytes(encrypted_data_key),
        dict(encryption_context or {}),
        chunk_size,
        os.urandom(_PREFIX),
        "AES_256_GCM_CHUNKED" if len(data_key) == 32 else "AES_128_GCM_CHUNKED",
    )
    head = header.encode()
    dst.write(head)
    aad = hashlib.sha256(head).digest()
    aes = AESGCM(data_key)
    first = _read_up_to(src, chunk_size)
    if len(first) < chunk_size:
        # The whole payload is one final record: no chunk-sized buffers for a small object.
        dst.write(aes.encrypt(_nonce(header.nonce_prefix, 0, True), first, aad))
        return header
    bufs = [bytearray(first), bytearray(chunk_size)]
    out = bytearray(chunk_size + TAG)
    outv = memoryview(out)
    cur = 0
    n = len(first)
    index = 0
    while True:
        final = n < chunk_size
        if not final:
            # Look ahead: a full chunk followed by nothing is not final; the empty record is.
            nxt = _readfull(src, memoryview(bufs[1 - cur]))
        data = memoryview(bufs[cur])[:n]
        aes.encrypt_into(_nonce(header.nonce_prefix, index, final), data, aad, outv[: n + TAG])
        dst.write(outv[: n + TAG])
        if final:
            return header
        index += 1
        cur, n = 1 - cur, nxt


def read_header(src: BinaryIO) -> tuple[EnvelopeHeader, bytes]:
    """Read and check the header; returns it and the chunk AAD."""
    first = _read_up_to(src, 8)
    if len(first) != 8 or first[:4] != MAGIC:
        raise EnvelopeError("not a KMS Lab envelope (bad magic)")
    (length,) = struct.unpack(">I", first[4:])
    if length > MAX_HEADER:
        raise EnvelopeError("envelope header is too large")
    body = _read_up_to(src, length)
    if len(body) != length:
        raise EnvelopeError("envelope header is truncated")
    try:
        doc = json.loads(body)
        ctx = doc["context"]
        header = EnvelopeHeader(
            key_id=str(doc["key_id"]),
            encrypted_data_key=base64.b64decode(doc["encrypted_data_key"], validate=True),
            encryption_context={str(k): str(v) for k, v in ctx.items()},
            chunk_size=int(doc["chunk"]),
            nonce_prefix=base64.b64decode(doc["nonce_prefix"], validate=True),
            alg=str(doc["alg"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise EnvelopeError("envelope header is malformed") from exc
    if doc.get("v") != 1 or not 1 <= header.chunk_size <= 64 << 20 or len(header.nonce_prefix) != _PREFIX:
        raise EnvelopeError("envelope header has unsupported values")
    return header, hashlib.sha256(first + body).digest()


def decrypt_stream(data_key: bytes, header: EnvelopeHeader, aad: bytes, src: BinaryIO, dst: BinaryIO) -> int:
    """Decrypt the records after the header into `dst`; returns the plaintext size.

    Raises EnvelopeError on any tampering, truncation or reordering. Plaintext of records
    already verified may have been written to `dst` before a later record fails: callers that
    must not release unverified data write to a temporary destination first.
    """
    try:
        aes = AESGCM(data_key)
    except ValueError as exc:
        raise EnvelopeError("data key has the wrong size") from exc
    size = header.chunk_size
    first = _read_up_to(src, size + TAG)
    if len(first) < size + TAG:
        # One final record only: decrypt it without chunk-sized buffers.
        if len(first) < TAG:
            raise EnvelopeError("envelope is truncated (final record missing)")
        try:
            plain = aes.decrypt(_nonce(header.nonce_prefix, 0, True), first, aad)
        except (InvalidTag, ValueError) as exc:
            raise EnvelopeError("record 0 failed authentication (tampered, reordered or truncated)") from exc
        dst.write(plain)
        return len(plain)
    buf = bytearray(first)
    bufv = memoryview(buf)
    out = bytearray(size)
    outv = memoryview(out)
    index = 0
    total = 0
    m = len(first)
    while True:
        if index:
            m = _readfull(src, bufv)
        final = m < size + TAG
        if final and m < TAG:
            raise EnvelopeError("envelope is truncated (final record missing)")
        try:
            aes.decrypt_into(_nonce(header.nonce_prefix, index, final), bufv[:m], aad, outv[: m - TAG])
        except (InvalidTag, ValueError) as exc:
            raise EnvelopeError(f"record {index} failed authentication (tampered, reordered or truncated)") from exc
        dst.write(outv[: m - TAG])
        total += m - TAG
        if final:
            if src.read(1):
                raise EnvelopeError("unexpected data after the final record")
            return total
        index += 1


def envelope_encrypt(
    kms: KmsClient,
    caller: str,
    key_id: str,
    src: BinaryIO,
    dst: BinaryIO,
    encryption_context: Mapping[str, str] | None = None,
    *,
    key_spec: str = "AES_256",
    chunk_size: int = DEFAULT_CHUNK,
) -> EnvelopeHeader:
    """GenerateDataKey as `caller`, encrypt `src` into `dst`, forget the plaintext data key.

    KMS errors (AccessDeniedException, DisabledException, ...) propagate unchanged.
    """
    params: dict[str, object] = {"KeyId": key_id, "KeySpec": key_spec}
    if encryption_context:
        params["EncryptionContext"] = dict(encryption_context)
    resp = kms.call(caller, "GenerateDataKey", params)
    plaintext = resp["Plaintext"]
    blob = resp["CiphertextBlob"]
    assert isinstance(plaintext, bytes) and isinstance(blob, bytes)
    return encrypt_stream(
        plaintext,
        src,
        dst,
        key_id=str(resp["KeyId"]),
        encrypted_data_key=blob,
        encryption_context=encryption_context,
        chunk_size=chunk_size,
    )


def envelope_decrypt(kms: KmsClient, caller: str, src: BinaryIO, dst: BinaryIO) -> EnvelopeHeader:
    """Read the header, Decrypt its data key as `caller` with its context, decrypt the rest."""
    header, aad = read_header(src)
    params: dict[str, object] = {"CiphertextBlob": header.encrypted_data_key}
    if header.encryption_context:
        params["EncryptionContext"] = dict(header.encryption_context)
    resp = kms.call(caller, "Decrypt", params)
    plaintext = resp["Plaintext"]
    assert isinstance(plaintext, bytes)
    decrypt_stream(plaintext, header, aad, src, dst)
    return header
