"""Simulated Amazon S3 with SSE-KMS: buckets, bucket policies, PutObject, GetObject, multipart.

Responsible for the S3 side of the handshake (s3:PutObject / s3:GetObject authorized by the
engine with the bucket policy and the caller's IAM policies) and for the KMS calls S3 makes AS
THE CALLER, with kms:ViaService = s3.REGION.amazonaws.com and the encryption context
{"aws:s3:arn": "arn:aws:s3:::BUCKET/KEY"} (the bucket ARN when S3 Bucket Keys are on).
Objects are really encrypted (envelope.py) with the data key and decrypted on GetObject.
Every operation returns calls.ServiceResult: the learner's call first, then each KMS call.

    world.s3.create_bucket("222222222222", "reports", policy_text=..., default_encryption="aws:kms",
                           kms_key_id=key.arn)
    world.s3.put_object(bob, "reports", "q1.csv", b"...")        -> ServiceResult
    world.s3.get_object(bob, "reports", "q1.csv").response["Body"]

# AWS: (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html)
# SIMULATION: buckets behave as "bucket owner enforced" (no ACLs, the bucket owner owns objects).
Must not: decide access (the engine does) or keep plaintext of stored objects.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmslab.aws.chain import ServiceResult
from kmslab.aws.errors import (
    BucketAlreadyExists,
    InvalidArgument,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    S3AccessDenied,
    S3KMSError,
)
from kmslab.iam.decision import Decision
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms.calls import CallRecord, Outcome
from kmslab.kms.envelope import decrypt_stream, encrypt_stream, read_header
from kmslab.kms.errors import AccessDeniedException, AWSError, KMSError
from kmslab.kms.service import KMSService
from kmslab.kms.world import World, parse_or_raise

SSE_S3 = "AES256"
SSE_KMS = "aws:kms"


@dataclass(slots=True)
class StoredObject:
    key: str
    body: bytes  # the envelope (header + encrypted records); never plaintext
    sse: str
    kms_key_arn: str = ""
    encryption_context: dict[str, str] = field(default_factory=dict)
    bucket_key: bool = False
    owner_caller: str = ""


@dataclass(slots=True)
class Upload:
    upload_id: str
    key: str
    kms_key_arn: str
    encrypted_data_key: bytes
    encryption_context: dict[str, str]
    bucket_key: bool
    parts: dict[int, bytes] = field(default_factory=dict)


@dataclass(slots=True)
class Bucket:
    name: str
    owner: str
    policy: Policy | None = None
    policy_text: str = ""
    default_encryption: str = SSE_S3  # AWS: SSE-S3 is the default for every bucket since 2023
    default_kms_key_id: str = ""  # "" with aws:kms means aws/s3
    bucket_key: bool = False
    objects: dict[str, StoredObject] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.name}"


def _body(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data


class S3Service:
    def __init__(self, world: World, kms: KMSService) -> None:
        self.world = world
        self.kms = kms
        self.buckets: dict[str, Bucket] = {}
        self._sse_s3_key = AESGCM(world.random_bytes(32))  # S3-owned key for SSE-S3

    @property
    def via(self) -> str:
        return f"s3.{self.world.region}.amazonaws.com"

    # ------------------------------------------------ set-up (no authorization)
    def create_bucket(
        self, owner: str, name: str, *, policy_text: str | None = None, default_encryption: str = SSE_S3,
        kms_key_id: str = "", bucket_key: bool = False,
    ) -> Bucket:
        if name in self.buckets:
            raise BucketAlreadyExists(f"The requested bucket name `{name}` is not available.")
        if default_encryption not in (SSE_S3, SSE_KMS):
            raise InvalidArgument(f"default encryption must be {SSE_S3} or {SSE_KMS}")
        self.world.add_account(owner)
        b = Bucket(name, owner, default_encryption=default_encryption, default_kms_key_id=kms_key_id, bucket_key=bucket_key)
        if policy_text:
            b.policy = parse_or_raise(policy_text, PolicyKind.BUCKET_POLICY, f"Bucket policy of {name}")
            b.policy_text = policy_text
        self.buckets[name] = b
        return b

    def put_bucket_policy(self, name: str, policy_text: str) -> None:
        b = self._bucket(name)
        b.policy = parse_or_raise(policy_text, PolicyKind.BUCKET_POLICY, f"Bucket policy of {name}")
        b.policy_text = policy_text

    # ------------------------------------------------ helpers
    def _bucket(self, name: str, key: object = "-") -> Bucket:
        if not isinstance(key, str) or not key or len(key) > 1024:
            raise InvalidArgument("the object key must be a string of 1 to 1024 characters")
        b = self.buckets.get(name) if isinstance(name, str) else None
        if b is None:
            raise NoSuchBucket("The specified bucket does not exist")
        return b

    def _authorize(self, caller: str, action: str, bucket: Bucket, key: str, trace: list[Decision],
                   context: Mapping[str, str] | None = None) -> None:
        decision = self.world.authorize_resource(
            caller, action, f"{bucket.arn}/{key}", bucket.owner, resource_policy=bucket.policy, context=context
        )
        trace.append(decision)
        if not decision.allowed:
            raise S3AccessDenied("Access Denied", decision)

    def _kms(self, calls: list[CallRecord], caller: str, op: str, params: Mapping[str, object]) -> dict[str, object]:
        traced = self.kms.call_traced(caller, op, params, via_service=self.via)
        calls.append(traced.record)
        if traced.error is not None:
            raise _relay(traced.error)
        assert traced.response is not None
        return traced.response

    def _choose_key(self, bucket: Bucket, sse: str | None, kms_key_id: str | None) -> tuple[str, str]:
        """(algorithm, KeyId as S3 will pass it to KMS)."""
        algorithm = sse or bucket.default_encryption
        if algorithm not in (SSE_S3, SSE_KMS):
            raise InvalidArgument(f"x-amz-server-side-encryption `{algorithm}` is not supported")
        if algorithm == SSE_S3:
            return SSE_S3, ""
        # AWS: a request with x-amz-server-side-encryption: aws:kms and no key id uses aws/s3
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html); without the
        # header the bucket's default encryption applies.
        key_id = kms_key_id or (bucket.default_kms_key_id if sse is None else "")
        if not key_id:
            # SIMULATION: AWS does not document which account's aws/s3 serves another account's
            # uploader; we use the bucket owner's, whose fixed policy (kms:CallerAccount) then
            # denies the cross-account caller, as the docs' rule "AWS managed keys cannot be
            # used across accounts" requires.
            key_id = self.world.managed_key(bucket.owner, "alias/aws/s3").arn
        # AWS: a key id or alias given here is resolved by KMS in the REQUESTER's account
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html)
        return SSE_KMS, key_id

    def _result(self, op: str, caller: str, resource: str, trace: list[Decision], calls: list[CallRecord],
                response: dict[str, object] | None, error: AWSError | None) -> ServiceResult:
        outcome = Outcome.SUCCEEDED if error is None else (
            Outcome.DENIED if isinstance(error, S3AccessDenied) else Outcome.FAILED
        )
        first = CallRecord(
            service="s3", operation=op, caller=caller, resource=resource, decisions=tuple(trace), outcome=outcome,
            error_code=error.code if error else "", error_message=error.message if error else "",
        )
        return ServiceResult("s3", op, response, error, (first, *calls))

    # ------------------------------------------------ operations
    def put_object(
        self, caller: str, bucket: str, key: str, body: bytes | BinaryIO, *, sse: str | None = None,
        kms_key_id: str | None = None, bucket_key: bool | None = None,
    ) -> ServiceResult:
        """PutObject. `sse`/`kms_key_id` are the x-amz-server-side-encryption(-aws-kms-key-id) headers."""
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b = self._authorized_bucket(caller, "s3:PutObject", bucket, key, trace, _sse_headers(sse, kms_key_id))
            obj = self._encrypt_object(b, caller, key, _body(body), sse, kms_key_id, bucket_key, calls)
        except AWSError as exc:
            return self._result("PutObject", caller, resource, trace, calls, None, exc)
        b.objects[key] = obj
        response: dict[str, object] = {"ETag": f'"{self.world.new_hex(16)}"', "ServerSideEncryption": obj.sse}
        if obj.sse == SSE_KMS:
            response["SSEKMSKeyId"] = obj.kms_key_arn
            response["BucketKeyEnabled"] = obj.bucket_key
        return self._result("PutObject", caller, resource, trace, calls, response, None)

    def _context(self, b: Bucket, key: str, bucket_key: bool) -> dict[str, str]:
        # AWS: S3 uses the object ARN as encryption context, or the bucket ARN with S3 Bucket Keys
        # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#encryption-context)
        return {"aws:s3:arn": b.arn if bucket_key else f"{b.arn}/{key}"}

    def _encrypt_object(
        self, b: Bucket, caller: str, key: str, src: BinaryIO, sse: str | None, kms_key_id: str | None,
        bucket_key: bool | None, calls: list[CallRecord],
    ) -> StoredObject:
        algorithm, key_id = self._choose_key(b, sse, kms_key_id)
        out = io.BytesIO()
        if algorithm == SSE_S3:
            data_key = os.urandom(32)
            nonce = os.urandom(12)
            edk = nonce + self._sse_s3_key.encrypt(nonce, data_key, b.arn.encode())
            encrypt_stream(data_key, src, out, key_id="sse-s3", encrypted_data_key=edk)
            return StoredObject(key, out.getvalue(), SSE_S3, owner_caller=caller)
        use_bucket_key = b.bucket_key if bucket_key is None else bucket_key
        # SIMULATION: with Bucket Keys on, AWS reuses a bucket-level data key for a while; we
        # still call GenerateDataKey per object, with the bucket ARN as context.
        ctx = self._context(b, key, use_bucket_key)
        resp = self._kms(calls, caller, "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": ctx})
        plaintext, blob = resp["Plaintext"], resp["CiphertextBlob"]
        assert isinstance(plaintext, bytes) and isinstance(blob, bytes)
        encrypt_stream(plaintext, src, out, key_id=str(resp["KeyId"]), encrypted_data_key=blob, encryption_context=ctx)
        return StoredObject(key, out.getvalue(), SSE_KMS, str(resp["KeyId"]), ctx, use_bucket_key, caller)

    def _decrypt_body(self, b: Bucket, obj: StoredObject, caller: str, calls: list[CallRecord]) -> bytes:
        src = io.BytesIO(obj.body)
        header, aad = read_header(src)
        if obj.sse == SSE_S3:
            edk = header.encrypted_data_key
            data_key = self._sse_s3_key.decrypt(edk[:12], edk[12:], b.arn.encode())
        else:
            resp = self._kms(calls, caller, "Decrypt", {"CiphertextBlob": header.encrypted_data_key, "EncryptionContext": obj.encryption_context})
            data_key = resp["Plaintext"]  # type: ignore[assignment]
            assert isinstance(data_key, bytes)
        out = io.BytesIO()
        decrypt_stream(data_key, header, aad, src, out)
        return out.getvalue()

    def get_object(self, caller: str, bucket: str, key: str) -> ServiceResult:
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b = self._authorized_bucket(caller, "s3:GetObject", bucket, key, trace)
            obj = b.objects.get(key)
            if obj is None:
                # SIMULATION: AWS answers AccessDenied instead when the caller lacks s3:ListBucket.
                raise NoSuchKey("The specified key does not exist.")
            body = self._decrypt_body(b, obj, caller, calls)
        except AWSError as exc:
            return self._result("GetObject", caller, resource, trace, calls, None, exc)
        response: dict[str, object] = {"Body": body, "ContentLength": len(body), "ServerSideEncryption": obj.sse}
        if obj.sse == SSE_KMS:
            response["SSEKMSKeyId"] = obj.kms_key_arn
            response["BucketKeyEnabled"] = obj.bucket_key
        return self._result("GetObject", caller, resource, trace, calls, response, None)

    # ------------------------------------------------ multipart upload
    def create_multipart_upload(
        self, caller: str, bucket: str, key: str, *, sse: str | None = None, kms_key_id: str | None = None,
    ) -> ServiceResult:
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b = self._authorized_bucket(caller, "s3:PutObject", bucket, key, trace, _sse_headers(sse, kms_key_id))
            algorithm, key_id = self._choose_key(b, sse, kms_key_id)
            if algorithm != SSE_KMS:
                raise InvalidArgument("KMS Lab simulates multipart uploads with SSE-KMS only")
            ctx = self._context(b, key, b.bucket_key)
            resp = self._kms(calls, caller, "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": ctx})
        except AWSError as exc:
            return self._result("CreateMultipartUpload", caller, resource, trace, calls, None, exc)
        upload_id = self.world.new_hex(16)
        blob = resp["CiphertextBlob"]
        assert isinstance(blob, bytes)
        b.uploads[upload_id] = Upload(upload_id, key, str(resp["KeyId"]), blob, ctx, b.bucket_key)
        response: dict[str, object] = {"UploadId": upload_id, "Bucket": bucket, "Key": key, "SSEKMSKeyId": resp["KeyId"]}
        return self._result("CreateMultipartUpload", caller, resource, trace, calls, response, None)

    def _authorized_bucket(self, caller: str, action: str, bucket: str, key: str, trace: list[Decision],
                           context: Mapping[str, str] | None = None) -> Bucket:
        """The bucket, once the caller is known and the bucket policy + IAM allow `action` on the key."""
        self.world.identity_of(caller)
        b = self._bucket(bucket, key)
        self._authorize(caller, action, b, key, trace, context)
        return b

    def _open_upload(self, caller: str, bucket: str, key: str, upload_id: str, trace: list[Decision]) -> Upload:
        """The authorized caller's multipart upload `upload_id` of `bucket/key`, or NoSuchUpload."""
        b = self._authorized_bucket(caller, "s3:PutObject", bucket, key, trace)
        upload = b.uploads.get(upload_id) if isinstance(upload_id, str) else None
        if upload is None or upload.key != key:
            raise NoSuchUpload("The specified upload does not exist.")
        return upload

    def _upload_key(self, upload: Upload, caller: str, calls: list[CallRecord]) -> bytes:
        # AWS: multipart uploads need kms:Decrypt, because S3 decrypts the data key to encrypt
        # each part (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions)
        resp = self._kms(calls, caller, "Decrypt", {"CiphertextBlob": upload.encrypted_data_key, "EncryptionContext": upload.encryption_context})
        data_key = resp["Plaintext"]
        assert isinstance(data_key, bytes)
        return data_key

    def upload_part(self, caller: str, bucket: str, key: str, upload_id: str, part_number: int, body: bytes | BinaryIO) -> ServiceResult:
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            upload = self._open_upload(caller, bucket, key, upload_id, trace)
            if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= 10000:
                raise InvalidArgument("Part number must be an integer between 1 and 10000, inclusive")
            data_key = self._upload_key(upload, caller, calls)
            out = io.BytesIO()
            encrypt_stream(data_key, _body(body), out, key_id=upload.kms_key_arn, encrypted_data_key=upload.encrypted_data_key, encryption_context=upload.encryption_context)
        except AWSError as exc:
            return self._result("UploadPart", caller, resource, trace, calls, None, exc)
        upload.parts[part_number] = out.getvalue()
        return self._result("UploadPart", caller, resource, trace, calls, {"ETag": f'"{self.world.new_hex(16)}"'}, None)

    def complete_multipart_upload(self, caller: str, bucket: str, key: str, upload_id: str) -> ServiceResult:
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            upload = self._open_upload(caller, bucket, key, upload_id, trace)
            b = self._bucket(bucket, key)
            if not upload.parts:
                raise InvalidArgument("You must specify at least one part")
            data_key = self._upload_key(upload, caller, calls)
            joined = io.BytesIO()
            for n in sorted(upload.parts):
                src = io.BytesIO(upload.parts[n])
                header, aad = read_header(src)
                decrypt_stream(data_key, header, aad, src, joined)
            joined.seek(0)
            out = io.BytesIO()
            encrypt_stream(data_key, joined, out, key_id=upload.kms_key_arn, encrypted_data_key=upload.encrypted_data_key, encryption_context=upload.encryption_context)
        except AWSError as exc:
            return self._result("CompleteMultipartUpload", caller, resource, trace, calls, None, exc)
        b.objects[key] = StoredObject(key, out.getvalue(), SSE_KMS, upload.kms_key_arn, upload.encryption_context, upload.bucket_key, caller)
        del b.uploads[upload_id]
        response: dict[str, object] = {"Bucket": bucket, "Key": key, "ServerSideEncryption": SSE_KMS, "SSEKMSKeyId": upload.kms_key_arn}
        return self._result("CompleteMultipartUpload", caller, resource, trace, calls, response, None)


def _relay(error: KMSError) -> AWSError:
    """How S3 reports a failed KMS call: AccessDenied carrying KMS's message and decision.

    # SIMULATION: other KMS failures are relayed as `KMS.<code>` (e.g. KMS.DisabledException);
    # AWS's exact S3 error codes for them vary by case.
    """
    if isinstance(error, AccessDeniedException):
        return S3AccessDenied(error.message, error.decision, error)
    return S3KMSError(error)


def _sse_headers(sse: str | None, kms_key_id: str | None) -> dict[str, str]:
    """The request context a bucket policy sees for an upload: the encryption headers as sent.

    # AWS: bucket policies test the request's headers with s3:x-amz-server-side-encryption and
    # s3:x-amz-server-side-encryption-aws-kms-key-id; an upload relying on the bucket's default
    # encryption sends neither, so those keys are absent
    # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms)
    """
    out: dict[str, str] = {}
    if sse:
        out["s3:x-amz-server-side-encryption"] = sse
    if kms_key_id:
        out["s3:x-amz-server-side-encryption-aws-kms-key-id"] = kms_key_id
    return out
