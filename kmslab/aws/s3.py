"""Simulated Amazon S3 with SSE-KMS: buckets, bucket policies, PutObject, GetObject, multipart upload.

Responsible for the S3 side of the handshake (s3:PutObject / s3:GetObject authorized by the
engine with the bucket policy and the caller's IAM policies) and for the KMS calls S3 makes AS
THE CALLER, with kms:ViaService = s3.REGION.amazonaws.com and the encryption context
{"aws:s3:arn": "arn:aws:s3:::BUCKET/KEY"} (the bucket ARN when S3 Bucket Keys are on).
Objects are really encrypted (envelope.py) with the data key and decrypted on GetObject.
Every operation returns chain.ServiceResult: the learner's call first, then each KMS call.

    world.s3.create_bucket("222222222222", "reports", policy_text=..., default_encryption="aws:kms",
                           kms_key_id=key.arn)
    world.s3.put_object(bob, "reports", "q1.csv", b"...")        -> ServiceResult
    world.s3.get_object(bob, "reports", "q1.csv").response["Body"]

    up = world.s3.create_multipart_upload(bob, "reports", "big.bin").response["UploadId"]
    etag = world.s3.upload_part(bob, "reports", "big.bin", up, 1, b"...").response["ETag"]
    world.s3.complete_multipart_upload(bob, "reports", "big.bin", up, parts=[{"PartNumber": 1, "ETag": etag}])
    world.s3.abort_multipart_upload(bob, "reports", "other.bin", other_upload_id)

# AWS: (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html)
# SIMULATION: buckets behave as "bucket owner enforced" (no ACLs, the bucket owner owns objects).
Must not: decide access (the engine does) or keep plaintext of stored objects.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kmslab.aws.chain import KMSCaller, ServiceResult, service_result
from kmslab.aws.errors import (
    BucketAlreadyExists,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    S3AccessDenied,
    S3KMSError,
)
from kmslab.iam.decision import Decision
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms.calls import CallRecord
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
class Part:
    body: bytes  # the envelope of this part alone
    etag: str  # as UploadPart returned it, quoted


@dataclass(slots=True)
class Upload:
    """A multipart upload in progress: the data key every part is encrypted with (protected by
    KMS for SSE-KMS, by S3's own key for SSE-S3) and the parts uploaded so far."""

    upload_id: str
    key: str
    kms_key_arn: str  # "" for SSE-S3
    encrypted_data_key: bytes
    encryption_context: dict[str, str]
    bucket_key: bool
    parts: dict[int, Part] = field(default_factory=dict)
    sse: str = SSE_KMS


@dataclass(frozen=True, slots=True)
class WriterKey:
    """SSE-KMS arranged by an AWS service that writes into a bucket as itself (CloudTrail): the
    KMS key and encryption context its objects are encrypted under, and its own line to KMS.

    # SIMULATION: AWS does not document how such a delivery splits the work between the service
    # and S3; the writer asks KMS for the data key as itself (its key policy statements name the
    # service principal and its own encryption context), and S3 stores an SSE-KMS object.
    """

    kms_key_id: str
    encryption_context: Mapping[str, str]
    kms: KMSCaller


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
    def __init__(self, world: World, kms: KMSService, *, buckets: dict[str, Bucket] | None = None,
                 sse_s3_key: bytes | None = None) -> None:
        """S3 in `world`, calling `kms` for the caller. `buckets` (by name, with their objects
        and uploads) and `sse_s3_key` (S3's own key for SSE-S3, 32 bytes) are the state to start
        from (a stored world); `buckets` is kept and updated in place."""
        self.world = world
        self.buckets: dict[str, Bucket] = {} if buckets is None else buckets
        self.sse_s3_key = world.random_bytes(32) if sse_s3_key is None else sse_s3_key
        self._sse_s3 = AESGCM(self.sse_s3_key)
        self._kms = KMSCaller(kms, _relay, via_service=f"s3.{world.region}.amazonaws.com")

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
        return service_result("s3", op, caller, resource, calls, response, error, decisions=trace, denied=(S3AccessDenied,))

    # ------------------------------------------------ operations
    def put_object(
        self, caller: str, bucket: str, key: str, body: bytes | BinaryIO, *, sse: str | None = None,
        kms_key_id: str | None = None, bucket_key: bool | None = None, acl: str | None = None,
        source_arn: str = "", source_account: str = "", writer_key: WriterKey | None = None,
    ) -> ServiceResult:
        """PutObject. `sse`/`kms_key_id` are the x-amz-server-side-encryption(-aws-kms-key-id)
        headers, `acl` the x-amz-acl header; `source_arn`/`source_account` are aws:SourceArn /
        aws:SourceAccount when an AWS service principal writes for one of its resources, and
        `writer_key` the SSE-KMS such a service arranges itself (see WriterKey)."""
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            context = _request_context(sse, kms_key_id, acl, source_arn, source_account)
            b = self._authorized_bucket(caller, "s3:PutObject", bucket, key, trace, context)
            if writer_key is not None:
                obj = self._writer_encrypted(b, caller, key, _body(body), writer_key, calls)
            else:
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
            data_key, edk = self._sse_s3_data_key(b)
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

    def _writer_encrypted(self, b: Bucket, caller: str, key: str, src: BinaryIO, writer: WriterKey,
                          calls: list[CallRecord]) -> StoredObject:
        ctx = dict(writer.encryption_context)
        resp = writer.kms(calls, caller, "GenerateDataKey", {"KeyId": writer.kms_key_id, "KeySpec": "AES_256", "EncryptionContext": ctx})
        plaintext, blob = resp["Plaintext"], resp["CiphertextBlob"]
        assert isinstance(plaintext, bytes) and isinstance(blob, bytes)
        out = io.BytesIO()
        key_arn = str(resp["KeyId"])
        encrypt_stream(plaintext, src, out, key_id=key_arn, encrypted_data_key=blob, encryption_context=ctx)
        return StoredObject(key, out.getvalue(), SSE_KMS, key_arn, ctx, False, caller)

    def _sse_s3_data_key(self, b: Bucket) -> tuple[bytes, bytes]:
        """A fresh data key, and that key sealed under S3's own key (SSE-S3: no KMS call)."""
        data_key = os.urandom(32)
        nonce = os.urandom(12)
        return data_key, nonce + self._sse_s3.encrypt(nonce, data_key, b.arn.encode())

    def _open_sse_s3(self, b: Bucket, edk: bytes) -> bytes:
        return self._sse_s3.decrypt(edk[:12], edk[12:], b.arn.encode())

    def _decrypt_body(self, b: Bucket, obj: StoredObject, caller: str, calls: list[CallRecord]) -> bytes:
        src = io.BytesIO(obj.body)
        header, aad = read_header(src)
        if obj.sse == SSE_S3:
            data_key = self._open_sse_s3(b, header.encrypted_data_key)
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
    # AWS: (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html)
    # SIMULATION: the 5 MiB minimum size of every part but the last is not enforced.
    def create_multipart_upload(
        self, caller: str, bucket: str, key: str, *, sse: str | None = None, kms_key_id: str | None = None,
        bucket_key: bool | None = None,
    ) -> ServiceResult:
        """CreateMultipartUpload: authorizes s3:PutObject and gets the data key every part will be
        encrypted with (SSE-KMS: GenerateDataKey as the caller)."""
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b = self._authorized_bucket(caller, "s3:PutObject", bucket, key, trace, _sse_headers(sse, kms_key_id))
            algorithm, key_id = self._choose_key(b, sse, kms_key_id)
            use_bucket_key = b.bucket_key if bucket_key is None else bucket_key
            if algorithm == SSE_S3:
                _, edk = self._sse_s3_data_key(b)
                upload = Upload("", key, "", edk, {}, False, sse=SSE_S3)
            else:
                ctx = self._context(b, key, use_bucket_key)
                resp = self._kms(calls, caller, "GenerateDataKey", {"KeyId": key_id, "KeySpec": "AES_256", "EncryptionContext": ctx})
                blob = resp["CiphertextBlob"]
                assert isinstance(blob, bytes)
                upload = Upload("", key, str(resp["KeyId"]), blob, ctx, use_bucket_key)
        except AWSError as exc:
            return self._result("CreateMultipartUpload", caller, resource, trace, calls, None, exc)
        upload.upload_id = self.world.new_hex(16)
        b.uploads[upload.upload_id] = upload
        response: dict[str, object] = {"UploadId": upload.upload_id, "Bucket": bucket, "Key": key, "ServerSideEncryption": upload.sse}
        if upload.sse == SSE_KMS:
            response["SSEKMSKeyId"] = upload.kms_key_arn
            response["BucketKeyEnabled"] = upload.bucket_key
        return self._result("CreateMultipartUpload", caller, resource, trace, calls, response, None)

    def _authorized_bucket(self, caller: str, action: str, bucket: str, key: str, trace: list[Decision],
                           context: Mapping[str, str] | None = None) -> Bucket:
        """The bucket, once the caller is known and the bucket policy + IAM allow `action` on the key."""
        self.world.identity_of(caller)
        b = self._bucket(bucket, key)
        self._authorize(caller, action, b, key, trace, context)
        return b

    def _open_upload(self, caller: str, action: str, bucket: str, key: str, upload_id: str,
                     trace: list[Decision]) -> tuple[Bucket, Upload]:
        """The bucket and its multipart upload `upload_id` of `key`, once `action` is authorized; or NoSuchUpload."""
        b = self._authorized_bucket(caller, action, bucket, key, trace)
        upload = b.uploads.get(upload_id) if isinstance(upload_id, str) else None
        if upload is None or upload.key != key:
            raise NoSuchUpload("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
        return b, upload

    def _upload_key(self, b: Bucket, upload: Upload, caller: str, calls: list[CallRecord]) -> bytes:
        if upload.sse == SSE_S3:
            return self._open_sse_s3(b, upload.encrypted_data_key)
        # AWS: multipart uploads need kms:Decrypt, because S3 decrypts the data key to encrypt
        # each part (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions)
        resp = self._kms(calls, caller, "Decrypt", {"CiphertextBlob": upload.encrypted_data_key, "EncryptionContext": upload.encryption_context})
        data_key = resp["Plaintext"]
        assert isinstance(data_key, bytes)
        return data_key

    def _seal(self, data_key: bytes, upload: Upload, src: BinaryIO) -> bytes:
        out = io.BytesIO()
        encrypt_stream(data_key, src, out, key_id=upload.kms_key_arn or "sse-s3", encrypted_data_key=upload.encrypted_data_key,
                       encryption_context=upload.encryption_context)
        return out.getvalue()

    def upload_part(self, caller: str, bucket: str, key: str, upload_id: str, part_number: int, body: bytes | BinaryIO) -> ServiceResult:
        """UploadPart: part `part_number` (1 to 10,000; uploading a number again replaces it);
        the response's ETag names it in complete_multipart_upload."""
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b, upload = self._open_upload(caller, "s3:PutObject", bucket, key, upload_id, trace)
            if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= 10000:
                raise InvalidArgument("Part number must be an integer between 1 and 10000, inclusive")
            sealed = self._seal(self._upload_key(b, upload, caller, calls), upload, _body(body))
        except AWSError as exc:
            return self._result("UploadPart", caller, resource, trace, calls, None, exc)
        etag = f'"{self.world.new_hex(16)}"'
        upload.parts[part_number] = Part(sealed, etag)
        return self._result("UploadPart", caller, resource, trace, calls, {"ETag": etag}, None)

    def complete_multipart_upload(self, caller: str, bucket: str, key: str, upload_id: str,
                                  parts: Sequence[Mapping[str, object]] | None = None) -> ServiceResult:
        """CompleteMultipartUpload: the object is the listed parts in order. `parts` is the
        request's list of {"PartNumber": n, "ETag": etag}, ascending; None takes every part uploaded."""
        trace: list[Decision] = []
        calls: list[CallRecord] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b, upload = self._open_upload(caller, "s3:PutObject", bucket, key, upload_id, trace)
            chosen = _chosen_parts(upload, parts)
            data_key = self._upload_key(b, upload, caller, calls)
            joined = io.BytesIO()
            for n in chosen:
                src = io.BytesIO(upload.parts[n].body)
                header, aad = read_header(src)
                decrypt_stream(data_key, header, aad, src, joined)
            joined.seek(0)
            sealed = self._seal(data_key, upload, joined)
        except AWSError as exc:
            return self._result("CompleteMultipartUpload", caller, resource, trace, calls, None, exc)
        b.objects[key] = StoredObject(key, sealed, upload.sse, upload.kms_key_arn, upload.encryption_context, upload.bucket_key, caller)
        del b.uploads[upload.upload_id]
        response: dict[str, object] = {"Bucket": bucket, "Key": key, "ETag": f'"{self.world.new_hex(16)}-{len(chosen)}"',
                                       "ServerSideEncryption": upload.sse}
        if upload.sse == SSE_KMS:
            response["SSEKMSKeyId"] = upload.kms_key_arn
            response["BucketKeyEnabled"] = upload.bucket_key
        return self._result("CompleteMultipartUpload", caller, resource, trace, calls, response, None)

    def abort_multipart_upload(self, caller: str, bucket: str, key: str, upload_id: str) -> ServiceResult:
        """AbortMultipartUpload (s3:AbortMultipartUpload): the upload and its parts are discarded."""
        trace: list[Decision] = []
        resource = f"arn:aws:s3:::{bucket}/{key}"
        try:
            b, upload = self._open_upload(caller, "s3:AbortMultipartUpload", bucket, key, upload_id, trace)
        except AWSError as exc:
            return self._result("AbortMultipartUpload", caller, resource, trace, [], None, exc)
        del b.uploads[upload.upload_id]
        return self._result("AbortMultipartUpload", caller, resource, trace, [], {}, None)


def _chosen_parts(upload: Upload, parts: Sequence[Mapping[str, object]] | None) -> list[int]:
    """The part numbers a CompleteMultipartUpload request names, checked as S3 checks them.

    # AWS: (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html)
    """
    if parts is None:
        chosen = sorted(upload.parts)
    else:
        if not isinstance(parts, (list, tuple)):
            raise InvalidArgument("Parts must be a list of {PartNumber, ETag}")
        chosen = []
        for p in parts:
            n = p.get("PartNumber") if isinstance(p, Mapping) else None
            etag = p.get("ETag") if isinstance(p, Mapping) else None
            if isinstance(n, bool) or not isinstance(n, int) or n not in upload.parts or upload.parts[n].etag.strip('"') != str(etag).strip('"'):
                raise InvalidPart("One or more of the specified parts could not be found. The part might not have been uploaded, "
                                  "or the specified entity tag might not have matched the part's entity tag.")
            if chosen and n <= chosen[-1]:
                raise InvalidPartOrder("The list of parts was not in ascending order. Parts must be ordered by part number.")
            chosen.append(n)
    if not chosen:
        raise InvalidArgument("You must specify at least one part")
    return chosen


def _relay(error: KMSError) -> AWSError:
    """How S3 reports a failed KMS call: AccessDenied carrying KMS's message and decision.

    # SIMULATION: other KMS failures are relayed as `KMS.<code>` (e.g. KMS.DisabledException);
    # AWS's exact S3 error codes for them vary by case.
    """
    if isinstance(error, AccessDeniedException):
        return S3AccessDenied(error.message, error.decision, error)
    return S3KMSError(error)


def _request_context(sse: str | None, kms_key_id: str | None, acl: str | None, source_arn: str,
                     source_account: str) -> dict[str, str]:
    """What a bucket policy sees of a PutObject request besides the caller: aws:SourceArn /
    aws:SourceAccount of a service principal's request, its x-amz-acl and encryption headers."""
    out: dict[str, str] = {}
    if source_arn:
        out["aws:SourceArn"] = source_arn
    if source_account:
        out["aws:SourceAccount"] = source_account
    if acl:
        out["s3:x-amz-acl"] = acl
    return {**out, **_sse_headers(sse, kms_key_id)}


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
