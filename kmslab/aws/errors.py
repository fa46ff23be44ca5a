"""Errors of the simulated services that call KMS (S3, EC2/EBS, CloudTrail), as AWS names them.

Responsible for one exception class per AWS error code under each service's root (`S3Error`,
`EC2Error`, `CloudTrailError`), all `AWSError`s. An error relaying a failed KMS call carries
that KMS error as `kms_error` (and its decision, when access was denied).
Must not: decide anything (errors are raised by the service modules from engine decisions).
"""

from __future__ import annotations

from kmslab.iam.decision import Decision
from kmslab.kms.errors import AWSError, KMSError


# ---------------------------------------------------------------- S3


class S3Error(AWSError):
    service = "s3"
    code = "InternalError"


class S3AccessDenied(S3Error):
    """S3's `AccessDenied`. When a KMS call S3 made for the caller was denied, `kms_error` is
    that KMS error (with its decision) and the message is KMS's, as S3 relays it."""

    code = "AccessDenied"

    def __init__(
        self,
        message: str = "Access Denied",
        decision: Decision | None = None,
        kms_error: KMSError | None = None,
    ) -> None:
        super().__init__(message)
        self.decision = decision
        self.kms_error = kms_error


class S3KMSError(S3Error):
    """A KMS failure other than access denied, relayed by S3 with a `KMS.` prefixed code
    (for example `KMS.DisabledException`)."""

    def __init__(self, kms_error: KMSError) -> None:
        super().__init__(kms_error.message)
        self.code = f"KMS.{kms_error.code}"
        self.kms_error = kms_error


class NoSuchBucket(S3Error):
    code = "NoSuchBucket"


class NoSuchKey(S3Error):
    code = "NoSuchKey"


class NoSuchUpload(S3Error):
    code = "NoSuchUpload"


class InvalidArgument(S3Error):
    code = "InvalidArgument"


class InvalidPart(S3Error):
    code = "InvalidPart"


class InvalidPartOrder(S3Error):
    code = "InvalidPartOrder"


class BucketAlreadyExists(S3Error):
    code = "BucketAlreadyExists"


# ---------------------------------------------------------------- EC2


class EC2Error(AWSError):
    service = "ec2"
    code = "InternalError"


class UnauthorizedOperation(EC2Error):
    code = "UnauthorizedOperation"

    def __init__(self, message: str, kms_error: KMSError | None = None) -> None:
        super().__init__(message)
        self.kms_error = kms_error


class InvalidSnapshotNotFound(EC2Error):
    code = "InvalidSnapshot.NotFound"


class InvalidVolumeNotFound(EC2Error):
    code = "InvalidVolume.NotFound"


class InvalidParameterValue(EC2Error):
    code = "InvalidParameterValue"


class InvalidParameter(EC2Error):
    code = "InvalidParameter"


class EC2KMSError(EC2Error):
    """A KMS failure EC2 relays (e.g. a disabled key): `KMS.<code>`-style client error."""

    def __init__(self, kms_error: KMSError) -> None:
        super().__init__(kms_error.message)
        self.code = f"KMS.{kms_error.code}"
        self.kms_error = kms_error


# ---------------------------------------------------------------- CloudTrail


class CloudTrailError(AWSError):
    service = "cloudtrail"
    code = "InternalError"


class TrailNotFoundException(CloudTrailError):
    code = "TrailNotFoundException"


class InsufficientEncryptionPolicyException(CloudTrailError):
    code = "InsufficientEncryptionPolicyException"

    def __init__(self, message: str, kms_error: KMSError | None = None) -> None:
        super().__init__(message)
        self.kms_error = kms_error


class InsufficientS3BucketPolicyException(CloudTrailError):
    code = "InsufficientS3BucketPolicyException"

    def __init__(self, message: str, decision: Decision | None = None) -> None:
        super().__init__(message)
        self.decision = decision
