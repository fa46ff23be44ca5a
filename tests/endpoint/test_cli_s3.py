"""The real AWS CLI against a live lab: the S3 cross-account scenario end to end."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from kmslab.endpoint.models import StoredObject
from scenarios import progress
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db(transaction=True)

KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def solution(extra_actions: tuple[str, ...] = ()) -> dict[str, str]:
    spec = Scenario.objects.get(slug="s3-cross-account-upload").spec()
    docs = dict(spec.solution)
    if extra_actions:
        for name in ("key_policy", "iam_policy"):
            data = json.loads(docs[name])
            for st in data["Statement"]:
                if st["Action"] == "kms:GenerateDataKey":
                    st["Action"] = ["kms:GenerateDataKey", *extra_actions]
            docs[name] = json.dumps(data)
    return docs


def test_cli_caller_identity_names_the_scenario_principal(learner: Any) -> None:
    me = learner()
    out = me.aws("kmslab-bob", "sts", "get-caller-identity", check=True)
    ident = json.loads(out.stdout)
    assert ident["Arn"] == "arn:aws:iam::111111111111:user/bob" and ident["Account"] == "111111111111"


def test_cli_role_profile_assumes_the_role(learner: Any) -> None:
    me = learner()
    ident = json.loads(me.aws("kmslab-analyst", "sts", "get-caller-identity", check=True).stdout)
    assert ident["Arn"] == "arn:aws:sts::222222222222:assumed-role/analyst/morning-report"


def test_cli_upload_denied_with_starting_documents_then_allowed_with_both_halves(learner: Any) -> None:
    me = learner()
    (me.tmp / "report.csv").write_text("date,revenue\n2026-11-28,1024\n")
    args = ("s3", "cp", "report.csv", "s3://account-a-reports/report.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN)
    denied = me.aws("kmslab-bob", *args)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr
    docs = solution()
    me.save(key_policy=docs["key_policy"])  # only the key policy half
    half = me.aws("kmslab-bob", *args)
    assert half.returncode != 0 and "AccessDenied" in half.stderr
    me.save(iam_policy=docs["iam_policy"])  # both halves
    me.aws("kmslab-bob", *args, check=True)
    me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/report.csv", "got.csv", check=True)
    assert (me.tmp / "got.csv").read_text() == "date,revenue\n2026-11-28,1024\n"
    head = json.loads(me.aws("kmslab-analyst", "s3api", "head-object", "--bucket", "account-a-reports", "--key", "report.csv", check=True).stdout)
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == KEY_ARN


def test_cli_upload_denied_then_apply_fix_from_the_api_calls_panel_twice_then_allowed(learner: Any) -> None:
    me = learner()
    (me.tmp / "report.csv").write_text("date,revenue\n")
    args = ("s3", "cp", "report.csv", "s3://account-a-reports/report.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN)
    applied = []
    for _ in range(2):  # the key policy half, then the IAM policy half
        denied = me.aws("kmslab-bob", *args)
        assert denied.returncode != 0 and "AccessDenied" in denied.stderr
        panel = me.client.get(f"/scenarios/{me.slug}/aws-calls/").content.decode()
        (call_id, title), = re.findall(r'data-call-fix="(\d+)">Apply fix to ([^<]+)</button>', panel)
        docs = progress.current_documents(me.key, Scenario.objects.get(slug=me.slug))
        resp = me.client.post(f"/scenarios/{me.slug}/aws-calls/{call_id}/fix/", docs, HTTP_HX_REQUEST="true")
        assert resp.status_code == 200 and "Applied fix for s3:PutObject by bob" in resp.content.decode()
        applied.append(title)
    assert applied == ["Account A key policy", "Account B IAM policy"]
    me.aws("kmslab-bob", *args, check=True)
    me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/report.csv", "got.csv", check=True)
    assert (me.tmp / "got.csv").read_text() == "date,revenue\n"


def test_cli_multipart_upload_of_20_mb_and_download(learner: Any) -> None:
    me = learner()
    # AWS: multipart uploads with SSE-KMS also need kms:Decrypt (S3 decrypts the data key per part)
    docs = solution(("kms:Decrypt",))
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    data = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    (me.tmp / "big.bin").write_bytes(data)
    me.aws("kmslab-bob", "s3", "cp", "big.bin", "s3://account-a-reports/big.bin", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN, check=True)
    me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/big.bin", "big-back.bin", check=True)
    assert (me.tmp / "big-back.bin").read_bytes() == data


def test_cli_another_learners_keys_reach_only_their_own_world(learner: Any) -> None:
    alice, eve = learner(name="alice"), learner(name="eve")
    docs = solution()
    alice.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    (eve.tmp / "r.csv").write_text("x")
    # eve's keys are eve's: her own (starting) documents decide, so she is denied
    denied = eve.aws("kmslab-bob", "s3", "cp", "r.csv", "s3://account-a-reports/r.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr
    (alice.tmp / "r.csv").write_text("alice's")
    alice.aws("kmslab-bob", "s3", "cp", "r.csv", "s3://account-a-reports/r.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN, check=True)
    # eve's analyst does not see alice's object
    missing = eve.aws("kmslab-analyst", "s3api", "head-object", "--bucket", "account-a-reports", "--key", "r.csv")
    assert missing.returncode != 0 and "404" in missing.stderr


def test_cli_reset_issues_new_keys_and_empties_the_lab(learner: Any) -> None:
    me = learner()
    docs = solution()
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    (me.tmp / "r.csv").write_text("x")
    me.aws("kmslab-bob", "s3", "cp", "r.csv", "s3://account-a-reports/r.csv", check=True)
    old = me.config.read_text()
    assert me.client.post(f"/scenarios/{me.slug}/aws-reset/").status_code == 302
    stale = me.aws("kmslab-bob", "sts", "get-caller-identity")
    assert stale.returncode != 0 and "InvalidClientTokenId" in stale.stderr
    assert me.refresh_config() != old
    missing = me.aws("kmslab-analyst", "s3api", "head-object", "--bucket", "account-a-reports", "--key", "r.csv")
    assert "404" in missing.stderr


def test_cli_scenario_reset_refuses_the_old_keys_and_empties_the_lab(learner: Any) -> None:
    """The scenario page's Reset (documents back to the start) resets the CLI lab too."""
    me = learner()
    docs = solution()
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    (me.tmp / "r.csv").write_text("x")
    me.aws("kmslab-bob", "s3", "cp", "r.csv", "s3://account-a-reports/r.csv", check=True)
    old = me.config.read_text()
    assert me.client.post(f"/scenarios/{me.slug}/reset/").status_code == 302
    for profile, service in (("kmslab-bob", "sts"), ("kmslab-bob", "s3")):
        args = ("get-caller-identity",) if service == "sts" else ("ls", "s3://account-a-reports/")
        stale = me.aws(profile, service, *args)
        assert stale.returncode != 0 and ("InvalidClientTokenId" if service == "sts" else "InvalidAccessKeyId") in stale.stderr
    assert me.refresh_config() != old
    missing = me.aws("kmslab-analyst", "s3api", "head-object", "--bucket", "account-a-reports", "--key", "r.csv")
    assert missing.returncode != 0 and "404" in missing.stderr
    assert not StoredObject.objects.exists()
