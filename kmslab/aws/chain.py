"""A learner request's call chain: what a service operation returns.

Responsible for `ServiceResult`: the response or the error of one request to a service (S3,
EC2, CloudTrail, or KMS called directly), and the chain of calls it set off (kmslab.kms.calls
CallRecord: the learner's call first, then each KMS call made on their behalf).
Must not: decide or re-evaluate anything (it only holds values).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kmslab.kms.calls import CallRecord
from kmslab.kms.errors import AWSError
from kmslab.kms.trail import TrailEvent


@dataclass(frozen=True, slots=True)
class ServiceResult:
    """The result of one learner request: the response or the error, and the call chain."""

    service: str
    operation: str
    response: Mapping[str, object] | None
    error: AWSError | None
    calls: tuple[CallRecord, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def kms_calls(self) -> tuple[CallRecord, ...]:
        return tuple(c for c in self.calls if c.service == "kms")

    @property
    def trail_events(self) -> tuple[TrailEvent, ...]:
        return tuple(e for c in self.calls for e in c.trail)
