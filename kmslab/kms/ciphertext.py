"""The ciphertext blob format of the simulated KMS.

Responsible for packing and unpacking the `CiphertextBlob` that Encrypt, GenerateDataKey and
ReEncrypt return. The blob identifies its KMS key, so Decrypt needs no KeyId for symmetric keys,
and binds the encryption context as AAD.

Format (all integers big-endian):

    offset  size  field
    0       4     magic b"KLk1"
    4       2     n = length of the key ARN
    6       n     key ARN, ASCII (arn:aws:kms:REGION:ACCOUNT:key/ID)
    6+n     12    AES-GCM nonce
    18+n    ...   AES-256-GCM ciphertext followed by the 16-byte tag

AAD = the header (bytes 0 .. 18+n, i.e. magic, key ARN and nonce) + canonical_context(context),
so changing the key ARN, the nonce or the context makes authentication fail.
# SIMULATION: real KMS blobs have an opaque AWS-internal layout; ours is documented for teaching.
Must not: look keys up or authorize (service.py does that).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from kmslab.kms.crypto import NONCE_BYTES, TAG_BYTES, CryptoError, canonical_context, seal, unseal

MAGIC = b"KLk1"
MAX_BLOB = 6144  # AWS: CiphertextBlob is at most 6144 bytes (https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html)


@dataclass(frozen=True, slots=True)
class ParsedBlob:
    key_arn: str
    nonce: bytes
    body: bytes
    header: bytes


def pack(material: bytes, key_arn: str, plaintext: bytes, context: Mapping[str, str] | None) -> bytes:
    """Encrypt `plaintext` under `material` and return the blob naming `key_arn`."""
    arn = key_arn.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + struct.pack(">H", len(arn)) + arn + nonce
    _, body = seal(material, plaintext, header + canonical_context(context), nonce)
    return header + body


def parse(blob: object) -> ParsedBlob:
    """Split a blob; raises CryptoError when it is not one of ours (wrong type, size, magic)."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise CryptoError("ciphertext must be bytes")
    data = bytes(blob)
    if len(data) > MAX_BLOB or len(data) < 6 or data[:4] != MAGIC:
        raise CryptoError("not a KMS Lab ciphertext blob")
    (n,) = struct.unpack(">H", data[4:6])
    end = 6 + n + NONCE_BYTES
    if len(data) < end + TAG_BYTES:
        raise CryptoError("ciphertext blob is truncated")
    try:
        arn = data[6 : 6 + n].decode("ascii")
    except UnicodeDecodeError as exc:
        raise CryptoError("key ARN in blob is not ASCII") from exc
    return ParsedBlob(arn, data[6 + n : end], data[end:], data[:end])


def open_blob(material: bytes, parsed: ParsedBlob, context: Mapping[str, str] | None) -> bytes:
    """Decrypt a parsed blob; CryptoError when the context, the key or any byte is wrong."""
    return unseal(material, parsed.nonce, parsed.body, parsed.header + canonical_context(context))
