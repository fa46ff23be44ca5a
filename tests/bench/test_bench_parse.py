"""Benchmarks: lint() of a ~30 KB key policy (target: median <= 5 ms) and of a small identity
policy. No timing asserted."""

import json

import pytest

from kmslab.iam.policy import PolicyKind
from kmslab.iam.validate import lint

OWNER = "111122223333"


def make_key_policy(target_bytes: int = 30_000) -> str:
    statements = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                   "Principal": {"AWS": f"arn:aws:iam::{OWNER}:root"}, "Action": "kms:*", "Resource": "*"}]
    i = 0
    while True:
        statements.append({
            "Sid": f"Allow use by app {i}",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{OWNER}:role/App{i}", f"arn:aws:iam::{OWNER}:user/dev{i}"]},
            "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com",
                                 f"kms:EncryptionContext:app{i}": ["billing", "payroll"]},
                "ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": [f"app{i}"]},
                "Bool": {"aws:SecureTransport": True},
            },
        })
        text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
        if len(text.encode()) >= target_bytes:
            return text
        i += 1


@pytest.fixture(scope="module")
def key_policy_text() -> str:
    return make_key_policy()


def test_bench_lint_30kb_key_policy(benchmark, key_policy_text):
    assert 29_000 <= len(key_policy_text.encode()) <= 32_768
    result = benchmark(lint, key_policy_text, PolicyKind.KEY_POLICY, account=OWNER)
    assert result.ok, [(f.code, f.message) for f in result.findings]
    assert len(result.policy.statements) > 30


def test_bench_lint_small_identity_policy(benchmark):
    """The editor's common case: one short identity policy, linted on each change."""
    text = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "UseKeyViaS3", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": f"arn:aws:kms:us-east-1:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}, indent=2)
    result = benchmark(lint, text, PolicyKind.IDENTITY, account=OWNER)
    assert result.ok and not result.findings, [(f.code, f.message) for f in result.findings]
    assert result.policy is not None and result.policy.statements[0].sid == "UseKeyViaS3"
