"""Verifying AWS Signature Version 4 on the server side (the requests the AWS CLI and boto3 sign).

Responsible for: reading the `Authorization` header; rebuilding the canonical request from the
method, the raw (percent-encoded) path, the sorted query, the signed headers only and the payload
hash; the string to sign; the HMAC key chain; a constant-time comparison; the 15-minute clock
skew; the credential scope's region and service; the payload hash (a hex SHA-256 must match the
body); and `aws-chunked` bodies (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD` chunk signature chains and
`STREAMING-UNSIGNED-PAYLOAD-TRAILER` with a checksum trailer), which it decodes.
Must not: import Django, look credentials up (the caller passes the secret once it knows the
access key id, which is untrusted until `verify` returns), or know any service's error codes
(each `SigV4Error` has a neutral `kind` the endpoint maps to the AWS code of the service).

    auth = parse_authorization(request.headers)          # SigV4Error when absent or malformed
    secret = lookup(auth.access_key)                      # the caller's business
    body = verify(request, auth, secret, region="us-east-1", now=datetime.now(timezone.utc))

# AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
# AWS: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import posixpath
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)  # AWS: requests more than 15 minutes off are refused
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = "UNSIGNED-PAYLOAD"
STREAMING_SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
STREAMING_SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
_SPACES = re.compile(r"\s+")


class Kind(StrEnum):
    """Why a request was refused, before any service decides anything."""

    MISSING = "missing"  # no Authorization header (or presigned query auth, not supported)
    MALFORMED = "malformed"  # the Authorization header or a date cannot be read
    UNKNOWN_KEY = "unknown-key"  # raised by the caller when the access key id is not ours
    SIGNATURE = "signature"  # the signature does not match
    SKEWED = "skewed"  # x-amz-date more than 15 minutes from the server's clock
    SCOPE = "scope"  # the credential scope names another region or service, or another date
    PAYLOAD = "payload"  # x-amz-content-sha256 does not match the body
    CHUNK = "chunk"  # an aws-chunked body is malformed, a chunk signature or the trailer is wrong
    TOKEN = "token"  # raised by the caller: the session token is missing or wrong


class SigV4Error(Exception):
    def __init__(self, kind: Kind, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Authorization:
    access_key: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


@dataclass(frozen=True, slots=True)
class Request:
    """A request as it arrived. `path` is the percent-encoded path as sent (or re-encoded with
    `encode_path`), `query` the raw query string, `headers` lower-case names to values."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


def encode_path(decoded: str) -> str:
    """Re-encode a decoded path (WSGI's PATH_INFO) the way the SDKs send it: every byte except
    the unreserved characters and `/` percent-encoded."""
    return quote(decoded.encode("utf-8", "surrogateescape"), safe="/~")


def parse_authorization(headers: Mapping[str, str]) -> Authorization:
    value = headers.get("authorization", "")
    if not value:
        raise SigV4Error(Kind.MISSING, "the request is not signed: it has no Authorization header")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SigV4Error(Kind.MALFORMED, f"unsupported authorization algorithm `{algorithm[:40]}`: only {ALGORITHM} (SigV4) is accepted")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, eq, val = part.strip().partition("=")
        if eq:
            fields[name.strip()] = val.strip()
    cred, signed, signature = fields.get("Credential", ""), fields.get("SignedHeaders", ""), fields.get("Signature", "")
    pieces = cred.split("/")
    if len(pieces) != 5 or pieces[4] != "aws4_request" or not all(pieces):
        raise SigV4Error(Kind.MALFORMED, "Authorization header requires a Credential of the form KEY/DATE/REGION/SERVICE/aws4_request")
    if not signed or not _HEX64.match(signature):
        raise SigV4Error(Kind.MALFORMED, "Authorization header requires SignedHeaders and a 64-digit hex Signature")
    names = tuple(signed.split(";"))
    if list(names) != sorted(set(names)) or any(n != n.lower() or not n for n in names):
        raise SigV4Error(Kind.MALFORMED, "SignedHeaders must be lower-case, sorted and unique")
    if "host" not in names:
        raise SigV4Error(Kind.MALFORMED, "the Host header must be signed")
    return Authorization(pieces[0], pieces[1], pieces[2], pieces[3], names, signature)


def canonical_query(raw: str) -> str:
    pairs: list[tuple[str, str]] = []
    for part in raw.split("&") if raw else ():
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def canonical_path(path: str, service: str) -> str:
    """S3 signs the path as sent; every other service signs it normalised and encoded again."""
    path = path or "/"
    if service == "s3":
        return path
    normal = posixpath.normpath(path) if path != "/" else "/"
    if path.endswith("/") and normal != "/":
        normal += "/"
    normal = "/" + normal.lstrip("/")
    return quote(normal, safe="/~")


def canonical_request(req: Request, auth: Authorization, payload_hash: str) -> str:
    lines = []
    for name in auth.signed_headers:
        if name not in req.headers:
            raise SigV4Error(Kind.SIGNATURE, f"the signed header `{name}` is not in the request")
        lines.append(f"{name}:{_SPACES.sub(' ', req.headers[name].strip())}\n")
    return "\n".join([
        req.method.upper(), canonical_path(req.path, auth.service), canonical_query(req.query),
        "".join(lines), ";".join(auth.signed_headers), payload_hash,
    ])


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, "aws4_request"):
        k = _hmac(k, part)
    return k


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def request_time(headers: Mapping[str, str]) -> tuple[str, datetime]:
    amz = headers.get("x-amz-date", "")
    if not _AMZ_DATE.match(amz):
        raise SigV4Error(Kind.MALFORMED, "the request must carry an X-Amz-Date header of the form YYYYMMDDTHHMMSSZ")
    try:
        return amz, datetime.strptime(amz, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise SigV4Error(Kind.MALFORMED, f"X-Amz-Date `{amz}` is not a valid date") from None


def verify(req: Request, auth: Authorization, secret: str, *, region: str, now: datetime,
           services: frozenset[str] | None = None) -> bytes:
    """Check the signature; returns the body as the service should see it (aws-chunked decoded).
    Raises SigV4Error. `services` limits the credential scope's service (None: any)."""
    amz, when = request_time(req.headers)
    if abs(now - when) > MAX_SKEW:
        raise SigV4Error(Kind.SKEWED, f"the difference between the request time {amz} and the server time "
                         f"{now.strftime('%Y%m%dT%H%M%SZ')} is more than 15 minutes")
    if auth.date != amz[:8]:
        raise SigV4Error(Kind.SCOPE, f"the credential scope date {auth.date} is not the request date {amz[:8]}")
    if auth.region != region:
        raise SigV4Error(Kind.SCOPE, f"the credential scope names region `{auth.region}`, but this lab runs in `{region}`: set region = {region}")
    if services is not None and auth.service not in services:
        raise SigV4Error(Kind.SCOPE, f"the credential scope names service `{auth.service}`, which this endpoint does not serve")
    declared = req.headers.get("x-amz-content-sha256", "")
    if declared:
        payload_hash = declared
    elif auth.service == "s3":
        raise SigV4Error(Kind.MALFORMED, "S3 requests must carry x-amz-content-sha256")
    else:
        payload_hash = hashlib.sha256(req.body).hexdigest()
    key = signing_key(secret, auth.date, auth.region, auth.service)
    expected = hmac.new(key, string_to_sign(amz, auth.scope, canonical_request(req, auth, payload_hash)).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, auth.signature):
        raise SigV4Error(Kind.SIGNATURE, "The request signature we calculated does not match the signature you provided. "
                         "Check your AWS Secret Access Key and signing method.")
    if payload_hash == UNSIGNED:
        return req.body
    if payload_hash in (STREAMING_SIGNED, STREAMING_SIGNED_TRAILER):
        return decode_chunked(req.body, req.headers, key=key, amz_date=amz, scope=auth.scope, seed=auth.signature,
                              trailer=payload_hash == STREAMING_SIGNED_TRAILER)
    if payload_hash == STREAMING_UNSIGNED_TRAILER:
        return decode_chunked(req.body, req.headers, trailer=True)
    if not _HEX64.match(payload_hash):
        raise SigV4Error(Kind.PAYLOAD, f"x-amz-content-sha256 `{payload_hash[:80]}` is not a SHA-256 hex digest or a known streaming mode")
    if not hmac.compare_digest(hashlib.sha256(req.body).hexdigest(), payload_hash):
        raise SigV4Error(Kind.PAYLOAD, "The provided 'x-amz-content-sha256' header does not match what was computed.")
    return req.body


# ------------------------------------------------------------------ aws-chunked

_CHECKSUMS = {
    "x-amz-checksum-crc32": lambda data: zlib.crc32(data).to_bytes(4, "big"),
    "x-amz-checksum-sha256": lambda data: hashlib.sha256(data).digest(),
    "x-amz-checksum-sha1": lambda data: hashlib.sha1(data).digest(),  # noqa: S324 - a checksum, as S3 defines it
}


def decode_chunked(body: bytes, headers: Mapping[str, str], *, key: bytes | None = None, amz_date: str = "",
                   scope: str = "", seed: str = "", trailer: bool = False) -> bytes:
    """Decode an aws-chunked body. With `key`, every chunk signature is checked, chained from
    the seed signature (and the trailer's signature when signed with a trailer)."""
    out = bytearray()
    pos, previous = 0, seed
    while True:
        eol = body.find(b"\r\n", pos)
        if eol < 0 or eol - pos > 200:
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: a chunk header is truncated")
        header = body[pos:eol].decode("latin-1")
        size_hex, _, ext = header.partition(";")
        try:
            size = int(size_hex, 16)
        except ValueError:
            raise SigV4Error(Kind.CHUNK, f"aws-chunked body: `{size_hex[:20]}` is not a hex chunk size") from None
        start, end = eol + 2, eol + 2 + size
        data = body[start:end]
        if len(data) != size:
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: a chunk is shorter than its declared size (truncated body)")
        if key is not None:
            name, _, sig = ext.partition("=")
            if name.strip() != "chunk-signature":
                raise SigV4Error(Kind.CHUNK, "aws-chunked body: a chunk has no chunk-signature")
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, EMPTY_SHA256, hashlib.sha256(data).hexdigest()])
            want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(want, sig.strip()):
                raise SigV4Error(Kind.CHUNK, "aws-chunked body: a chunk signature does not match (altered or reordered chunk)")
            previous = want
        out += data
        if size == 0:
            pos = start
            break
        if body[end:end + 2] != b"\r\n":
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: a chunk is not followed by CRLF")
        pos = end + 2
    _trailers(body[pos:], bytes(out), headers, trailer, key, amz_date, scope, previous)
    declared = headers.get("x-amz-decoded-content-length")
    if declared is not None and declared.strip() != str(len(out)):
        raise SigV4Error(Kind.CHUNK, f"aws-chunked body: decoded {len(out)} bytes, but x-amz-decoded-content-length says {declared[:20]}")
    return bytes(out)


def _trailers(rest: bytes, data: bytes, headers: Mapping[str, str], trailer: bool, key: bytes | None,
              amz_date: str, scope: str, previous: str) -> None:
    lines = rest.split(b"\r\n")
    fields: dict[str, str] = {}
    signature = ""
    raw_trailer = b""
    for line in lines:
        if not line:
            continue
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon:
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: a trailer line is malformed")
        if name.strip().lower() == "x-amz-trailer-signature":
            signature = value.strip()
        else:
            fields[name.strip().lower()] = value.strip()
            raw_trailer += line + b"\n"
    wanted = [n.strip().lower() for n in headers.get("x-amz-trailer", "").split(",") if n.strip()]
    if not trailer:
        if fields:
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: trailers were sent without x-amz-trailer")
        return
    for name in wanted:
        if name not in fields:
            raise SigV4Error(Kind.CHUNK, f"aws-chunked body: the trailer `{name}` announced in x-amz-trailer is missing (truncated body)")
    if key is not None:
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous, hashlib.sha256(raw_trailer).hexdigest()])
        want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, signature):
            raise SigV4Error(Kind.CHUNK, "aws-chunked body: the trailer signature does not match")
    check_checksums(data, fields)


def check_checksums(data: bytes, fields: Mapping[str, str]) -> None:
    """Check any x-amz-checksum-* value we know how to compute (from headers or trailers)."""
    for name, fn in _CHECKSUMS.items():
        value = fields.get(name)
        if value is None:
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            raise SigV4Error(Kind.PAYLOAD, f"`{name}` is not base64") from None
        if not hmac.compare_digest(given, fn(data)):
            raise SigV4Error(Kind.PAYLOAD, f"The {name.removeprefix('x-amz-checksum-').upper()} you specified did not match the calculated checksum.")
