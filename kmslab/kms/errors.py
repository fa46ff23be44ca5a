"""Errors of simulated KMS, named and worded as AWS names and words them.

Responsible for one exception class per KMS error code, and for the service-neutral root
(`AWSError`) every simulated AWS error derives from; `KMSError` is the root of the KMS ones
(the services that call KMS have theirs in kmslab.aws.errors). Every error carries `code` (the
AWS error code) and `message` (AWS's wording). `AccessDeniedException` carries the engine's
`Decision` so the UI can show why.
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
