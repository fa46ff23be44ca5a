"""Engine benchmarks: median time per KMS authorization (targets: seed example <= 30 us,
20-statement key policy + 3 identity policies <= 150 us). Figures are reported, never asserted."""

from __future__ import annotations

from kmslab.kms.authorize import authorize_kms
from tests.kms.golden.builders import BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt, seed_bob_policy, seed_key_policy

VIA = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}


def test_bench_seed_worked_example(benchmark) -> None:
    kp, bob = seed_key_policy(), seed_bob_policy()
    d = benchmark(lambda: authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=kp, identity_policies=[bob], context=VIA))
    assert d.allowed


def _big_key_policy():
    stmts = [root_stmt(), root_stmt(EXT, "Ext")]
    for i in range(18):
        stmts.append({"Sid": f"S{i}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:role/Role{i}"},
                      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*",
                      "Condition": {"StringEquals": {"kms:ViaService": f"s{i}.us-east-1.amazonaws.com",
                                                     f"kms:EncryptionContext:app{i}": "x"},
                                    "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": ["app*"]}}})
    return key_policy(*stmts)


def _identity_policies():
    return [iam_policy(*({"Sid": f"P{j}S{k}", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                        "Resource": f"arn:aws:kms:*:{OWN}:key/*",
                        "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"},
                                      "Bool": {"aws:SecureTransport": "true"}}} for k in range(3))) for j in range(3)]


def test_bench_twenty_statement_key_policy(benchmark) -> None:
    kp, ids = _big_key_policy(), _identity_policies()
    ctx = {**VIA, "aws:SecureTransport": "true", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/k"}
    d = benchmark(lambda: authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=kp, identity_policies=ids, context=ctx))
    assert d.allowed
