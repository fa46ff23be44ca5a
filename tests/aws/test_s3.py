"""S3 with SSE-KMS: the seed's worked example end to end, default aws/s3, multipart, bucket policies."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from kmslab.aws.errors import NoSuchBucket, NoSuchKey, NoSuchUpload, S3AccessDenied, S3KMSError
from kmslab.aws.world import World
from kmslab.kms.calls import Outcome
from tests.kms.test_world import A, B, GUIDE_KEY_STATEMENT, doc, guide_iam_policy, make_world, root, root_statement, stmt

BUCKET = "reports-a"
S3_RW = stmt(["s3:PutObject", "s3:GetObject"], f"arn:aws:s3:::{BUCKET}/*")


def seed_example(*, bucket_default: str = "aws:kms", key_default: bool = True, bob_decrypt: bool = False) -> tuple[World, str, str]:
    """The study guide's scenario: bob (Account B) uploads to Account A's bucket under A's key."""
    w = make_world()
    key_statements = [root_statement(A), GUIDE_KEY_STATEMENT]
    if bob_decrypt:
        key_statements.append(stmt(["kms:Decrypt"], principal={"AWS": root(B)}, sid="Let B decrypt"))
    key = w.create_key(A, doc(*key_statements), alias="alias/reports")
    bucket_policy = doc(stmt(["s3:PutObject", "s3:GetObject"], f"arn:aws:s3:::{BUCKET}/*", principal={"AWS": root(B)}))
    w.s3.create_bucket(A, BUCKET, policy_text=bucket_policy, default_encryption=bucket_default, kms_key_id=key.arn if key_default else "")
    extra = [S3_RW] + ([stmt(["kms:Decrypt"], key.arn)] if bob_decrypt else [])
    bob = w.add_user(B, "bob", policies=[guide_iam_policy(key.arn, *extra)])
    return w, bob, key.arn


def test_seed_worked_example_upload_succeeds_with_the_handshake() -> None:
    w, bob, arn = seed_example()
    r = w.s3.put_object(bob, BUCKET, "q1.csv", b"revenue,42\n")
    assert r.ok, r.error
    assert r.response is not None and r.response["SSEKMSKeyId"] == arn
    s3_call, gdk = r.calls
    assert (s3_call.action, gdk.action) == ("s3:PutObject", "kms:GenerateDataKey")
    assert gdk.caller == bob and gdk.via_service == "s3.us-east-1.amazonaws.com"
    assert dict(gdk.encryption_context) == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/q1.csv"}
    assert gdk.decision is not None and gdk.decision.allowed


def test_seed_worked_example_object_is_really_encrypted() -> None:
    w, bob, _ = seed_example()
    w.s3.put_object(bob, BUCKET, "q1.csv", b"revenue,42\n")
    assert b"revenue" not in w.s3.buckets[BUCKET].objects["q1.csv"].body


def test_seed_worked_example_guide_policy_lacks_decrypt_so_bob_cannot_download() -> None:
    w, bob, _ = seed_example()
    w.s3.put_object(bob, BUCKET, "q1.csv", b"data")
    r = w.s3.get_object(bob, BUCKET, "q1.csv")
    assert isinstance(r.error, S3AccessDenied) and "kms:Decrypt" in r.error.message
    assert r.calls[-1].action == "kms:Decrypt" and r.calls[-1].outcome is Outcome.DENIED


def test_seed_worked_example_owner_account_user_decrypts_on_download() -> None:
    w, bob, arn = seed_example()
    w.s3.put_object(bob, BUCKET, "q1.csv", b"revenue,42\n")
    alice = w.add_user(A, "alice", policies=[doc(stmt(["s3:GetObject"], f"arn:aws:s3:::{BUCKET}/*"), stmt(["kms:Decrypt"], arn))])
    r = w.s3.get_object(alice, BUCKET, "q1.csv")
    assert r.ok, r.error
    assert r.response is not None and r.response["Body"] == b"revenue,42\n"


def test_seed_example_with_decrypt_on_both_sides_bob_downloads() -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    body = os.urandom(200_000)
    assert w.s3.put_object(bob, BUCKET, "big.bin", body).ok
    r = w.s3.get_object(bob, BUCKET, "big.bin")
    assert r.ok and r.response is not None and r.response["Body"] == body


def test_upload_without_iam_kms_permission_fails_at_generate_data_key() -> None:
    w, _, _ = seed_example()
    carl = w.add_user(B, "carl", policies=[doc(S3_RW)])
    r = w.s3.put_object(carl, BUCKET, "x", b"x")
    assert isinstance(r.error, S3AccessDenied)
    assert r.calls[0].outcome is Outcome.DENIED and r.calls[1].outcome is Outcome.DENIED
    assert r.calls[1].decision is not None and not r.calls[1].decision.allowed
    assert BUCKET not in {o for o in w.s3.buckets[BUCKET].objects}


def test_upload_without_bucket_policy_is_denied_before_kms() -> None:
    w, bob, _ = seed_example()
    w.s3.put_bucket_policy(BUCKET, doc(stmt(["s3:GetObject"], f"arn:aws:s3:::{BUCKET}/*", principal={"AWS": root(B)})))
    r = w.s3.put_object(bob, BUCKET, "x", b"x")
    assert isinstance(r.error, S3AccessDenied) and r.error.decision is not None
    assert [c.service for c in r.calls] == ["s3"]


def test_upload_with_alias_header_resolves_in_uploaders_account() -> None:
    w, bob, _ = seed_example()
    r = w.s3.put_object(bob, BUCKET, "x", b"x", sse="aws:kms", kms_key_id="alias/reports")
    assert isinstance(r.error, S3KMSError) and r.error.code == "KMS.NotFoundException"
    assert B in r.error.message


def test_default_aws_s3_key_cannot_serve_another_accounts_uploader() -> None:
    w, bob, _ = seed_example(key_default=False)
    r = w.s3.put_object(bob, BUCKET, "x", b"x")
    assert isinstance(r.error, S3AccessDenied)
    managed = w.managed_key(A, "alias/aws/s3")
    assert r.calls[1].resource == managed.arn


def test_default_aws_s3_key_serves_the_owner_account() -> None:
    w, _, _ = seed_example(key_default=False)
    alice = w.add_user(A, "alice", policies=[doc(stmt(["s3:*"], f"arn:aws:s3:::{BUCKET}/*"))])
    assert w.s3.put_object(alice, BUCKET, "x", b"hello").ok
    r = w.s3.get_object(alice, BUCKET, "x")
    assert r.ok and r.response is not None and r.response["Body"] == b"hello"


def test_aws_s3_key_is_unusable_directly_outside_s3() -> None:
    w, _, _ = seed_example(key_default=False)
    alice = w.add_user(A, "alice", policies=[doc(stmt(["kms:*"]))])
    managed = w.managed_key(A, "alias/aws/s3")
    traced = w.kms.call_traced(alice, "GenerateDataKey", {"KeyId": managed.arn, "KeySpec": "AES_256"})
    assert traced.record.outcome is Outcome.DENIED


def test_sse_s3_bucket_needs_no_kms_call() -> None:
    w, _, _ = seed_example(bucket_default="AES256")
    alice = w.add_user(A, "alice", policies=[doc(stmt(["s3:*"], f"arn:aws:s3:::{BUCKET}/*"))])
    r = w.s3.put_object(alice, BUCKET, "x", b"plain")
    assert r.ok and r.kms_calls == () and r.response is not None and r.response["ServerSideEncryption"] == "AES256"
    assert w.s3.get_object(alice, BUCKET, "x").response == {"Body": b"plain", "ContentLength": 5, "ServerSideEncryption": "AES256"}


def test_bucket_key_uses_bucket_arn_as_context() -> None:
    w, bob, _ = seed_example()
    r = w.s3.put_object(bob, BUCKET, "x", b"x", bucket_key=True)
    assert dict(r.calls[1].encryption_context) == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}"}


def test_disabled_key_fails_upload_with_kms_code() -> None:
    w, bob, arn = seed_example()
    w.keys[arn].state = w.keys[arn].state.DISABLED
    r = w.s3.put_object(bob, BUCKET, "x", b"x")
    assert r.error is not None and r.error.code == "KMS.DisabledException"


def test_multipart_upload_needs_kms_decrypt() -> None:
    w, bob, _ = seed_example()
    r = w.s3.create_multipart_upload(bob, BUCKET, "big")
    assert r.ok, r.error
    upload_id = str(r.response["UploadId"])  # type: ignore[index]
    part = w.s3.upload_part(bob, BUCKET, "big", upload_id, 1, b"part one")
    assert isinstance(part.error, S3AccessDenied) and part.calls[-1].action == "kms:Decrypt"


def test_multipart_upload_with_decrypt_round_trips() -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    upload_id = str(w.s3.create_multipart_upload(bob, BUCKET, "big").response["UploadId"])  # type: ignore[index]
    assert w.s3.upload_part(bob, BUCKET, "big", upload_id, 2, b"-two").ok
    assert w.s3.upload_part(bob, BUCKET, "big", upload_id, 1, b"one").ok
    done = w.s3.complete_multipart_upload(bob, BUCKET, "big", upload_id)
    assert done.ok, done.error
    r = w.s3.get_object(bob, BUCKET, "big")
    assert r.response is not None and r.response["Body"] == b"one-two"


def test_missing_bucket_and_key_errors() -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    assert isinstance(w.s3.put_object(bob, "nope", "x", b"x").error, NoSuchBucket)
    assert isinstance(w.s3.get_object(bob, BUCKET, "missing").error, NoSuchKey)


@pytest.mark.parametrize("who", ["B", "A"], ids=["cross-account-both-trails", "same-account-one-trail"])
def test_kms_call_logged_in_caller_and_key_owner_trails(who: str) -> None:
    w, bob, arn = seed_example()
    caller = bob if who == "B" else w.add_user(A, "alice", policies=[doc(S3_RW, stmt(["kms:GenerateDataKey"], arn))])
    r = w.s3.put_object(caller, BUCKET, "x", b"x")
    events = r.calls[1].trail
    expected = [B, A] if who == "B" else [A]
    assert [e.recipient for e in events] == expected
    rec = events[0].record
    assert rec["eventSource"] == "kms.amazonaws.com" and rec["eventName"] == "GenerateDataKey"
    assert rec["userIdentity"]["invokedBy"] == "s3.amazonaws.com"  # type: ignore[index]
    assert rec["requestParameters"]["encryptionContext"] == {"aws:s3:arn": f"arn:aws:s3:::{BUCKET}/x"}  # type: ignore[index]
    assert rec["resources"] == [{"accountId": A, "type": "AWS::KMS::Key", "ARN": arn}]


def test_denied_cross_account_kms_call_logged_only_in_callers_trail() -> None:
    w, bob, _ = seed_example()
    r = w.s3.get_object(bob, BUCKET, "x")  # NoSuchKey: no KMS call
    assert r.kms_calls == ()
    w.s3.put_object(bob, BUCKET, "x", b"x")
    r = w.s3.get_object(bob, BUCKET, "x")
    events = r.calls[-1].trail
    assert [e.recipient for e in events] == [B]
    assert events[0].record["errorCode"] == "AccessDeniedException"
    assert "Plaintext" not in str(events[0].record)


def test_request_header_aws_kms_without_key_id_uses_aws_s3() -> None:
    w, _, arn = seed_example()
    alice = w.add_user(A, "alice", policies=[doc(stmt(["s3:*"], f"arn:aws:s3:::{BUCKET}/*"))])
    r = w.s3.put_object(alice, BUCKET, "x", b"x", sse="aws:kms")
    assert r.ok and r.response is not None
    assert r.response["SSEKMSKeyId"] == w.managed_key(A, "alias/aws/s3").arn != arn


def test_put_object_with_unknown_caller_is_an_error_not_a_crash() -> None:
    w, _, _ = seed_example()
    r = w.s3.put_object("arn:aws:iam::999999999999:user/ghost", BUCKET, "x", b"x")
    assert r.error is not None and not r.ok


def test_via_service_condition_limits_key_to_s3() -> None:
    w = make_world()
    via = {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    key = w.create_key(A, doc(stmt(["kms:*"], principal={"AWS": root(A)}, sid="admin-through-iam",
                                   condition={"StringEquals": {"aws:username": "admin"}}),
                              stmt(["kms:GenerateDataKey", "kms:Decrypt"], principal={"AWS": root(A)}, condition=via)))
    w.s3.create_bucket(A, "only-s3", default_encryption="aws:kms", kms_key_id=key.arn)
    alice = w.add_user(A, "alice", policies=[doc(stmt(["s3:*"], "arn:aws:s3:::only-s3/*"), stmt(["kms:GenerateDataKey", "kms:Decrypt"], key.arn))])
    assert w.s3.put_object(alice, "only-s3", "x", b"via s3").ok
    direct = w.kms.call_traced(alice, "GenerateDataKey", {"KeyId": key.arn, "KeySpec": "AES_256"})
    assert direct.record.outcome is Outcome.DENIED
    assert w.s3.get_object(alice, "only-s3", "x").response["Body"] == b"via s3"  # type: ignore[index]


def test_cross_account_copies_share_an_event_id() -> None:
    w, bob, _ = seed_example()
    events = w.s3.put_object(bob, BUCKET, "x", b"x").calls[1].trail
    ids = {e.record["sharedEventID"] for e in events}
    assert len(events) == 2 and len(ids) == 1
    assert {e.record["recipientAccountId"] for e in events} == {A, B}
    assert w.trail_for(A)[-1]["eventName"] == w.trail_for(B)[-1]["eventName"] == "GenerateDataKey"


REQUIRE_SSE_KMS = {"Sid": "DenyUploadsWithoutSseKms", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                   "Resource": f"arn:aws:s3:::{BUCKET}/*",
                   "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}


def _guarded_bucket(*statements: dict) -> tuple[World, str, str]:
    """The seed example, with a bucket policy that also requires the SSE-KMS header."""
    w = make_world()
    key = w.create_key(A, doc(root_statement(A), GUIDE_KEY_STATEMENT), alias="alias/reports")
    allow_b = stmt(["s3:PutObject"], f"arn:aws:s3:::{BUCKET}/*", principal={"AWS": root(B)})
    w.s3.create_bucket(A, BUCKET, policy_text=doc(allow_b, *statements), default_encryption="aws:kms", kms_key_id=key.arn)
    return w, w.add_user(B, "bob", policies=[guide_iam_policy(key.arn, S3_RW)]), key.arn


def test_bucket_policy_sees_the_uploads_encryption_headers() -> None:
    # AWS: "require SSE-KMS" bucket policies test s3:x-amz-server-side-encryption, the request header
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms).
    w, bob, arn = _guarded_bucket(REQUIRE_SSE_KMS)
    assert w.s3.put_object(bob, BUCKET, "with-header.csv", b"x", sse="aws:kms", kms_key_id=arn).ok
    # relying on the bucket's default encryption sends no header: the Deny applies, as in AWS
    r = w.s3.put_object(bob, BUCKET, "default.csv", b"x")
    assert isinstance(r.error, S3AccessDenied) and r.error.decision is not None
    assert r.error.decision.verdict.value == "ExplicitlyDenied"
    assert r.error.decision.determining[0].statement.sid == "DenyUploadsWithoutSseKms"
    # the same rule holds for starting a multipart upload
    assert w.s3.create_multipart_upload(bob, BUCKET, "big.bin", sse="aws:kms", kms_key_id=arn).ok


def test_bucket_policy_can_require_a_specific_key() -> None:
    w, bob, arn = _guarded_bucket()
    allow_b = stmt(["s3:PutObject"], f"arn:aws:s3:::{BUCKET}/*", principal={"AWS": root(B)})
    pinned = {"Sid": "OnlyOurKey", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
              "Resource": f"arn:aws:s3:::{BUCKET}/*",
              "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption-aws-kms-key-id": arn}}}
    w.s3.put_bucket_policy(BUCKET, doc(allow_b, pinned))
    assert w.s3.put_object(bob, BUCKET, "ok.csv", b"x", sse="aws:kms", kms_key_id=arn).ok
    other = w.create_key(A, doc(root_statement(A), GUIDE_KEY_STATEMENT)).arn
    r = w.s3.put_object(bob, BUCKET, "other.csv", b"x", sse="aws:kms", kms_key_id=other)
    assert isinstance(r.error, S3AccessDenied) and r.error.decision is not None
    assert r.error.decision.determining[0].statement.sid == "OnlyOurKey"


def _upload(w: World, bob: str, key: str = "big", parts: tuple[bytes, ...] = (b"one", b"-two")) -> tuple[str, list[dict[str, object]]]:
    r = w.s3.create_multipart_upload(bob, BUCKET, key)
    assert r.ok, r.error
    upload_id = str(r.response["UploadId"])  # type: ignore[index]
    listed: list[dict[str, object]] = []
    for n, body in enumerate(parts, start=1):
        part = w.s3.upload_part(bob, BUCKET, key, upload_id, n, body)
        assert part.ok, part.error
        listed.append({"PartNumber": n, "ETag": part.response["ETag"]})  # type: ignore[index]
    return upload_id, listed


def test_multipart_complete_takes_the_listed_parts_in_order() -> None:
    w, bob, arn = seed_example(bob_decrypt=True)
    upload_id, listed = _upload(w, bob, parts=(b"one", b"-two", b"-three"))
    done = w.s3.complete_multipart_upload(bob, BUCKET, "big", upload_id, parts=[listed[0], listed[2]])
    assert done.ok, done.error
    assert done.response is not None and done.response["SSEKMSKeyId"] == arn and str(done.response["ETag"]).endswith('-2"')
    assert [c.action for c in done.calls] == ["s3:CompleteMultipartUpload", "kms:Decrypt"]
    assert w.s3.get_object(bob, BUCKET, "big").response["Body"] == b"one-three"  # type: ignore[index]
    assert w.s3.buckets[BUCKET].uploads == {}  # a completed upload is gone


@pytest.mark.parametrize("change,code", [
    (lambda ps: [ps[1], ps[0]], "InvalidPartOrder"),
    (lambda ps: [ps[0], {"PartNumber": 2, "ETag": '"not-the-etag"'}], "InvalidPart"),
    (lambda ps: [ps[0], {"PartNumber": 9, "ETag": ps[1]["ETag"]}], "InvalidPart"),
    (lambda ps: [], "InvalidArgument"),
    (lambda ps: "1,2", "InvalidArgument"),
], ids=["out-of-order", "wrong-etag", "never-uploaded", "empty", "not-a-list"])
def test_multipart_complete_refuses_a_wrong_parts_list(change: Callable[[list[dict[str, object]]], object], code: str) -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    upload_id, listed = _upload(w, bob)
    r = w.s3.complete_multipart_upload(bob, BUCKET, "big", upload_id, parts=change(listed))  # type: ignore[arg-type]
    assert r.error is not None and r.error.code == code
    assert r.kms_calls == ()  # refused before S3 touches the data key
    assert "big" not in w.s3.buckets[BUCKET].objects and upload_id in w.s3.buckets[BUCKET].uploads


def test_multipart_part_uploaded_again_replaces_the_first() -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    upload_id, _ = _upload(w, bob)
    again = w.s3.upload_part(bob, BUCKET, "big", upload_id, 2, b"-2")
    assert again.ok
    assert w.s3.complete_multipart_upload(bob, BUCKET, "big", upload_id).ok
    assert w.s3.get_object(bob, BUCKET, "big").response["Body"] == b"one-2"  # type: ignore[index]


def test_multipart_abort_discards_the_upload_and_needs_its_own_permission() -> None:
    w, bob, _ = seed_example(bob_decrypt=True)
    upload_id, _ = _upload(w, bob)
    denied = w.s3.abort_multipart_upload(bob, BUCKET, "big", upload_id)  # neither policy allows s3:AbortMultipartUpload
    assert isinstance(denied.error, S3AccessDenied) and denied.calls[0].outcome is Outcome.DENIED
    assert denied.calls[0].decision is not None and denied.calls[0].decision.request.action == "s3:AbortMultipartUpload"
    owner = w.add_user(A, "owner", policies=[doc(stmt(["s3:*"], f"arn:aws:s3:::{BUCKET}/*"))])
    assert w.s3.abort_multipart_upload(owner, BUCKET, "big", upload_id).ok
    gone = w.s3.upload_part(bob, BUCKET, "big", upload_id, 3, b"late")
    assert isinstance(gone.error, NoSuchUpload) and gone.kms_calls == ()


def test_multipart_upload_to_an_sse_s3_bucket_needs_no_kms_call() -> None:
    w, bob, _ = seed_example(bucket_default="AES256", key_default=False)
    upload_id, listed = _upload(w, bob)
    done = w.s3.complete_multipart_upload(bob, BUCKET, "big", upload_id, parts=listed)
    assert done.ok, done.error
    assert done.response is not None and done.response["ServerSideEncryption"] == "AES256" and "SSEKMSKeyId" not in done.response
    got = w.s3.get_object(bob, BUCKET, "big")
    assert got.response is not None and got.response["Body"] == b"one-two" and got.kms_calls == ()


def test_sse_s3_objects_survive_a_rebuilt_world() -> None:
    w, bob, _ = seed_example(bucket_default="AES256", key_default=False)
    assert w.s3.put_object(bob, BUCKET, "plain", b"sse-s3 body").ok
    again = World(state=w.state, services=w.service_state)
    assert again.s3.get_object(bob, BUCKET, "plain").response["Body"] == b"sse-s3 body"  # type: ignore[index]
