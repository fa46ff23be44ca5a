"""The real AWS CLI and boto3 against KMS in a live lab: grants, key policy changes, key states."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from scenarios import progress
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db(transaction=True)

KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _encrypt(me: Any, profile: str, text: str, context: str) -> str:
    out = me.aws(profile, "kms", "encrypt", "--key-id", KEY_ARN, "--plaintext", text, "--encryption-context", context,
                 "--query", "CiphertextBlob", "--output", "text", check=True)
    return out.stdout.strip()


def test_cli_grant_used_with_its_grant_token_then_kept(learner: Any) -> None:
    me = learner("grants-temporary-decrypt")
    invoice = me.tmp / "invoice.bin"
    invoice.write_bytes(base64.b64decode(_encrypt(me, "kmslab-billing", "invoice 42", "Department=billing,Invoice=42")))
    payroll = me.tmp / "payroll.bin"
    payroll.write_bytes(base64.b64decode(_encrypt(me, "kmslab-billing", "payroll", "Department=payroll")))
    decrypt = ("kms", "decrypt", "--ciphertext-blob", "fileb://invoice.bin", "--encryption-context",
               "Department=billing,Invoice=42", "--query", "Plaintext", "--output", "text")
    denied = me.aws("kmslab-app", *decrypt)
    assert denied.returncode != 0 and "AccessDeniedException" in denied.stderr
    grant = json.loads(me.aws("kmslab-admin", "kms", "create-grant", "--key-id", KEY_ARN, "--grantee-principal",
                              "arn:aws:iam::111111111111:role/invoice-reader", "--operations", "Decrypt",
                              "--constraints", "EncryptionContextSubset={Department=billing}", check=True).stdout)
    # `=`: a token may start with "-", which the CLI's argument parser would take for an option
    got = me.aws("kmslab-app", *decrypt, f"--grant-tokens={grant['GrantToken']}", check=True)
    assert base64.b64decode(got.stdout.strip()) == b"invoice 42"
    # the grant is in the database: the next request (a fresh world) still honours it
    assert base64.b64decode(me.aws("kmslab-app", *decrypt, check=True).stdout.strip()) == b"invoice 42"
    refused = me.aws("kmslab-app", "kms", "decrypt", "--ciphertext-blob", "fileb://payroll.bin",
                     "--encryption-context", "Department=payroll")
    assert refused.returncode != 0 and "AccessDeniedException" in refused.stderr
    listed = json.loads(me.aws("kmslab-admin", "kms", "list-grants", "--key-id", KEY_ARN, check=True).stdout)
    assert [g["GrantId"] for g in listed["Grants"]] == [grant["GrantId"]]
    me.aws("kmslab-admin", "kms", "revoke-grant", "--key-id", KEY_ARN, "--grant-id", grant["GrantId"], check=True)
    after = me.aws("kmslab-app", *decrypt)
    assert after.returncode != 0 and "AccessDeniedException" in after.stderr


def test_cli_bad_grant_token_is_refused(learner: Any) -> None:
    me = learner("grants-temporary-decrypt")
    out = me.aws("kmslab-app", "kms", "describe-key", "--key-id", KEY_ARN, "--grant-tokens", "not-a-token")
    assert out.returncode != 0 and "InvalidGrantTokenException" in out.stderr


def _key_policy_letting_analyst_manage(extra: list[dict[str, object]] | None = None) -> str:
    statements: list[dict[str, object]] = [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "AnalystManagesKey", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:role/analyst"},
         "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DisableKey", "kms:EnableKey", "kms:DescribeKey"], "Resource": "*"},
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements + (extra or [])})


def test_boto3_put_key_policy_changes_the_learners_document(learner: Any) -> None:
    me = learner()
    me.save(key_policy=_key_policy_letting_analyst_manage())
    kms = me.boto3("kmslab-analyst").client("kms")
    new = _key_policy_letting_analyst_manage([
        {"Sid": "AllowAccountBToGenerateDataKeys", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
         "Action": "kms:GenerateDataKey", "Resource": "*"}])
    kms.put_key_policy(KeyId=KEY_ARN, PolicyName="default", Policy=new)
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    assert progress.current_documents(me.key, scenario)["key_policy"] == new
    assert json.loads(kms.get_key_policy(KeyId=KEY_ARN, PolicyName="default")["Policy"]) == json.loads(new)


def test_boto3_key_state_persists_and_is_enforced(learner: Any) -> None:
    me = learner()
    me.save(key_policy=_key_policy_letting_analyst_manage())
    kms = me.boto3("kmslab-analyst").client("kms")
    kms.disable_key(KeyId=KEY_ARN)
    meta = kms.describe_key(KeyId=KEY_ARN)["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and meta["Enabled"] is False
    assert meta["CreationDate"].year == 2026  # an epoch number on the wire, a datetime in boto3
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=b"KLk1" + b"\0" * 40)
    assert exc.value.response["Error"]["Code"] == "InvalidCiphertextException"
    kms.enable_key(KeyId=KEY_ARN)
    assert kms.describe_key(KeyId=KEY_ARN)["KeyMetadata"]["KeyState"] == "Enabled"


def test_boto3_ciphertext_decrypts_in_a_later_world(learner: Any) -> None:
    me = learner("grants-temporary-decrypt")
    billing = me.boto3("kmslab-billing").client("kms")
    blob = billing.encrypt(KeyId=KEY_ARN, Plaintext=b"kept", EncryptionContext={"Department": "billing"})["CiphertextBlob"]
    admin = me.boto3("kmslab-admin").client("kms")
    admin.create_grant(KeyId=KEY_ARN, GranteePrincipal="arn:aws:iam::111111111111:role/invoice-reader", Operations=["Decrypt"])
    app = me.boto3("kmslab-app").client("kms")
    assert app.decrypt(CiphertextBlob=blob, EncryptionContext={"Department": "billing"})["Plaintext"] == b"kept"
    with pytest.raises(ClientError) as exc:
        app.decrypt(CiphertextBlob=blob, EncryptionContext={"Department": "payroll"})
    assert exc.value.response["Error"]["Code"] == "InvalidCiphertextException"


def test_boto3_unknown_operation_names_it(learner: Any) -> None:
    me = learner()
    kms = me.boto3("kmslab-bob").client("kms")
    with pytest.raises(ClientError) as exc:
        kms.create_key()
    err = exc.value.response["Error"]
    assert err["Code"] == "UnknownOperationException" and "CreateKey" in err["Message"] and "README" in err["Message"]


def test_boto3_tampered_secret_is_refused_per_service(learner: Any) -> None:
    import boto3

    me = learner()
    good = me.boto3("kmslab-bob").get_credentials()
    endpoint = me.live_url + "/aws"
    bad = boto3.Session(aws_access_key_id=good.access_key, aws_secret_access_key=good.secret_key[:-1] + "x", region_name="us-east-1")
    cases = [("kms", lambda c: c.list_aliases(), "InvalidSignatureException"),
             ("s3", lambda c: c.head_bucket(Bucket="account-a-reports"), "403"),
             ("s3", lambda c: c.get_object(Bucket="account-a-reports", Key="x"), "SignatureDoesNotMatch"),
             ("sts", lambda c: c.get_caller_identity(), "SignatureDoesNotMatch")]
    for service, call, code in cases:
        with pytest.raises(ClientError) as exc:
            call(bad.client(service, endpoint_url=endpoint))
        assert exc.value.response["Error"]["Code"] == code, service
    unknown = boto3.Session(aws_access_key_id="AKIAUNKNOWNUNKNOWN12", aws_secret_access_key="x" * 40, region_name="us-east-1")
    for service, call, code in [("kms", lambda c: c.list_aliases(), "UnrecognizedClientException"),
                                ("s3", lambda c: c.get_object(Bucket="account-a-reports", Key="x"), "InvalidAccessKeyId"),
                                ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId")]:
        with pytest.raises(ClientError) as exc:
            call(unknown.client(service, endpoint_url=endpoint))
        assert exc.value.response["Error"]["Code"] == code, service
