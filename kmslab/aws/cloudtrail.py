"""Simulated CloudTrail delivery: trails in several accounts writing to a central log bucket.

Responsible for what happens when a trail delivers a log file: the service principal
`cloudtrail.amazonaws.com` (calling AS ITSELF, not for a user) needs s3:PutObject from the
log-archive bucket's policy and kms:GenerateDataKey from the log key's policy, both with
aws:SourceArn = the trail ARN and aws:SourceAccount = the trail's account, and the encryption
context {"aws:cloudtrail:arn": TRAIL_ARN}. The log file (the account's CloudTrail records so
far, as JSON) is really encrypted into the bucket through S3's PutObject, readable with
s3.get_object.

    trail = world.cloudtrail.create_trail("111111111111", "org-trail", bucket="log-archive",
                                          kms_key_id=log_key.arn)
    world.cloudtrail.deliver(trail.arn)  -> ServiceResult

# AWS: (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html)
Must not: decide access (the engine does).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from kmslab.aws.chain import KMSCaller, ServiceResult, service_result
from kmslab.aws.errors import (
    InsufficientEncryptionPolicyException,
    InsufficientS3BucketPolicyException,
    S3AccessDenied,
    TrailNotFoundException,
)
from kmslab.aws.s3 import S3Service, WriterKey
from kmslab.kms.errors import AWSError, KMSError
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
    def __init__(self, world: World, kms: KMSService, s3: S3Service, *, trails: dict[str, Trail] | None = None) -> None:
        """CloudTrail in `world`, calling `kms` as itself and writing through `s3`; `trails` (by
        ARN) are the state to start from (a stored world), kept and updated in place."""
        self.world = world
        self.kms = kms
        self.s3 = s3
        self.trails: dict[str, Trail] = {} if trails is None else trails

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
        trail = self.trails.get(trail_arn)
        if trail is None:
            unknown = TrailNotFoundException(f"Unknown trail: {trail_arn} for the user")
            return service_result("cloudtrail", "DeliverLogFile", SERVICE, trail_arn, (), None, unknown)
        stamp = w.now().strftime("%Y%m%dT%H%MZ")
        obj_key = f"AWSLogs/{trail.account}/CloudTrail/{w.region}/{trail.account}_CloudTrail_{w.region}_{stamp}.json"
        payload = json.dumps({"Records": w.trail_for(trail.account)}, default=str).encode()

        def relay(error: KMSError) -> AWSError:
            return InsufficientEncryptionPolicyException(
                f"Insufficient permissions to access S3 bucket {trail.bucket} or KMS key {trail.kms_key_id}: {error.message}", error)

        # CloudTrail asks KMS as itself, for this trail: aws:SourceArn / aws:SourceAccount, no kms:ViaService.
        line = KMSCaller(self.kms, relay, source_arn=trail.arn, source_account=trail.account)
        put = self.s3.put_object(
            SERVICE, trail.bucket, obj_key, payload, acl="bucket-owner-full-control", source_arn=trail.arn,
            source_account=trail.account, writer_key=WriterKey(trail.kms_key_id, {"aws:cloudtrail:arn": trail.arn}, line),
        )
        s3_call, *kms_calls = put.calls
        error = put.error
        if isinstance(error, S3AccessDenied) and error.kms_error is None:
            error = InsufficientS3BucketPolicyException(f"Incorrect S3 bucket policy is detected for bucket: {trail.bucket}", error.decision)
        response: dict[str, object] | None = None
        if put.response is not None:
            response = {"Bucket": trail.bucket, "Key": obj_key, "SSEKMSKeyId": put.response["SSEKMSKeyId"]}
        return service_result("cloudtrail", "DeliverLogFile", SERVICE, trail_arn, kms_calls, response, error,
                              decisions=s3_call.decisions)
