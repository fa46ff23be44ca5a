"""Simulated CloudTrail delivery: trails in several accounts writing to a central log bucket.

Responsible for what happens when a trail delivers a log file: the service principal
`cloudtrail.amazonaws.com` (calling AS ITSELF, not for a user) needs s3:PutObject from the
log-archive bucket's policy and kms:GenerateDataKey from the log key's policy, both with
aws:SourceArn = the trail ARN and aws:SourceAccount = the trail's account, and the encryption
context {"aws:cloudtrail:arn": TRAIL_ARN}. The log file (the account's CloudTrail records so
far, as JSON) is really encrypted into the bucket, readable with s3.get_object.

    trail = world.cloudtrail.create_trail("111111111111", "org-trail", bucket="log-archive",
                                          kms_key_id=log_key.arn)
    world.cloudtrail.deliver(trail.arn)  -> ServiceResult

# AWS: (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)
Must not: decide access (the engine does).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from kmslab.aws.chain import ServiceResult
from kmslab.aws.errors import (
    InsufficientEncryptionPolicyException,
    InsufficientS3BucketPolicyException,
    TrailNotFoundException,
)
from kmslab.aws.s3 import SSE_KMS, S3Service, StoredObject
from kmslab.kms.calls import CallRecord, Outcome
from kmslab.kms.envelope import encrypt_stream
from kmslab.kms.errors import AWSError
from kmslab.kms.service import KMSService
from kmslab.kms.world import World

SERVICE = "cloudtrail.amazonaws.com"


@dataclass(frozen=True, slots=True)
class Trail:
    name: str
    account: str
    arn: str
    bucket: str
    kms_key_id: str


class CloudTrailService:
    def __init__(self, world: World, kms: KMSService, s3: S3Service) -> None:
        self.world = world
        self.kms = kms
        self.s3 = s3
        self.trails: dict[str, Trail] = {}

    def create_trail(self, account: str, name: str, *, bucket: str, kms_key_id: str) -> Trail:
        """Set-up: a trail of `account` delivering to `bucket` (any account) under `kms_key_id`
        (use the key ARN: the key is usually in the log-archive account)."""
        self.world.add_account(account)
        arn = f"arn:{self.world.partition}:cloudtrail:{self.world.region}:{account}:trail/{name}"
        trail = Trail(name, account, arn, bucket, kms_key_id)
        self.trails[arn] = trail
        return trail

    def deliver(self, trail_arn: str) -> ServiceResult:
        """Deliver one log file for the trail; returns the chain (s3:PutObject, kms:GenerateDataKey)."""
        w = self.world
        calls: list[CallRecord] = []
        decisions = []
        error: AWSError | None = None
        response: dict[str, object] | None = None
        trail = self.trails.get(trail_arn)
        try:
            if trail is None:
                raise TrailNotFoundException(f"Unknown trail: {trail_arn} for the user")
            bucket = self.s3._bucket(trail.bucket)
            stamp = w.now().strftime("%Y%m%dT%H%MZ")
            obj_key = f"AWSLogs/{trail.account}/CloudTrail/{w.region}/{trail.account}_CloudTrail_{w.region}_{stamp}.json"
            source = {"aws:SourceArn": trail.arn, "aws:SourceAccount": trail.account}
            decision = w.authorize_resource(
                SERVICE, "s3:PutObject", f"{bucket.arn}/{obj_key}", bucket.owner,
                resource_policy=bucket.policy, context={**source, "s3:x-amz-acl": "bucket-owner-full-control"},
            )
            decisions.append(decision)
            if not decision.allowed:
                raise InsufficientS3BucketPolicyException(f"Incorrect S3 bucket policy is detected for bucket: {bucket.name}", decision)
            ctx = {"aws:cloudtrail:arn": trail.arn}
            traced = self.kms.call_traced(
                SERVICE, "GenerateDataKey", {"KeyId": trail.kms_key_id, "KeySpec": "AES_256", "EncryptionContext": ctx},
                source_arn=trail.arn, source_account=trail.account,
            )
            calls.append(traced.record)
            if traced.error is not None:
                raise InsufficientEncryptionPolicyException(
                    f"Insufficient permissions to access S3 bucket {bucket.name} or KMS key {trail.kms_key_id}: {traced.error.message}",
                    traced.error,
                )
            assert traced.response is not None
            plaintext, blob = traced.response["Plaintext"], traced.response["CiphertextBlob"]
            assert isinstance(plaintext, bytes) and isinstance(blob, bytes)
            payload = json.dumps({"Records": w.trail_for(trail.account)}, default=str).encode()
            out = io.BytesIO()
            key_arn = str(traced.response["KeyId"])
            encrypt_stream(plaintext, io.BytesIO(payload), out, key_id=key_arn, encrypted_data_key=blob, encryption_context=ctx)
            bucket.objects[obj_key] = StoredObject(obj_key, out.getvalue(), SSE_KMS, key_arn, ctx, False, SERVICE)
            response = {"Bucket": bucket.name, "Key": obj_key, "SSEKMSKeyId": key_arn}
        except AWSError as exc:
            error = exc
        outcome = Outcome.SUCCEEDED if error is None else Outcome.FAILED
        first = CallRecord(
            service="cloudtrail", operation="DeliverLogFile", caller=SERVICE, resource=trail_arn,
            decisions=tuple(decisions), outcome=outcome,
            error_code=error.code if error else "", error_message=error.message if error else "",
        )
        return ServiceResult("cloudtrail", "DeliverLogFile", response, error, (first, *calls))
