"""The cryptography under the simulated KMS: AES-256-GCM with `cryptography`.

Responsible for generating key material and data keys, the canonical encoding of an
encryption context (bound as additional authenticated data), and sealing / opening bytes under
a KMS key's material. Key material is plain `bytes` here; only keys.py holds it, and only a data
key's Plaintext ever leaves the simulated KMS.
Must not: know key ids, policies or errors other than `CryptoError` (the KMS service maps it to
InvalidCiphertextException).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32  # AWS: symmetric KMS keys are 256-bit AES-GCM keys (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#symmetric-cmks)

RandomBytes = Callable[[int], bytes]


class CryptoError(Exception):
    """Authentication failed or the input is not what it claims to be."""


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def new_key_material(rand: RandomBytes = random_bytes) -> bytes:
    return rand(KEY_BYTES)


def canonical_context(context: Mapping[str, str] | None) -> bytes:
    """The encryption context as bytes: sorted pairs, compact JSON, UTF-8. Empty for no context.

    # AWS: the encryption context is additional authenticated data; pair order does not matter,
    # keys and values are case-sensitive (https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html)
    """
    if not context:
        return b""
    return json.dumps(dict(sorted(context.items())), separators=(",", ":"), ensure_ascii=False).encode()


def seal(material: bytes, plaintext: bytes, aad: bytes, nonce: bytes | None = None) -> tuple[bytes, bytes]:
    """AES-GCM encrypt; returns (nonce, ciphertext||tag). A fresh random nonce unless given."""
    n = nonce if nonce is not None else os.urandom(NONCE_BYTES)
    return n, AESGCM(material).encrypt(n, plaintext, aad)


def unseal(material: bytes, nonce: bytes, body: bytes, aad: bytes) -> bytes:
    """AES-GCM decrypt; raises CryptoError when the tag, the AAD or the key does not match."""
    try:
        return AESGCM(material).decrypt(nonce, body, aad)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("authentication failed") from exc
