"""CloudTrail: trails in several accounts delivering to a central, KMS-encrypted log archive."""

from __future__ import annotations

import json

from kmslab.aws.errors import InsufficientEncryptionPolicyException, InsufficientS3BucketPolicyException
from kmslab.aws.world import World
from tests.kms.test_world import A, B, C, doc, make_world, root_statement, stmt

L = "444444444444"  # log-archive account
BUCKET = "org-log-archive"
SERVICE = {"Service": "cloudtrail.amazonaws.com"}


def _world(bucket_accounts: tuple[str, ...] = (A, B, C), key_accounts: tuple[str, ...] = (A, B)) -> tuple[World, dict[str, str]]:
    w = make_world()
    w.add_account(L, "Log archive")
    key = w.create_key(L, doc(
        root_statement(L),
        stmt(["kms:GenerateDataKey*"], principal=SERVICE, sid="Allow CloudTrail to encrypt logs", condition={
            "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": [f"arn:aws:cloudtrail:*:{a}:trail/*" for a in key_accounts]},
            "StringEquals": {"aws:SourceAccount": list(key_accounts)},
        }),
    ))
    w.s3.create_bucket(L, BUCKET, default_encryption="aws:kms", kms_key_id=key.arn, policy_text=doc(
        stmt(["s3:PutObject"], f"arn:aws:s3:::{BUCKET}/AWSLogs/*", principal=SERVICE, condition={
            "StringEquals": {"aws:SourceAccount": list(bucket_accounts), "s3:x-amz-acl": "bucket-owner-full-control"}}),
    ))
    trails = {a: w.cloudtrail.create_trail(a, "org-trail", bucket=BUCKET, kms_key_id=key.arn).arn for a in (A, B, C)}
    return w, trails


def test_delivery_from_member_account_is_encrypted_in_log_archive() -> None:
    w, trails = _world()
    r = w.cloudtrail.deliver(trails[B])
    assert r.ok, r.error
    gdk = r.kms_calls[0]
    assert gdk.caller == "cloudtrail.amazonaws.com" and dict(gdk.encryption_context) == {"aws:cloudtrail:arn": trails[B]}
    assert gdk.decision is not None
    ctx = {k.lower(): v for k, v in gdk.decision.request.context.items()}
    assert ctx["aws:sourcearn"] == (trails[B],) and ctx["aws:sourceaccount"] == (B,)
    obj_key = str(r.response["Key"])  # type: ignore[index]
    assert obj_key.startswith(f"AWSLogs/{B}/CloudTrail/us-east-1/")
    auditor = w.add_user(L, "auditor", policies=[doc(stmt(["s3:GetObject"], f"arn:aws:s3:::{BUCKET}/*"), stmt(["kms:Decrypt"], "*"))])
    got = w.s3.get_object(auditor, BUCKET, obj_key)
    assert got.ok, got.error
    assert "Records" in json.loads(got.response["Body"])  # type: ignore[index,arg-type]


def test_service_principal_call_is_logged_in_key_owner_account_only() -> None:
    w, trails = _world()
    r = w.cloudtrail.deliver(trails[A])
    events = r.kms_calls[0].trail
    assert [e.recipient for e in events] == [L]
    assert events[0].record["userIdentity"] == {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}


def test_trail_of_account_missing_from_key_policy_is_refused() -> None:
    w, trails = _world()
    r = w.cloudtrail.deliver(trails[C])
    assert isinstance(r.error, InsufficientEncryptionPolicyException)
    assert r.kms_calls[0].decision is not None and not r.kms_calls[0].decision.allowed


def test_trail_of_account_missing_from_bucket_policy_is_refused_before_kms() -> None:
    w, trails = _world(bucket_accounts=(A,))
    r = w.cloudtrail.deliver(trails[B])
    assert isinstance(r.error, InsufficientS3BucketPolicyException)
    assert r.kms_calls == ()


def test_assumed_role_record_names_session_issuer() -> None:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A)))
    role = w.add_role(A, "app", policies=[doc(stmt(["kms:Encrypt"], key.arn))])
    session = w.assume_role(role, "job-7")
    traced = w.kms.call_traced(session, "Encrypt", {"KeyId": key.arn, "Plaintext": b"x", "EncryptionContext": {"k": "v"}})
    assert traced.error is None
    (event,) = traced.record.trail
    ident = event.record["userIdentity"]
    assert ident["type"] == "AssumedRole" and ident["arn"] == session  # type: ignore[index]
    assert ident["sessionContext"]["sessionIssuer"]["arn"] == role  # type: ignore[index]
    assert event.record["requestParameters"] == {"keyId": key.arn, "encryptionContext": {"k": "v"}, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    assert w.trail_for(A)[-1] is event.record


def test_failed_call_record_has_error_code_and_message() -> None:
    w = make_world()
    key = w.create_key(A, doc(root_statement(A)))
    nobody = w.add_user(A, "nobody")
    traced = w.kms.call_traced(nobody, "Decrypt", {"CiphertextBlob": b"junk"})
    (event,) = traced.record.trail
    assert event.record["errorCode"] == "InvalidCiphertextException" and event.record["errorMessage"]
    denied = w.kms.call_traced(nobody, "DescribeKey", {"KeyId": key.arn})
    assert denied.record.trail[0].record["errorCode"] == "AccessDeniedException"


def test_delivery_goes_through_s3s_put_object_and_its_bucket_policy() -> None:
    """The bucket policy sees what CloudTrail's PutObject sends: aws:SourceArn, aws:SourceAccount, x-amz-acl."""
    w, trails = _world()
    w.s3.put_bucket_policy(BUCKET, doc(
        stmt(["s3:PutObject"], f"arn:aws:s3:::{BUCKET}/AWSLogs/*", principal=SERVICE, condition={
            "StringEquals": {"aws:SourceArn": trails[A], "s3:x-amz-acl": "bucket-owner-full-control"}}),
    ))
    ok = w.cloudtrail.deliver(trails[A])
    assert ok.ok, ok.error
    first = ok.calls[0]
    assert (first.service, first.operation, first.caller) == ("cloudtrail", "DeliverLogFile", "cloudtrail.amazonaws.com")
    assert first.decision is not None and first.decision.request.action == "s3:PutObject"
    stored = w.s3.buckets[BUCKET].objects[str(ok.response["Key"])]  # type: ignore[index]
    assert stored.sse == "aws:kms" and stored.encryption_context == {"aws:cloudtrail:arn": trails[A]}
    assert stored.owner_caller == "cloudtrail.amazonaws.com" and not stored.bucket_key
    refused = w.cloudtrail.deliver(trails[B])  # B's trail ARN is not the one the bucket policy names
    assert isinstance(refused.error, InsufficientS3BucketPolicyException) and refused.error.decision is not None
    assert refused.kms_calls == () and refused.calls[0].decision is refused.error.decision


def test_delivery_to_a_missing_bucket_or_for_an_unknown_trail_fails_cleanly() -> None:
    w, trails = _world()
    gone = w.cloudtrail.create_trail(A, "lost", bucket="no-such-bucket", kms_key_id=trails[A])
    assert w.cloudtrail.deliver(gone.arn).error.code == "NoSuchBucket"  # type: ignore[union-attr]
    unknown = w.cloudtrail.deliver("arn:aws:cloudtrail:us-east-1:111111111111:trail/none")
    assert unknown.error is not None and unknown.error.code == "TrailNotFoundException" and len(unknown.calls) == 1
