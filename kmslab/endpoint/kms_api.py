"""AWS KMS over JSON 1.1 (`X-Amz-Target: TrentService.<Operation>`), decided by the lab's world.

Responsible for the wire shape only: JSON in, blobs base64, timestamps epoch seconds, errors
HTTP 400 `{"__type", "message"}`. The operation runs in `world.kms` exactly as the simulator
runs it. Must not: decide access.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from kmslab.endpoint.wire import README_OPS, WireError
from kmslab.kms.service import Traced
from kmslab.aws.world import World

OPERATIONS = frozenset({
    "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey",
    "CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant", "ListAliases", "GetKeyPolicy", "PutKeyPolicy",
    "EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion",
})
BLOBS = ("Plaintext", "CiphertextBlob")
TIMESTAMPS = ("CreationDate", "DeletionDate", "ValidTo")


def operation(target: str) -> str:
    prefix, _, op = target.partition(".")
    if prefix != "TrentService" or not op:
        raise WireError("kms", "UnknownOperationException", f"`X-Amz-Target: {target[:80]}` is not a KMS operation ({README_OPS})")
    if op not in OPERATIONS:
        raise WireError("kms", "UnknownOperationException", f"KMS Lab does not model the KMS operation `{op}` ({README_OPS})")
    return op


def parse(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError("kms", "SerializationException", f"the request body is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise WireError("kms", "SerializationException", "the request body must be a JSON object")
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise WireError("kms", "SerializationException", "the request body holds a lone surrogate (\\ud800 ...), which is not valid Unicode") from None
    for name in BLOBS:
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise WireError("kms", "SerializationException", f"`{name}` must be a base64 string")
        try:
            data[name] = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise WireError("kms", "SerializationException", f"`{name}` is not valid base64") from None
    return data


def call(world: World, caller: str, op: str, params: dict[str, object]) -> Traced:
    return world.kms.call_traced(caller, op, params)


def to_wire(value: object, key: str = "") -> object:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dict):
        return {k: to_wire(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in value]
    if key in TIMESTAMPS and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.timestamp()
    return value
