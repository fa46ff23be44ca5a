"""The simulated KMS API: `KMSService(world).call(caller_arn, "Decrypt", {...})`.

Responsible for dispatching a request to its operation (service_ops.py for keys and crypto,
service_grants.py for grants; the steps they share are request.KMSSteps), checking grant
tokens, and recording the call (calls.CallRecord) with its CloudTrail events.

    kms.call(caller, operation, params, *, via_service="", source_arn="", source_account="")
        -> AWS-shaped dict; raises the AWS-named KMSError
    kms.call_traced(...) -> Traced(record, response, error); never raises a KMSError

`via_service` is the kms:ViaService value when an AWS service calls for the caller
(`s3.us-east-1.amazonaws.com`); `source_arn` / `source_account` are aws:SourceArn /
aws:SourceAccount when a service principal (`cloudtrail.amazonaws.com`) calls as itself.
Must not: decide access itself (only the engine does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from kmslab.kms import service_grants, service_ops
from kmslab.kms.calls import CallRecord, Outcome
from kmslab.kms.errors import (
    AccessDeniedException,
    InvalidGrantTokenException,
    KMSError,
    UnsupportedOperationException,
    ValidationException,
)
from kmslab.kms.request import KMSSteps, Req, camel
from kmslab.kms.trail import kms_events
from kmslab.kms.world import World

READ_ONLY = frozenset({"DescribeKey", "GetKeyPolicy", "ListGrants", "ListAliases"})
_SECRET_PARAMS = frozenset({"Plaintext", "CiphertextBlob"})


class Traced(NamedTuple):
    record: CallRecord
    response: dict[str, object] | None
    error: KMSError | None


class KMSService(KMSSteps):
    """KMS in `world`: every operation of service_ops.py and service_grants.py."""

    def __init__(self, world: World) -> None:
        super().__init__(world)
        self._ops: dict[str, Callable[[KMSSteps, Req], dict[str, object]]] = {
            **service_ops.OPERATIONS,
            **service_grants.OPERATIONS,
        }

    @property
    def operations(self) -> tuple[str, ...]:
        return tuple(sorted(self._ops))

    # ------------------------------------------------ entry points
    def call(
        self, caller: str, operation: str, params: Mapping[str, object] | None = None, *,
        via_service: str = "", source_arn: str = "", source_account: str = "",
    ) -> dict[str, object]:
        """Run one KMS operation as `caller`; returns the AWS-shaped response or raises."""
        traced = self.call_traced(caller, operation, params, via_service=via_service, source_arn=source_arn, source_account=source_account)
        if traced.error is not None:
            raise traced.error
        assert traced.response is not None
        return traced.response

    def call_traced(
        self, caller: str, operation: str, params: Mapping[str, object] | None = None, *,
        via_service: str = "", source_arn: str = "", source_account: str = "",
    ) -> Traced:
        """Like `call`, but returns the call record (decisions, outcome, CloudTrail events)
        alongside the response or the error. Also logs the events in the world's trail."""
        who = self.world.identity_of(caller)
        req = Req(caller, who, operation, params if isinstance(params, Mapping) else {}, via_service, source_arn, source_account)
        response: dict[str, object] | None = None
        error: KMSError | None = None
        try:
            if params is not None and not isinstance(params, Mapping):
                raise ValidationException("request parameters must be a JSON object")
            handler = self._ops.get(operation)
            if handler is None:
                raise UnsupportedOperationException(f"operation `{operation}` is not supported by KMS Lab")
            self._check_grant_tokens(req)
            response = handler(self, req)
        except KMSError as exc:
            error = exc
        return Traced(self._record(req, error), response, error)

    # ------------------------------------------------ recording
    def _check_grant_tokens(self, req: Req) -> None:
        tokens = req.params.get("GrantTokens")
        if tokens is None:
            return
        if not isinstance(tokens, (list, tuple)) or len(tokens) > 10:
            raise ValidationException("GrantTokens must be a list of at most 10 grant tokens")
        known = {g.grant_token for g in self.world.grants.values()}
        for t in tokens:
            # SIMULATION: grants are consistent immediately, so a token only has to be valid.
            if not isinstance(t, str) or t not in known:
                raise InvalidGrantTokenException("The grant token is not valid.")

    def _record(self, req: Req, error: KMSError | None) -> CallRecord:
        w = self.world
        request_parameters: dict[str, object] = {
            camel(k): v for k, v in req.params.items() if k not in _SECRET_PARAMS and not isinstance(v, (bytes, bytearray))
        }
        if req.operation in {"Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext"}:
            request_parameters.setdefault("encryptionAlgorithm", "SYMMETRIC_DEFAULT")
        if req.encryption_context:
            request_parameters["encryptionContext"] = dict(req.encryption_context)
        if req.keys and "keyId" not in request_parameters and req.operation in {"Decrypt", "ReEncrypt"}:
            request_parameters["keyId"] = req.keys[0]
        events = kms_events(
            who=req.who,
            event_name=req.operation,
            region=w.region,
            request_parameters=request_parameters,
            key_arns=tuple(req.keys),
            event_time=w.now(),
            event_id=w.new_uuid(),
            invoked_by=req.via_service.split(".", 1)[0] + ".amazonaws.com" if req.via_service else "",
            error_code=error.code if error else "",
            error_message=error.message if error else "",
            read_only=req.operation in READ_ONLY,
        )
        w.log(events)
        if error is None:
            outcome = Outcome.SUCCEEDED
        else:
            outcome = Outcome.DENIED if isinstance(error, AccessDeniedException) else Outcome.FAILED
        return CallRecord(
            service="kms",
            operation=req.operation,
            caller=req.caller,
            resource=req.keys[-1] if req.keys else str(req.params.get("KeyId", "")),
            via_service=req.via_service,
            encryption_context=tuple(sorted(req.encryption_context.items())),
            decisions=tuple(req.decisions),
            outcome=outcome,
            error_code=error.code if error else "",
            error_message=error.message if error else "",
            trail=events,
        )
