"""Call chains: what a learner's request set off, step by step.

Responsible for the records the UI shows as a handshake: the learner's call (s3:PutObject),
then each KMS call the service made on their behalf, each with its caller, kms:ViaService,
encryption context, the engine's decision(s), outcome, error, and the CloudTrail events it
produced. The services that call KMS gather them into a kmslab.aws.chain.ServiceResult.
Must not: decide or re-evaluate anything (it only holds values).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kmslab.iam.decision import Decision
from kmslab.kms.trail import TrailEvent


class Outcome(StrEnum):
    SUCCEEDED = "Succeeded"
    DENIED = "Denied"  # an authorization denial (AccessDenied*, UnauthorizedOperation)
    FAILED = "Failed"  # any other error (DisabledException, InvalidCiphertextException, ...)


@dataclass(frozen=True, slots=True)
class CallRecord:
    service: str  # "kms", "s3", "ec2", "cloudtrail"
    operation: str  # "GenerateDataKey", "PutObject"
    caller: str  # the principal ARN, or a service principal name
    resource: str  # key ARN, object ARN, snapshot id ...
    via_service: str = ""  # kms:ViaService, e.g. "s3.us-east-1.amazonaws.com"
    encryption_context: tuple[tuple[str, str], ...] = ()
    decisions: tuple[Decision, ...] = ()  # ReEncrypt has two (From and To)
    outcome: Outcome = Outcome.SUCCEEDED
    error_code: str = ""
    error_message: str = ""
    trail: tuple[TrailEvent, ...] = ()
    note: str = ""  # e.g. "alias resolved in the caller's account"

    @property
    def action(self) -> str:
        return f"{self.service}:{self.operation}"

    @property
    def decision(self) -> Decision | None:
        """The decision that determined the outcome (the last one made), or None."""
        return self.decisions[-1] if self.decisions else None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCEEDED
