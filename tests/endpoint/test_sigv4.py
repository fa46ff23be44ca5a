"""The SigV4 verifier against botocore's signer (a test oracle) and the AWS documentation's examples."""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from kmslab.endpoint import sigv4
from kmslab.endpoint.sigv4 import Kind, SigV4Error

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDS = Credentials("AKIAIOSFODNN7EXAMPLE", SECRET)


def botocore_signed(method: str, url: str, body: bytes = b"", *, service: str = "kms", region: str = "us-east-1",
                    headers: dict[str, str] | None = None, trailer: bool = False) -> tuple[sigv4.Request, datetime]:
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    if trailer:  # as botocore's flexible checksums mark a body sent with a checksum trailer
        req.context["checksum"] = {"request_algorithm": {"in": "trailer", "algorithm": "crc32"}}
    signer = (S3SigV4Auth if service == "s3" else SigV4Auth)(CREDS, service, region)
    signer.add_auth(req)
    parts = urlsplit(req.url)
    hdrs = {k.lower(): v for k, v in req.headers.items()}
    hdrs.setdefault("host", parts.netloc)
    when = datetime.strptime(hdrs["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    return sigv4.Request(method, parts.path, parts.query, hdrs, body), when


def check(req: sigv4.Request, when: datetime, secret: str = SECRET, region: str = "us-east-1") -> bytes:
    auth = sigv4.parse_authorization(req.headers)
    return sigv4.verify(req, auth, secret, region=region, now=when)


@pytest.mark.parametrize(("method", "url", "body", "service"), [
    ("POST", "http://127.0.0.1:8000/aws", b'{"KeyId": "alias/reports"}', "kms"),
    ("POST", "http://lab.example:8443/aws/", b"Action=GetCallerIdentity&Version=2011-06-15", "sts"),
    ("PUT", "http://localhost/aws/account-a-reports/dir/r%C3%A9port%20q1.csv", b"a,b\n", "s3"),
    ("GET", "http://localhost/aws/account-a-reports?list-type=2&prefix=a%2Fb&encoding-type=url", b"", "s3"),
    ("PUT", "http://localhost/aws/b/k?partNumber=2&uploadId=abc%3D%3D", b"x" * 1000, "s3"),
], ids=["kms-json", "sts-query", "s3-encoded-key", "s3-list-query", "s3-upload-part"])
def test_sigv4_accepts_what_botocore_signs(method: str, url: str, body: bytes, service: str) -> None:
    req, when = botocore_signed(method, url, body, service=service)
    assert check(req, when) == body


def test_sigv4_refuses_a_tampered_signature() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}")
    auth = req.headers["authorization"]
    flipped = auth[:-1] + ("0" if auth[-1] != "0" else "1")
    with pytest.raises(SigV4Error) as exc:
        check(sigv4.Request(req.method, req.path, req.query, {**req.headers, "authorization": flipped}, req.body), when)
    assert exc.value.kind is Kind.SIGNATURE


def test_sigv4_refuses_a_changed_body_for_a_service_without_payload_header() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b'{"KeyId": "a"}')
    with pytest.raises(SigV4Error) as exc:
        check(sigv4.Request(req.method, req.path, req.query, req.headers, b'{"KeyId": "b"}'), when)
    assert exc.value.kind is Kind.SIGNATURE


def test_sigv4_refuses_an_s3_body_that_does_not_match_its_hash() -> None:
    req, when = botocore_signed("PUT", "http://localhost/aws/b/k", b"original", service="s3")
    with pytest.raises(SigV4Error) as exc:
        check(sigv4.Request(req.method, req.path, req.query, req.headers, b"changed!"), when)
    assert exc.value.kind is Kind.PAYLOAD


def test_sigv4_refuses_the_wrong_secret() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}")
    with pytest.raises(SigV4Error) as exc:
        check(req, when, secret="another-secret")
    assert exc.value.kind is Kind.SIGNATURE


@pytest.mark.parametrize("offset", [timedelta(minutes=16), timedelta(minutes=-16)], ids=["late", "early"])
def test_sigv4_refuses_a_skewed_clock(offset: timedelta) -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}")
    with pytest.raises(SigV4Error) as exc:
        check(req, when + offset)
    assert exc.value.kind is Kind.SKEWED


def test_sigv4_accepts_a_clock_within_fifteen_minutes() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}")
    assert check(req, when + timedelta(minutes=14)) == b"{}"


def test_sigv4_refuses_another_region() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}", region="eu-west-1")
    with pytest.raises(SigV4Error) as exc:
        check(req, when)
    assert exc.value.kind is Kind.SCOPE and "us-east-1" in exc.value.message


def test_sigv4_refuses_a_service_not_served() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}", service="dynamodb")
    with pytest.raises(SigV4Error) as exc:
        sigv4.verify(req, sigv4.parse_authorization(req.headers), SECRET, region="us-east-1", now=when,
                     services=frozenset({"kms", "s3"}))
    assert exc.value.kind is Kind.SCOPE


def test_sigv4_refuses_a_changed_unsigned_header_only_if_signed() -> None:
    req, when = botocore_signed("POST", "http://127.0.0.1/aws", b"{}", headers={"X-Amz-Target": "TrentService.Encrypt"})
    changed = {**req.headers, "x-amz-target": "TrentService.Decrypt"}
    with pytest.raises(SigV4Error):
        check(sigv4.Request(req.method, req.path, req.query, changed, req.body), when)


@pytest.mark.parametrize("header", [
    "", "AWS AKID:sig", "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3, SignedHeaders=host, Signature=" + "a" * 64,
    "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=x-amz-date, Signature=" + "a" * 64,
    "AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=zz",
], ids=["absent", "sigv2", "short-scope", "host-unsigned", "bad-signature"])
def test_sigv4_refuses_malformed_authorization(header: str) -> None:
    with pytest.raises(SigV4Error) as exc:
        sigv4.parse_authorization({"authorization": header} if header else {})
    assert exc.value.kind in (Kind.MISSING, Kind.MALFORMED)


# ---------------------------------------------------------------- AWS documentation examples

def test_sigv4_matches_the_iam_list_users_example() -> None:
    # AWS: the signing example of the SigV4 documentation (IAM ListUsers, 20150830T123600Z)
    headers = {
        "host": "iam.amazonaws.com", "x-amz-date": "20150830T123600Z",
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                         "SignedHeaders=content-type;host;x-amz-date, "
                         "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
    }
    req = sigv4.Request("GET", "/", "Action=ListUsers&Version=2010-05-08", headers, b"")
    when = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc)
    assert check(req, when, secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") == b""


def test_sigv4_matches_the_s3_get_object_example() -> None:
    # AWS: "Example: GET Object" of the S3 SigV4 header-based authentication page
    headers = {
        "host": "examplebucket.s3.amazonaws.com", "range": "bytes=0-9", "x-amz-date": "20130524T000000Z",
        "x-amz-content-sha256": sigv4.EMPTY_SHA256,
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                         "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                         "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    }
    req = sigv4.Request("GET", "/test.txt", "", headers, b"")
    assert check(req, datetime(2013, 5, 24, tzinfo=timezone.utc)) == b""


CHUNK_1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
CHUNK_2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
FINAL_PREFIX = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb93"  # as printed in the docs' example


def _doc_chunk_key() -> bytes:
    return sigv4.signing_key(SECRET, "20130524", "us-east-1", "s3")


def _final_signature() -> str:
    scope = "20130524/us-east-1/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", "20130524T000000Z", scope, CHUNK_2, sigv4.EMPTY_SHA256, sigv4.EMPTY_SHA256])
    return hmac.new(_doc_chunk_key(), sts.encode(), hashlib.sha256).hexdigest()


def _doc_chunked_request(body: bytes | None = None) -> sigv4.Request:
    headers = {
        "host": "s3.amazonaws.com", "x-amz-date": "20130524T000000Z", "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": sigv4.STREAMING_SIGNED, "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "66560", "content-length": "66824",
        "authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                         "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                         "x-amz-decoded-content-length;x-amz-storage-class,"
                         "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    }
    if body is None:
        body = (b"10000;chunk-signature=" + CHUNK_1.encode() + b"\r\n" + b"a" * 65536 + b"\r\n"
                + b"400;chunk-signature=" + CHUNK_2.encode() + b"\r\n" + b"a" * 1024 + b"\r\n"
                + b"0;chunk-signature=" + _final_signature().encode() + b"\r\n\r\n")
    return sigv4.Request("PUT", "/examplebucket/chunkObject.txt", "", headers, body)


def test_sigv4_matches_the_s3_chunked_upload_example() -> None:
    # AWS: "Example: PUT Object" of the chunked upload page (seed and chunk signatures as printed)
    assert _final_signature().startswith(FINAL_PREFIX)
    req = _doc_chunked_request()
    assert len(req.body) == 66824
    assert check(req, datetime(2013, 5, 24, 0, 5, tzinfo=timezone.utc)) == b"a" * 66560


def test_sigv4_refuses_an_altered_chunk() -> None:
    body = bytearray(_doc_chunked_request().body)
    body[200] = ord("b")
    with pytest.raises(SigV4Error) as exc:
        check(_doc_chunked_request(bytes(body)), datetime(2013, 5, 24, tzinfo=timezone.utc))
    assert exc.value.kind is Kind.CHUNK


def test_sigv4_refuses_a_truncated_chunked_body() -> None:
    body = _doc_chunked_request().body[:40000]
    with pytest.raises(SigV4Error) as exc:
        check(_doc_chunked_request(body), datetime(2013, 5, 24, tzinfo=timezone.utc))
    assert exc.value.kind is Kind.CHUNK


def _unsigned_trailer_body(data: bytes, crc: bytes | None = None) -> bytes:
    crc = crc if crc is not None else zlib.crc32(data).to_bytes(4, "big")
    return (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + b"x-amz-checksum-crc32:" + base64.b64encode(crc) + b"\r\n\r\n")


def _trailer_request(body: bytes) -> tuple[sigv4.Request, datetime]:
    req, when = botocore_signed("PUT", "http://localhost/aws/b/k", b"", service="s3", headers={
        "X-Amz-Content-SHA256": sigv4.STREAMING_UNSIGNED_TRAILER, "Content-Encoding": "aws-chunked",
        "X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Decoded-Content-Length": "11"}, trailer=True)
    return sigv4.Request(req.method, req.path, req.query, req.headers, body), when


def test_sigv4_decodes_an_unsigned_payload_with_a_crc32_trailer() -> None:
    req, when = _trailer_request(_unsigned_trailer_body(b"hello world"))
    assert check(req, when) == b"hello world"


def test_sigv4_refuses_a_wrong_crc32_trailer() -> None:
    req, when = _trailer_request(_unsigned_trailer_body(b"hello world", b"\0\0\0\0"))
    with pytest.raises(SigV4Error) as exc:
        check(req, when)
    assert exc.value.kind is Kind.PAYLOAD


def test_sigv4_refuses_a_missing_trailer() -> None:
    req, when = _trailer_request(b"b\r\nhello world\r\n0\r\n\r\n")
    with pytest.raises(SigV4Error) as exc:
        check(req, when)
    assert exc.value.kind is Kind.CHUNK


def test_sigv4_module_imports_no_django() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(sigv4.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.startswith(("django", "kmslab", "scenarios"))]
