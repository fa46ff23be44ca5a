"""A learner request's call chain, and the one way a service calls KMS while serving it.

Responsible for `ServiceResult`: the response or the error of one request to a service (S3,
EC2, CloudTrail, or KMS called directly), and the chain of calls it set off (kmslab.kms.calls
CallRecord: the learner's call first, then each KMS call made on their behalf); for
`KMSCaller`, how a service calls KMS (as the caller, with kms:ViaService, or as a service
principal with aws:SourceArn / aws:SourceAccount), adds the call's record to the chain and
reports a failed call as that service reports it; and for `service_result`, the one way a
service operation turns into a ServiceResult.
Must not: decide or re-evaluate anything (the engine decides; this only carries values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from kmslab.iam.decision import Decision
from kmslab.kms.calls import CallRecord, Outcome
from kmslab.kms.errors import AWSError, KMSError
from kmslab.kms.service import KMSService

Relay = Callable[[KMSError], AWSError]


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


class KMSCaller:
    """A service's line to KMS.

    `via_service` ("s3.us-east-1.amazonaws.com") is the kms:ViaService of calls made for the
    caller; leave it empty for a service principal calling as itself, and pass `source_arn` /
    `source_account` per call instead. `relay` turns a failed KMS call into the service's error.
    """

    def __init__(self, kms: KMSService, relay: Relay, *, via_service: str = "", source_arn: str = "",
                 source_account: str = "") -> None:
        self.kms = kms
        self.relay = relay
        self.via_service = via_service
        self.source_arn = source_arn
        self.source_account = source_account

    def __call__(self, calls: list[CallRecord], caller: str, operation: str, params: Mapping[str, object]) -> dict[str, object]:
        """Make the KMS call, append its record to `calls`; the response, or raise the relayed error."""
        traced = self.kms.call_traced(caller, operation, params, via_service=self.via_service,
                                      source_arn=self.source_arn, source_account=self.source_account)
        calls.append(traced.record)
        if traced.error is not None:
            raise self.relay(traced.error)
        assert traced.response is not None
        return traced.response


def service_result(
    service: str, operation: str, caller: str, resource: str, calls: Sequence[CallRecord],
    response: Mapping[str, object] | None, error: AWSError | None, *, decisions: Sequence[Decision] = (),
    denied: tuple[type[AWSError], ...] = (),
) -> ServiceResult:
    """The ServiceResult of one operation: the learner's call (with the service's own decisions;
    Denied when `error` is one of `denied`, else Failed), then `calls`."""
    if error is None:
        outcome = Outcome.SUCCEEDED
    else:
        outcome = Outcome.DENIED if isinstance(error, denied) else Outcome.FAILED
    first = CallRecord(
        service=service, operation=operation, caller=caller, resource=resource, decisions=tuple(decisions),
        outcome=outcome, error_code=error.code if error else "", error_message=error.message if error else "",
    )
    return ServiceResult(service, operation, response, error, (first, *calls))
