"""Amazon S3 over REST-XML, path style (`/aws/<bucket>/<key>`), decided by the lab's world.

Responsible for the wire shape (headers in and out, XML bodies and errors, Range, ETags,
checksums) and for keeping objects, uploads and parts in the database between requests. Each
request puts the rows it needs into `world.s3` and runs the simulator's own S3 operation, so
the bucket policy, the caller's IAM policies and the KMS calls S3 makes as the caller (with
kms:ViaService and the object's encryption context) are decided by the engine.
Must not: decide access, or keep plaintext: rows hold the envelope S3 stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse

from kmslab.endpoint import models
from kmslab.endpoint.lab import LabWorld
from kmslab.endpoint.sigv4 import SigV4Error, check_checksums
from kmslab.endpoint.wire import README_OPS, WireError, x, xml_response
from kmslab.aws.chain import ServiceResult
from kmslab.kms.calls import CallRecord
from kmslab.kms.errors import AWSError
from kmslab.aws.s3 import Part as WorldPart
from kmslab.aws.s3 import StoredObject as WorldObject
from kmslab.aws.s3 import Upload as WorldUpload

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@dataclass
class S3Request:
    lw: LabWorld
    caller: str
    method: str
    bucket: str
    key: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class S3Outcome:
    operation: str
    response: HttpResponse
    calls: tuple[CallRecord, ...] = ()


def operation_of(r: S3Request) -> str:
    q, m = r.query, r.method
    if not r.bucket:
        raise WireError("s3", "NotImplemented", f"listing buckets is not modelled ({README_OPS})", 501)
    if not r.key:
        if m == "GET" and q.get("list-type") == "2":
            return "ListObjectsV2"
        if m in ("GET", "HEAD") and not q:
            return "ListObjectsV2" if m == "GET" else "HeadBucket"
        raise WireError("s3", "NotImplemented", f"this bucket operation ({m} ?{'&'.join(q)}) is not modelled ({README_OPS})", 501)
    if m == "PUT" and "uploadId" in q and "partNumber" in q:
        return "UploadPart"
    if m == "PUT" and not q and "x-amz-copy-source" not in r.headers:
        return "PutObject"
    if m == "POST" and "uploads" in q:
        return "CreateMultipartUpload"
    if m == "POST" and "uploadId" in q:
        return "CompleteMultipartUpload"
    if m == "DELETE" and "uploadId" in q:
        return "AbortMultipartUpload"
    if m == "DELETE" and not q:
        return "DeleteObject"
    if m == "GET" and not set(q) - {"partNumber", "versionId"}:
        return "GetObject"
    if m == "HEAD" and not set(q) - {"partNumber", "versionId"}:
        return "HeadObject"
    raise WireError("s3", "NotImplemented", f"the S3 request {m} /{r.bucket}/{r.key[:60]}?{'&'.join(q)} is not a modelled operation ({README_OPS})", 501)


def _fail(exc: AWSError, operation: str) -> WireError:
    status = {"AccessDenied": 403, "NoSuchBucket": 404, "NoSuchKey": 404, "NoSuchUpload": 404}.get(exc.code, 400)
    code = exc.code
    if code.startswith("KMS."):
        # SIMULATION: S3 relays a KMS failure other than AccessDenied as the KMS error's code
        status = 400
    return WireError("s3", code, exc.message, status)


def _raise_if_failed(result: ServiceResult, operation: str) -> None:
    if result.error is not None:
        raise OutcomeError(_fail(result.error, operation), result.calls)


class OutcomeError(Exception):
    def __init__(self, error: WireError, calls: tuple[CallRecord, ...] = ()) -> None:
        super().__init__(str(error))
        self.error = error
        self.calls = calls


def _bucket(r: S3Request):  # type: ignore[no-untyped-def]
    b = r.lw.world.s3.buckets.get(r.bucket)
    if b is None:
        raise OutcomeError(WireError("s3", "NoSuchBucket", f"The specified bucket does not exist: `{r.bucket}` is not a bucket of this scenario", 404))
    return b


def _authorize(r: S3Request, action: str, resource: str) -> CallRecord:
    """Ask the engine about an S3 action the simulator's S3 service has no operation for."""
    from kmslab.kms.calls import Outcome

    b = _bucket(r)
    decision = r.lw.world.authorize_resource(r.caller, action, resource, b.owner, resource_policy=b.policy)
    record = CallRecord(service="s3", operation=action.split(":", 1)[1], caller=r.caller, resource=resource,
                        decisions=(decision,), outcome=Outcome.SUCCEEDED if decision.allowed else Outcome.DENIED,
                        error_code="" if decision.allowed else "AccessDenied",
                        error_message="" if decision.allowed else "Access Denied")
    if not decision.allowed:
        raise OutcomeError(WireError("s3", "AccessDenied", decision.message or "Access Denied", 403), (record,))
    return record


def _sse_headers(r: S3Request) -> tuple[str | None, str | None, bool | None]:
    sse = r.headers.get("x-amz-server-side-encryption") or None
    key_id = r.headers.get("x-amz-server-side-encryption-aws-kms-key-id") or None
    bk = r.headers.get("x-amz-server-side-encryption-bucket-key-enabled")
    if sse is not None and sse not in ("AES256", "aws:kms", "aws:kms:dsse"):
        raise OutcomeError(WireError("s3", "InvalidArgument", f"x-amz-server-side-encryption `{sse[:40]}` is not AES256 or aws:kms"))
    if key_id and sse is None:
        raise OutcomeError(WireError("s3", "InvalidArgument", "x-amz-server-side-encryption-aws-kms-key-id needs x-amz-server-side-encryption: aws:kms"))
    if sse == "aws:kms:dsse":
        sse = "aws:kms"  # SIMULATION: dual-layer SSE-KMS is simulated as single-layer aws:kms
    return sse, key_id, (bk.lower() == "true") if bk else None


def _check_body(r: S3Request) -> None:
    try:
        check_checksums(r.body, r.headers)
    except SigV4Error as exc:
        raise OutcomeError(WireError("s3", "BadDigest", exc.message)) from None
    md5 = r.headers.get("content-md5")
    if md5 is not None:
        try:
            given = base64.b64decode(md5, validate=True)
        except (binascii.Error, ValueError):
            raise OutcomeError(WireError("s3", "InvalidDigest", "The Content-MD5 you specified is not valid.")) from None
        if given != hashlib.md5(r.body).digest():  # noqa: S324 - S3's integrity check, not security
            raise OutcomeError(WireError("s3", "BadDigest", "The Content-MD5 you specified did not match what we received."))


def _caps(r: S3Request, adding: int) -> None:
    max_object = settings.KMSLAB_AWS_MAX_OBJECT_BYTES
    if adding > max_object:
        raise OutcomeError(WireError("s3", "EntityTooLarge", f"Your proposed upload exceeds the lab's maximum object size ({max_object} bytes)"))
    lab = models.Lab.objects.get(pk=r.lw.lab.pk)
    if lab.bytes_stored + adding > settings.KMSLAB_AWS_MAX_LAB_BYTES:
        raise OutcomeError(WireError("s3", "QuotaExceeded", f"this lab already stores {lab.bytes_stored} bytes; the cap per learner and scenario is {settings.KMSLAB_AWS_MAX_LAB_BYTES} bytes: delete objects or Reset", 403))


def _sse_out(resp: HttpResponse, sse: str, kms_key_arn: str, bucket_key: bool) -> None:
    resp["x-amz-server-side-encryption"] = sse
    if sse == "aws:kms":
        resp["x-amz-server-side-encryption-aws-kms-key-id"] = kms_key_arn
        if bucket_key:
            resp["x-amz-server-side-encryption-bucket-key-enabled"] = "true"


def _store(r: S3Request, obj: WorldObject, size: int, etag: str) -> None:
    with transaction.atomic():
        old = models.StoredObject.objects.filter(lab=r.lw.lab, bucket=r.bucket, key=r.key).first()
        delta = len(obj.body) - (len(old.body) if old is not None else 0)
        models.StoredObject.objects.update_or_create(lab=r.lw.lab, bucket=r.bucket, key=r.key, defaults={
            "body": obj.body, "size": size, "etag": etag, "sse": obj.sse, "kms_key_arn": obj.kms_key_arn,
            "encryption_context": obj.encryption_context, "bucket_key": obj.bucket_key, "owner_caller": obj.owner_caller,
        })
        models.Lab.objects.filter(pk=r.lw.lab.pk).update(bytes_stored=F("bytes_stored") + delta)


# ------------------------------------------------------------------ operations


def put_object(r: S3Request) -> S3Outcome:
    sse, key_id, bk = _sse_headers(r)
    _check_body(r)
    _caps(r, len(r.body))
    result = r.lw.world.s3.put_object(r.caller, r.bucket, r.key, r.body, sse=sse, kms_key_id=key_id, bucket_key=bk)
    _raise_if_failed(result, "PutObject")
    obj = r.lw.world.s3.buckets[r.bucket].objects[r.key]
    etag = '"' + hashlib.md5(r.body).hexdigest() + '"'  # noqa: S324 - S3's ETag of a single-part object
    _store(r, obj, len(r.body), etag)
    resp = HttpResponse(b"", status=200)
    resp["ETag"] = etag
    _sse_out(resp, obj.sse, obj.kms_key_arn, obj.bucket_key)
    return S3Outcome("PutObject", resp, result.calls)


def _load_object(r: S3Request) -> models.StoredObject:
    row = models.StoredObject.objects.filter(lab=r.lw.lab, bucket=r.bucket, key=r.key).first()
    if row is not None:
        b = _bucket(r)
        b.objects[r.key] = WorldObject(r.key, bytes(row.body), row.sse, row.kms_key_arn, dict(row.encryption_context),
                                       row.bucket_key, row.owner_caller)
    return row  # type: ignore[return-value]


def get_object(r: S3Request) -> S3Outcome:
    row = _load_object(r)
    result = r.lw.world.s3.get_object(r.caller, r.bucket, r.key)
    _raise_if_failed(result, "GetObject")
    body = result.response["Body"]  # type: ignore[index]
    assert isinstance(body, bytes)
    status, content_range = 200, ""
    rng = r.headers.get("range")
    if rng:
        m = _RANGE.match(rng.strip())
        total = len(body)
        if m is None or (not m.group(1) and not m.group(2)):
            raise OutcomeError(WireError("s3", "InvalidRange", "The requested range is not satisfiable", 416), result.calls)
        if m.group(1):
            start = int(m.group(1))
            end = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
        else:
            start, end = max(total - int(m.group(2)), 0), total - 1
        if start >= total or end < start:
            raise OutcomeError(WireError("s3", "InvalidRange", "The requested range is not satisfiable", 416), result.calls)
        body, status, content_range = body[start:end + 1], 206, f"bytes {start}-{end}/{total}"
    resp = HttpResponse(body, status=status, content_type="binary/octet-stream")
    resp["ETag"] = row.etag
    resp["Accept-Ranges"] = "bytes"
    resp["Last-Modified"] = row.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    if content_range:
        resp["Content-Range"] = content_range
    _sse_out(resp, row.sse, row.kms_key_arn, row.bucket_key)
    return S3Outcome("GetObject", resp, result.calls)


def head_object(r: S3Request) -> S3Outcome:
    record = _authorize(r, "s3:GetObject", f"arn:aws:s3:::{r.bucket}/{r.key}")
    row = models.StoredObject.objects.filter(lab=r.lw.lab, bucket=r.bucket, key=r.key).first()
    if row is None:
        raise OutcomeError(WireError("s3", "NoSuchKey", "The specified key does not exist.", 404), (record,))
    resp = HttpResponse(b"", status=200, content_type="binary/octet-stream")
    resp["Content-Length"] = str(row.size)
    resp["ETag"] = row.etag
    resp["Accept-Ranges"] = "bytes"
    resp["Last-Modified"] = row.updated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    _sse_out(resp, row.sse, row.kms_key_arn, row.bucket_key)
    return S3Outcome("HeadObject", resp, (record,))


def delete_object(r: S3Request) -> S3Outcome:
    record = _authorize(r, "s3:DeleteObject", f"arn:aws:s3:::{r.bucket}/{r.key}")
    with transaction.atomic():
        row = models.StoredObject.objects.filter(lab=r.lw.lab, bucket=r.bucket, key=r.key).first()
        if row is not None:
            models.Lab.objects.filter(pk=r.lw.lab.pk).update(bytes_stored=F("bytes_stored") - len(row.body))
            row.delete()
    return S3Outcome("DeleteObject", HttpResponse(b"", status=204), (record,))


def head_bucket(r: S3Request) -> S3Outcome:
    record = _authorize(r, "s3:ListBucket", f"arn:aws:s3:::{r.bucket}")
    return S3Outcome("HeadBucket", HttpResponse(b"", status=200), (record,))


def list_objects_v2(r: S3Request) -> S3Outcome:
    record = _authorize(r, "s3:ListBucket", f"arn:aws:s3:::{r.bucket}")
    prefix = r.query.get("prefix", "")
    delimiter = r.query.get("delimiter", "")
    try:
        max_keys = max(0, min(int(r.query.get("max-keys", "1000")), 1000))
    except ValueError:
        raise OutcomeError(WireError("s3", "InvalidArgument", "max-keys must be an integer"), (record,)) from None
    after = r.query.get("start-after", "")
    token = r.query.get("continuation-token", "")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise OutcomeError(WireError("s3", "InvalidArgument", "The continuation token provided is incorrect"), (record,)) from None
    rows = models.StoredObject.objects.filter(lab=r.lw.lab, bucket=r.bucket, key__startswith=prefix, key__gt=after).order_by("key")
    contents: list[models.StoredObject] = []
    prefixes: list[str] = []
    truncated, last = False, ""
    for row in rows.iterator():
        if len(contents) + len(prefixes) >= max_keys:
            truncated = True
            break
        rest = row.key[len(prefix):]
        if delimiter and delimiter in rest:
            cp = prefix + rest.split(delimiter, 1)[0] + delimiter
            if cp not in prefixes:
                prefixes.append(cp)
            last = row.key
            continue
        contents.append(row)
        last = row.key
    parts = [f'<ListBucketResult xmlns="{NS}"><Name>{x(r.bucket)}</Name><Prefix>{x(prefix)}</Prefix>',
             f"<KeyCount>{len(contents) + len(prefixes)}</KeyCount><MaxKeys>{max_keys}</MaxKeys>",
             f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"]
    if delimiter:
        parts.append(f"<Delimiter>{x(delimiter)}</Delimiter>")
    if token:
        parts.append(f"<ContinuationToken>{x(token)}</ContinuationToken>")
    if truncated:
        parts.append(f"<NextContinuationToken>{base64.urlsafe_b64encode(last.encode()).decode()}</NextContinuationToken>")
    for row in contents:
        parts.append(f"<Contents><Key>{x(row.key)}</Key><LastModified>{row.updated_at.strftime('%Y-%m-%dT%H:%M:%S.000Z')}</LastModified>"
                     f"<ETag>{x(row.etag)}</ETag><Size>{row.size}</Size><StorageClass>STANDARD</StorageClass></Contents>")
    for cp in prefixes:
        parts.append(f"<CommonPrefixes><Prefix>{x(cp)}</Prefix></CommonPrefixes>")
    parts.append("</ListBucketResult>")
    return S3Outcome("ListObjectsV2", xml_response("".join(parts)), (record,))


def create_multipart_upload(r: S3Request) -> S3Outcome:
    sse, key_id, bk = _sse_headers(r)
    result = r.lw.world.s3.create_multipart_upload(r.caller, r.bucket, r.key, sse=sse, kms_key_id=key_id, bucket_key=bk)
    _raise_if_failed(result, "CreateMultipartUpload")
    assert result.response is not None
    upload_id = str(result.response["UploadId"])
    up = r.lw.world.s3.buckets[r.bucket].uploads[upload_id]
    models.Upload.objects.create(lab=r.lw.lab, upload_id=upload_id, bucket=r.bucket, key=r.key, kms_key_arn=up.kms_key_arn,
                                 encrypted_data_key=up.encrypted_data_key, encryption_context=up.encryption_context,
                                 bucket_key=up.bucket_key, sse=up.sse)
    resp = xml_response(f'<InitiateMultipartUploadResult xmlns="{NS}"><Bucket>{x(r.bucket)}</Bucket><Key>{x(r.key)}</Key>'
                        f"<UploadId>{x(upload_id)}</UploadId></InitiateMultipartUploadResult>")
    _sse_out(resp, up.sse, up.kms_key_arn, up.bucket_key)
    return S3Outcome("CreateMultipartUpload", resp, result.calls)


def _upload(r: S3Request, upload_id: str) -> models.Upload:
    row = models.Upload.objects.filter(lab=r.lw.lab, upload_id=upload_id, bucket=r.bucket, key=r.key).first()
    if row is None:
        raise OutcomeError(WireError("s3", "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404))
    return row


def _world_upload(r: S3Request, row: models.Upload) -> WorldUpload:
    up = WorldUpload(row.upload_id, row.key, row.kms_key_arn, bytes(row.encrypted_data_key), dict(row.encryption_context),
                     row.bucket_key, sse=row.sse)
    _bucket(r).uploads[row.upload_id] = up
    return up


def upload_part(r: S3Request) -> S3Outcome:
    upload_id = r.query.get("uploadId", "")
    try:
        number = int(r.query.get("partNumber", ""))
    except ValueError:
        raise OutcomeError(WireError("s3", "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")) from None
    _check_body(r)
    _caps(r, len(r.body))
    row = _upload(r, upload_id)
    up = _world_upload(r, row)
    result = r.lw.world.s3.upload_part(r.caller, r.bucket, r.key, upload_id, number, r.body)
    _raise_if_failed(result, "UploadPart")
    etag = '"' + hashlib.md5(r.body).hexdigest() + '"'  # noqa: S324 - S3's part ETag
    # Parts arriving in parallel are separate rows: none can overwrite another.
    models.Part.objects.update_or_create(upload=row, number=number, defaults={"body": up.parts[number].body, "size": len(r.body), "etag": etag})
    resp = HttpResponse(b"", status=200)
    resp["ETag"] = etag
    _sse_out(resp, row.sse, row.kms_key_arn, row.bucket_key)
    return S3Outcome("UploadPart", resp, result.calls)


def _listed_parts(body: bytes) -> list[tuple[int, str]]:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise OutcomeError(WireError("s3", "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"))
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise OutcomeError(WireError("s3", "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")) from None
    out: list[tuple[int, str]] = []
    for part in root:
        if not part.tag.endswith("Part"):
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in part}
        try:
            out.append((int(fields.get("PartNumber", "")), fields.get("ETag", "")))
        except ValueError:
            raise OutcomeError(WireError("s3", "MalformedXML", "each Part needs a numeric PartNumber")) from None
    if not out:
        raise OutcomeError(WireError("s3", "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"))
    if [n for n, _ in out] != sorted({n for n, _ in out}):
        raise OutcomeError(WireError("s3", "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number."))
    return out


def complete_multipart_upload(r: S3Request) -> S3Outcome:
    upload_id = r.query.get("uploadId", "")
    listed = _listed_parts(r.body)
    row = _upload(r, upload_id)
    up = _world_upload(r, row)
    stored = {p.number: p for p in row.parts.all()}
    digests = b""
    size = 0
    for number, etag in listed:
        part = stored.get(number)
        if part is None or (etag and etag.strip('"') != part.etag.strip('"')):
            raise OutcomeError(WireError("s3", "InvalidPart", f"One or more of the specified parts could not be found (part {number})."))
        up.parts[number] = WorldPart(bytes(part.body), part.etag)
        digests += bytes.fromhex(part.etag.strip('"'))
        size += part.size
    # AWS: every part but the last must be at least 5 MiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html)
    small = [n for n, _ in listed[:-1] if stored[n].size < 5 * 1024 * 1024]
    if small:
        raise OutcomeError(WireError("s3", "EntityTooSmall", f"Your proposed upload is smaller than the minimum allowed object size: part {small[0]} is under 5 MiB and is not the last part."))
    _caps(r, size)
    result = r.lw.world.s3.complete_multipart_upload(r.caller, r.bucket, r.key, upload_id)
    _raise_if_failed(result, "CompleteMultipartUpload")
    obj = r.lw.world.s3.buckets[r.bucket].objects[r.key]
    etag = f'"{hashlib.md5(digests).hexdigest()}-{len(listed)}"'  # noqa: S324 - S3's multipart ETag
    _store(r, obj, size, etag)
    row.delete()
    resp = xml_response(f'<CompleteMultipartUploadResult xmlns="{NS}"><Location>/{x(r.bucket)}/{x(r.key)}</Location>'
                        f"<Bucket>{x(r.bucket)}</Bucket><Key>{x(r.key)}</Key><ETag>{x(etag)}</ETag></CompleteMultipartUploadResult>")
    _sse_out(resp, obj.sse, obj.kms_key_arn, obj.bucket_key)
    return S3Outcome("CompleteMultipartUpload", resp, result.calls)


def abort_multipart_upload(r: S3Request) -> S3Outcome:
    row = _upload(r, r.query.get("uploadId", ""))
    _world_upload(r, row)
    result = r.lw.world.s3.abort_multipart_upload(r.caller, r.bucket, r.key, row.upload_id)
    _raise_if_failed(result, "AbortMultipartUpload")
    row.delete()
    return S3Outcome("AbortMultipartUpload", HttpResponse(b"", status=204), result.calls)


HANDLERS = {
    "PutObject": put_object, "GetObject": get_object, "HeadObject": head_object, "DeleteObject": delete_object,
    "HeadBucket": head_bucket, "ListObjectsV2": list_objects_v2, "CreateMultipartUpload": create_multipart_upload,
    "UploadPart": upload_part, "CompleteMultipartUpload": complete_multipart_upload,
    "AbortMultipartUpload": abort_multipart_upload,
}
