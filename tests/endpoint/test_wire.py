"""Bad input at /aws gets the AWS-shaped 4xx of its service, never a 500, and loses nothing."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from typing import Any
from unittest import mock

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.core.management import call_command
from django.test import Client

from kmslab.endpoint import credentials
from kmslab.endpoint.models import ApiCall, Lab
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def keys() -> dict[str, Credentials]:
    call_command("loadscenarios", stdout=io.StringIO())
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    lab = credentials.lab_for("anon:wire-test", scenario)
    return {p.principal: Credentials(p.access_key_id, p.secret) for p in credentials.profiles(lab, scenario.spec()) if p.access_key_id}


def send(method: str, path: str, body: bytes = b"", *, creds: Credentials | None, service: str = "kms",
         headers: dict[str, str] | None = None, region: str = "us-east-1", sign_body: bytes | None = None,
         after: dict[str, str] | None = None) -> Any:
    hdrs = dict(headers or {})
    if creds is not None:
        req = AWSRequest(method=method, url=f"http://testserver{path}", data=sign_body if sign_body is not None else body, headers=hdrs)
        (S3SigV4Auth if service == "s3" else SigV4Auth)(creds, service, region).add_auth(req)
        hdrs = dict(req.headers.items())
    hdrs.update(after or {})
    meta = {}
    for k, v in hdrs.items():
        name = k.upper().replace("-", "_")
        meta[name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name] = v
    meta["HTTP_HOST"] = "testserver"
    path_only, _, query = path.partition("?")
    return Client().generic(method, path_only + ("?" + query if query else ""), body,
                            content_type=meta.pop("CONTENT_TYPE", "application/octet-stream"), **meta)




def _j(resp: Any) -> Any:
    return json.loads(resp.content)


def kms(op: str, body: bytes, creds: Credentials | None, **kw: Any) -> Any:
    return send("POST", "/aws", body, creds=creds, headers={"X-Amz-Target": f"TrentService.{op}",
                                                           "Content-Type": "application/x-amz-json-1.1"}, **kw)


def test_wire_kms_describe_key_works_through_the_test_client(keys: dict[str, Credentials]) -> None:
    resp = kms("DescribeKey", json.dumps({"KeyId": KEY_ARN}).encode(), keys["bob"])
    # bob's starting IAM policy has no KMS permission: the engine denies, AWS-shaped
    assert resp.status_code == 400
    assert _j(resp)["__type"] == "AccessDeniedException" and "kms:DescribeKey" in _j(resp)["message"]
    call = ApiCall.objects.get()
    assert call.operation == "DescribeKey" and call.error_code == "AccessDeniedException"
    assert call.detail["calls"][0]["verdict"] != "Allowed"
    assert "kms:DescribeKey" in call.detail["calls"][0]["fix"]  # the engine's smallest fix, as text


@pytest.mark.parametrize(("body", "code"), [
    (b"{not json", "SerializationException"),
    (b"[1, 2]", "SerializationException"),
    (b'{"KeyId": "\\ud800"}', "SerializationException"),
    (b'{"KeyId": ' + b"9" * 6000 + b"}", "SerializationException"),
    (b'{"KeyId": 7}', "ValidationException"),
    (json.dumps({"CiphertextBlob": "***"}).encode(), "SerializationException"),
    (json.dumps({"KeyId": "alias/nope"}).encode(), "NotFoundException"),
], ids=["malformed", "array", "lone-surrogate", "huge-number", "wrong-type", "bad-base64", "unknown-alias"])
def test_wire_kms_bad_input_is_an_aws_error(keys: dict[str, Credentials], body: bytes, code: str) -> None:
    op = "Decrypt" if b"CiphertextBlob" in body else "DescribeKey"
    resp = kms(op, body, keys["bob"])
    assert resp.status_code == 400 and _j(resp)["__type"] == code, resp.content


def test_wire_kms_unknown_target_names_it(keys: dict[str, Credentials]) -> None:
    resp = kms("DeleteImportedKeyMaterial", b"{}", keys["bob"])
    assert resp.status_code == 400 and _j(resp)["__type"] == "UnknownOperationException"
    assert "DeleteImportedKeyMaterial" in _j(resp)["message"]


def test_wire_unsigned_request_is_refused(keys: dict[str, Credentials]) -> None:
    resp = kms("DescribeKey", b"{}", None)
    assert resp.status_code == 400 and _j(resp)["__type"] == "MissingAuthenticationTokenException"
    s3 = send("GET", "/aws/account-a-reports/report.csv", creds=None, service="s3")
    assert s3.status_code == 403 and b"<Code>AccessDenied</Code>" in s3.content


def test_wire_other_region_is_refused_with_the_lab_region(keys: dict[str, Credentials]) -> None:
    resp = kms("DescribeKey", b"{}", keys["bob"], region="eu-west-1")
    assert _j(resp)["__type"] == "InvalidSignatureException" and "us-east-1" in _j(resp)["message"]


def test_wire_skewed_clock_is_refused(keys: dict[str, Credentials]) -> None:
    later = datetime.now(timezone.utc) + timedelta(minutes=20)
    with mock.patch("django.utils.timezone.now", return_value=later):
        s3 = send("GET", "/aws/account-a-reports/report.csv", creds=keys["bob"], service="s3")
    assert s3.status_code == 403 and b"RequestTimeTooSkewed" in s3.content


def test_wire_body_changed_after_signing_is_refused(keys: dict[str, Credentials]) -> None:
    resp = kms("DescribeKey", json.dumps({"KeyId": "b"}).encode(), keys["bob"], sign_body=json.dumps({"KeyId": "a"}).encode())
    assert _j(resp)["__type"] == "InvalidSignatureException"
    put = send("PUT", "/aws/account-a-reports/x.csv", b"changed", creds=keys["bob"], service="s3", sign_body=b"origin!")
    assert put.status_code == 400 and b"XAmzContentSHA256Mismatch" in put.content


def test_wire_unsigned_payload_header_cannot_skip_the_signature(keys: dict[str, Credentials]) -> None:
    put = send("PUT", "/aws/account-a-reports/x.csv", b"data", creds=keys["bob"], service="s3",
               after={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert put.status_code == 403 and b"SignatureDoesNotMatch" in put.content


def test_wire_oversized_body_is_refused_before_reading(keys: dict[str, Credentials], settings: Any) -> None:
    settings.KMSLAB_AWS_MAX_REQUEST_BYTES = 1000
    put = send("PUT", "/aws/account-a-reports/x.csv", b"x" * 2000, creds=keys["bob"], service="s3")
    assert put.status_code == 400 and b"EntityTooLarge" in put.content


def test_wire_s3_malformed_complete_xml_is_malformed_xml(keys: dict[str, Credentials]) -> None:
    resp = send("POST", "/aws/account-a-reports/x.csv?uploadId=nope", b"<Complete<<", creds=keys["bob"], service="s3")
    assert resp.status_code == 400 and b"MalformedXML" in resp.content
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa">]><CompleteMultipartUpload/>'
    resp = send("POST", "/aws/account-a-reports/x.csv?uploadId=nope", bomb, creds=keys["bob"], service="s3")
    assert resp.status_code == 400 and b"MalformedXML" in resp.content


def test_wire_s3_unmodelled_operation_names_itself(keys: dict[str, Credentials]) -> None:
    resp = send("GET", "/aws/account-a-reports/x.csv?acl", creds=keys["bob"], service="s3")
    assert resp.status_code == 501 and b"NotImplemented" in resp.content and b"README" in resp.content
    resp = send("GET", "/aws/nope-bucket/x.csv", creds=keys["bob"], service="s3")
    assert resp.status_code == 404 and b"NoSuchBucket" in resp.content


def test_wire_head_error_has_no_body(keys: dict[str, Credentials]) -> None:
    resp = send("HEAD", "/aws/account-a-reports/report.csv", creds=keys["bob"], service="s3")
    assert resp.status_code == 403 and resp.content == b""


def test_wire_crc32_checksum_header_is_checked(keys: dict[str, Credentials]) -> None:
    # bob needs both halves to upload at all; a wrong checksum is refused before anything is stored
    resp = send("PUT", "/aws/account-a-reports/x.csv", b"data", creds=keys["bob"], service="s3",
                headers={"x-amz-checksum-crc32": "AAAAAA=="})
    assert resp.status_code == 400 and b"BadDigest" in resp.content


def test_wire_request_budget_throttles(keys: dict[str, Credentials], settings: Any) -> None:
    settings.KMSLAB_AWS_REQUESTS_PER_HOUR = 2
    codes = [_j(kms("ListAliases", b"{}", keys["bob"])).get("__type") for _ in range(4)]
    assert codes[-1] == "ThrottlingException" and codes[0] != "ThrottlingException"


def test_wire_role_source_keys_only_assume_their_role(keys: dict[str, Credentials]) -> None:
    resp = kms("ListAliases", b"{}", keys["analyst"])
    assert resp.status_code == 400 and _j(resp)["__type"] == "AccessDeniedException"
    sts = send("POST", "/aws", b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::222222222222:role/other&RoleSessionName=abc",
               creds=keys["analyst"], service="sts", headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    assert sts.status_code == 403 and b"<Code>AccessDenied</Code>" in sts.content


def test_wire_secrets_are_not_stored(keys: dict[str, Credentials]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in connection.introspection.table_names():
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - test, table names from introspection
            dump = repr(cur.fetchall())
            for c in keys.values():
                assert c.secret_key not in dump, table
    assert Lab.objects.count() == 1


def test_wire_only_aws_is_csrf_exempt(keys: dict[str, Credentials]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/scenarios/s3-cross-account-upload/")
    assert client.post("/scenarios/s3-cross-account-upload/aws-reset/").status_code == 403


def test_wire_readme_lists_every_supported_operation() -> None:
    from pathlib import Path

    from kmslab.endpoint import ec2_api, kms_api, s3_api, sts_api

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Use the real AWS CLI"):text.index("## Where the simulation differs from AWS")]
    for op in sorted(kms_api.OPERATIONS | set(s3_api.HANDLERS) | sts_api.OPERATIONS | ec2_api.OPERATIONS):
        assert f"`{op}`" in section, op


def _allow_bob() -> None:
    from scenarios import progress

    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    progress.record_attempt("anon:wire-test", scenario, dict(scenario.spec().solution), None)


def test_wire_aws_chunked_put_with_crc32_trailer_stores_the_decoded_body(keys: dict[str, Credentials]) -> None:
    import base64
    import zlib

    from botocore.awsrequest import AWSRequest

    from kmslab.endpoint.models import StoredObject

    _allow_bob()
    data = b"date,revenue\n" * 100
    body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + b"x-amz-checksum-crc32:" + base64.b64encode(zlib.crc32(data).to_bytes(4, "big")) + b"\r\n\r\n")
    headers = {"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
               "X-Amz-Decoded-Content-Length": str(len(data)), "Content-Type": "text/csv",
               "x-amz-server-side-encryption": "aws:kms", "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN}
    req = AWSRequest(method="PUT", url="http://testserver/aws/account-a-reports/chunked.csv", data=body, headers=headers)
    req.context["checksum"] = {"request_algorithm": {"in": "trailer", "algorithm": "crc32"}}
    S3SigV4Auth(keys["bob"], "s3", "us-east-1").add_auth(req)
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in req.headers.items() if k.lower() != "content-type"}
    meta["HTTP_HOST"] = "testserver"
    resp = Client().generic("PUT", "/aws/account-a-reports/chunked.csv", body, content_type="text/csv", **meta)
    assert resp.status_code == 200, resp.content
    assert resp["x-amz-server-side-encryption-aws-kms-key-id"] == KEY_ARN
    row = StoredObject.objects.get(key="chunked.csv")
    assert row.size == len(data) and data not in bytes(row.body)  # stored encrypted, decoded length
    bad = body.replace(base64.b64encode(zlib.crc32(data).to_bytes(4, "big")), b"AAAAAA==")
    resp = Client().generic("PUT", "/aws/account-a-reports/chunked.csv", bad, content_type="text/csv", **meta)
    assert resp.status_code == 400 and b"BadDigest" in resp.content
