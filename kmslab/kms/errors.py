"""Errors of the simulated AWS world, named and worded as AWS names and words them.

Responsible for one exception class per AWS error code, under one service-neutral root
(`AWSError`); `KMSError` is the root of the KMS ones, `S3Error` and `EC2Error` of the services
that call KMS. Every error carries `code` (the AWS error code) and `message` (AWS's wording).
`AccessDeniedException` carries the engine's `Decision` so the UI can show why.
Must not: decide anything (errors are raised by the service modules from engine decisions).
"""

from __future__ import annotations

from collections.abc import Sequence

from kmslab.iam.decision import Decision
from kmslab.iam.findings import Finding


class AWSError(Exception):
    """Root of every simulated AWS error. `code` is the AWS error code, `service` who raised it."""

    code: str = "InternalFailure"
    service: str = "aws"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# ---------------------------------------------------------------- KMS


class KMSError(AWSError):
    service = "kms"
    code = "KMSInternalException"


class AccessDeniedException(KMSError):
    """The engine denied the request. `decision` is None only for denials no policy decides
    (retiring a grant you are not entitled to retire)."""

    code = "AccessDeniedException"

    def __init__(self, message: str, decision: Decision | None = None) -> None:
        super().__init__(message)
        self.decision = decision


class NotFoundException(KMSError):
    code = "NotFoundException"


class DisabledException(KMSError):
    code = "DisabledException"


class KMSInvalidStateException(KMSError):
    code = "KMSInvalidStateException"


class InvalidCiphertextException(KMSError):
    code = "InvalidCiphertextException"


class IncorrectKeyException(KMSError):
    code = "IncorrectKeyException"


class InvalidKeyUsageException(KMSError):
    code = "InvalidKeyUsageException"


class InvalidGrantTokenException(KMSError):
    code = "InvalidGrantTokenException"


class InvalidGrantIdException(KMSError):
    code = "InvalidGrantIdException"


class ValidationException(KMSError):
    code = "ValidationException"


class MalformedPolicyDocumentException(KMSError):
    code = "MalformedPolicyDocumentException"

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings: tuple[Finding, ...] = tuple(findings)


class UnsupportedOperationException(KMSError):
    code = "UnsupportedOperationException"


class AlreadyExistsException(KMSError):
    code = "AlreadyExistsException"


class InvalidArnException(KMSError):
    code = "InvalidArnException"


class InvalidAliasNameException(KMSError):
    code = "InvalidAliasNameException"


class LimitExceededException(KMSError):
    code = "LimitExceededException"


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
