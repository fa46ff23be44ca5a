"""Benchmarks: envelope throughput against raw AES-GCM, and a GenerateDataKey+Decrypt round trip.

Run timed with `make bench`; under `make test` they run once with --benchmark-disable.
Figures are reported by pytest-benchmark; nothing here asserts speed.
"""

from __future__ import annotations

import io
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmslab.kms.envelope import DEFAULT_CHUNK, decrypt_stream, encrypt_stream, read_header
from tests.kms.test_world import A, doc, make_world, root_statement, stmt

PAYLOAD = os.urandom(16 * 1024 * 1024)  # 16 MiB: 16 envelope chunks
KEY = os.urandom(32)


class _Sink(io.RawIOBase):
    """A destination that discards bytes, so the bench measures encryption, not buffering."""

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return len(b)


def test_bench_raw_aesgcm_one_shot(benchmark: Any) -> None:
    aes = AESGCM(KEY)
    nonce = os.urandom(12)
    out = benchmark(aes.encrypt, nonce, PAYLOAD, b"")
    assert len(out) == len(PAYLOAD) + 16


def test_bench_envelope_encrypt_stream(benchmark: Any) -> None:
    def run() -> None:
        encrypt_stream(KEY, io.BytesIO(PAYLOAD), _Sink(), key_id="k", encrypted_data_key=b"e", chunk_size=DEFAULT_CHUNK)

    benchmark(run)


def test_bench_envelope_decrypt_stream(benchmark: Any) -> None:
    buf = io.BytesIO()
    encrypt_stream(KEY, io.BytesIO(PAYLOAD), buf, key_id="k", encrypted_data_key=b"e")
    blob = buf.getvalue()

    def run() -> None:
        src = io.BytesIO(blob)
        header, aad = read_header(src)
        decrypt_stream(KEY, header, aad, src, _Sink())

    benchmark(run)


def test_bench_generate_data_key_and_decrypt_round_trip(benchmark: Any) -> None:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A)))
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:GenerateDataKey", "kms:Decrypt"], key.arn))])
    ctx = {"aws:s3:arn": "arn:aws:s3:::b/k"}

    def run() -> bytes:
        out = w.kms.call(alice, "GenerateDataKey", {"KeyId": key.arn, "KeySpec": "AES_256", "EncryptionContext": ctx})
        back = w.kms.call(alice, "Decrypt", {"CiphertextBlob": out["CiphertextBlob"], "EncryptionContext": ctx})
        assert back["Plaintext"] == out["Plaintext"]
        return bytes(back["Plaintext"])  # type: ignore[arg-type]

    benchmark(run)
