"""Engine benchmarks: median time per KMS authorization (targets: seed example <= 30 us,
20-statement key policy + 3 identity policies <= 150 us). Figures are reported, never asserted.

The first two reuse the same parsed policies every round, as a page re-deciding a learner's
documents does, so the evaluator's per-statement memos are warm; the `_cold` variants hand every
round freshly parsed policies (parsing is setup, not timed) to measure evaluation without memos.
"""

from __future__ import annotations

from collections.abc import Callable

from kmslab.iam.policy import Policy
from kmslab.kms.authorize import authorize_kms
from tests.kms.golden.builders import BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt, seed_bob_policy, seed_key_policy

VIA = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
BIG_CTX = {**VIA, "aws:SecureTransport": "true", "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/k"}


def test_bench_seed_worked_example(benchmark) -> None:
    kp, bob = seed_key_policy(), seed_bob_policy()
    d = benchmark(lambda: authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=kp, identity_policies=[bob], context=VIA))
    assert d.allowed


def _big_key_policy() -> Policy:
    stmts = [root_stmt(), root_stmt(EXT, "Ext")]
    for i in range(18):
        stmts.append({"Sid": f"S{i}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:role/Role{i}"},
                      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], "Resource": "*",
                      "Condition": {"StringEquals": {"kms:ViaService": f"s{i}.us-east-1.amazonaws.com",
                                                     f"kms:EncryptionContext:app{i}": "x"},
                                    "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": ["app*"]}}})
    return key_policy(*stmts)


def _identity_policies() -> list[Policy]:
    return [iam_policy(*({"Sid": f"P{j}S{k}", "Effect": "Allow", "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                        "Resource": f"arn:aws:kms:*:{OWN}:key/*",
                        "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"},
                                      "Bool": {"aws:SecureTransport": "true"}}} for k in range(3))) for j in range(3)]


def test_bench_twenty_statement_key_policy(benchmark) -> None:
    kp, ids = _big_key_policy(), _identity_policies()
    d = benchmark(lambda: authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=kp, identity_policies=ids, context=BIG_CTX))
    assert d.allowed


def _cold(benchmark, make: Callable[[], tuple[Policy, list[Policy]]], context: dict[str, str], rounds: int) -> None:
    def setup() -> tuple[tuple[()], dict[str, object]]:
        kp, ids = make()
        return (), {"key_policy": kp, "identity_policies": ids}

    d = benchmark.pedantic(lambda key_policy, identity_policies: authorize_kms(
        BOB, "kms:GenerateDataKey", KEY, key_policy=key_policy, identity_policies=identity_policies, context=context),
        setup=setup, rounds=rounds)
    assert d.allowed


def test_bench_seed_worked_example_cold(benchmark) -> None:
    _cold(benchmark, lambda: (seed_key_policy(), [seed_bob_policy()]), VIA, rounds=300)


def test_bench_twenty_statement_key_policy_cold(benchmark) -> None:
    _cold(benchmark, lambda: (_big_key_policy(), _identity_policies()), BIG_CTX, rounds=100)
