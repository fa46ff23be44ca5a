"""Golden corpus: cases taken from AWS documentation examples, each citing its page.

Every case runs through authorize_kms directly and through `python -m kmslab.kms authorize`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmslab.iam.parse import parse_policy_object
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.grants import Grant, GrantConstraints

CASES_FILE = Path(__file__).with_name("cases.jsonl")
CASES = [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line.strip()]
ROOT = Path(__file__).resolve().parents[3]


def _policy(obj: object, kind: PolicyKind) -> Policy:
    result = parse_policy_object(obj, kind)
    assert result.policy is not None, result.findings
    return result.policy


def _grants(case: dict) -> list[Grant]:
    out = []
    for i, g in enumerate(case.get("grants", [])):
        c = g.get("constraints") or {}
        eq = c.get("encryption_context_equals", c.get("EncryptionContextEquals"))
        sub = c.get("encryption_context_subset", c.get("EncryptionContextSubset"))
        cons = GrantConstraints(tuple(eq.items()) if eq else None, tuple(sub.items()) if sub else None) if c else None
        out.append(Grant(f"g{i}", case["resource"], g["grantee_principal"], tuple(g["operations"]), cons))
    return out


def test_golden_corpus_is_large_and_cited() -> None:
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES)
    for c in CASES:
        assert c["source"].startswith("https://docs.aws.amazon.com/"), c["id"]
        assert c["expect"] in ("Allowed", "ImplicitlyDenied", "ExplicitlyDenied")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden_case_matches_aws(case: dict) -> None:
    kp = None if case["key_policy"] is None else _policy(case["key_policy"], PolicyKind.KEY_POLICY)
    ids = [_policy(p, PolicyKind.IDENTITY) for p in case.get("identity_policies", [])]
    d = authorize_kms(case["principal"], case["action"], case["resource"], key_policy=kp, identity_policies=ids,
                      grants=_grants(case), context=case.get("context"))
    assert d.verdict.value == case["expect"], case["source"]
    if "expect_reason" in case:
        assert d.reason.value == case["expect_reason"]
    if "expect_rule" in case:
        assert d.rule == case["expect_rule"]
    assert (d.message == "") == d.allowed


def test_golden_corpus_through_cli_gives_same_decisions() -> None:
    text = CASES_FILE.read_text()
    proc = subprocess.run([sys.executable, "-m", "kmslab.kms", "authorize"], input=text, capture_output=True,
                          text=True, cwd=ROOT, timeout=60, check=True)
    outs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in outs] == [c["id"] for c in CASES]
    for case, out in zip(CASES, outs):
        assert out["decision"] == case["expect"], case["id"]
        assert out["explanation"], case["id"]
        if case["expect"] != "Allowed":
            assert out["message"].startswith(f"User: {case['principal'] if case['principal'].startswith('arn:') else ''}")
