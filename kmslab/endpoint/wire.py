"""The wire formats shared by the endpoint's services: responses, AWS-shaped errors, the body.

Responsible for reading a request body from the WSGI stream under our own cap (never
`request.body`, whose DATA_UPLOAD_MAX_MEMORY_SIZE refuses an 8 MiB part, and which is empty for
`Transfer-Encoding: chunked`), and for each protocol's error shape: JSON 1.1 (KMS), REST-XML
(S3), query (STS, EC2). Must not: decide access.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse

README_OPS = "see \"Use the real AWS CLI\" in the README for the supported operations"


@dataclass
class WireError(Exception):
    """An AWS-shaped error for `service`: code, message, HTTP status."""

    service: str
    code: str
    message: str
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def request_id() -> str:
    return str(uuid.uuid4())


def read_body(request: HttpRequest, cap: int, service: str) -> bytes:
    """The raw body, at most `cap` bytes; refused before reading when Content-Length says more."""
    raw_len = request.META.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if raw_len:
        try:
            length = int(raw_len)
        except ValueError:
            raise WireError(service, "InvalidRequest" if service == "s3" else "SerializationException",
                            "Content-Length is not a number") from None
        if length < 0:
            raise WireError(service, "InvalidRequest", "Content-Length is negative")
        if length > cap:
            raise too_large(service, cap)
        data = request.read(length) if length else b""
        if len(data) != length:
            raise WireError(service, "IncompleteBody" if service == "s3" else "SerializationException",
                            f"the body ended after {len(data)} of {length} bytes (truncated request)")
        return data
    if chunked:  # the server (gunicorn) has removed the chunk framing; read to the end
        stream = request.META["wsgi.input"]
        parts, total = [], 0
        while True:
            block = stream.read(min(1 << 20, cap + 1 - total))
            if not block:
                break
            parts.append(block)
            total += len(block)
            if total > cap:
                raise too_large(service, cap)
        return b"".join(parts)
    return b""


def too_large(service: str, cap: int) -> WireError:
    if service == "s3":
        return WireError("s3", "EntityTooLarge", f"Your proposed upload exceeds the maximum allowed size ({cap} bytes per request in this lab)")
    return WireError(service, "ValidationException" if service == "kms" else "InvalidRequest",
                     f"the request body exceeds {cap} bytes")


# ------------------------------------------------------------------ responses


def json_response(data: dict[str, object], status: int = 200) -> HttpResponse:
    resp = HttpResponse(json.dumps(data, separators=(",", ":")), status=status, content_type="application/x-amz-json-1.1")
    resp["x-amzn-RequestId"] = request_id()
    return resp


def xml_response(body: str, status: int = 200, content_type: str = "application/xml") -> HttpResponse:
    resp = HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status, content_type=content_type)
    resp["x-amz-request-id"] = request_id()
    return resp


def x(value: object) -> str:
    return escape(str(value))


def error_response(err: WireError, *, head: bool = False) -> HttpResponse:
    rid = request_id()
    if err.service == "kms":
        resp = HttpResponse(json.dumps({"__type": err.code, "message": err.message}), status=err.status,
                            content_type="application/x-amz-json-1.1")
        resp["x-amzn-RequestId"] = rid
        return resp
    if err.service == "s3":
        body = "" if head else (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{x(err.code)}</Code>'
                                f"<Message>{x(err.message)}</Message><RequestId>{rid}</RequestId></Error>")
        resp = HttpResponse(body, status=err.status, content_type="application/xml")
        resp["x-amz-request-id"] = rid
        return resp
    if err.service == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{x(err.code)}</Code>'
                f"<Message>{x(err.message)}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
        return HttpResponse(body, status=err.status, content_type="text/xml")
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>Sender</Type><Code>{x(err.code)}</Code><Message>{x(err.message)}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>")
    return HttpResponse(body, status=err.status, content_type="text/xml")


# AWS error codes for a request refused before any service looks at it, by service and kind.
AUTH_ERRORS: dict[str, dict[str, tuple[str, int]]] = {
    "kms": {"missing": ("MissingAuthenticationTokenException", 400), "malformed": ("IncompleteSignatureException", 400),
            "unknown-key": ("UnrecognizedClientException", 400), "signature": ("InvalidSignatureException", 400),
            "skewed": ("InvalidSignatureException", 400), "scope": ("InvalidSignatureException", 400),
            "payload": ("InvalidSignatureException", 400), "chunk": ("InvalidSignatureException", 400),
            "token": ("UnrecognizedClientException", 400), "throttle": ("ThrottlingException", 400)},
    "s3": {"missing": ("AccessDenied", 403), "malformed": ("AuthorizationHeaderMalformed", 400),
           "unknown-key": ("InvalidAccessKeyId", 403), "signature": ("SignatureDoesNotMatch", 403),
           "skewed": ("RequestTimeTooSkewed", 403), "scope": ("AuthorizationHeaderMalformed", 400),
           "payload": ("XAmzContentSHA256Mismatch", 400), "chunk": ("IncompleteBody", 400),
           "token": ("InvalidToken", 400), "throttle": ("SlowDown", 503)},
    "sts": {"missing": ("MissingAuthenticationToken", 403), "malformed": ("IncompleteSignature", 400),
            "unknown-key": ("InvalidClientTokenId", 403), "signature": ("SignatureDoesNotMatch", 403),
            "skewed": ("SignatureDoesNotMatch", 403), "scope": ("SignatureDoesNotMatch", 403),
            "payload": ("SignatureDoesNotMatch", 403), "chunk": ("SignatureDoesNotMatch", 403),
            "token": ("InvalidClientTokenId", 403), "throttle": ("Throttling", 400)},
    "ec2": {"missing": ("AuthFailure", 401), "malformed": ("AuthFailure", 401), "unknown-key": ("AuthFailure", 401),
            "signature": ("AuthFailure", 401), "skewed": ("RequestExpired", 400), "scope": ("AuthFailure", 401),
            "payload": ("AuthFailure", 401), "chunk": ("AuthFailure", 401), "token": ("AuthFailure", 401),
            "throttle": ("RequestLimitExceeded", 503)},
}


def auth_error(service: str, kind: str, message: str) -> WireError:
    code, status = AUTH_ERRORS.get(service, AUTH_ERRORS["sts"])[kind]
    if service == "s3" and kind == "payload" and "checksum" in message:
        code = "BadDigest"
    return WireError(service, code, message, status)
