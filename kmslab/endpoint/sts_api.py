"""AWS STS over the query protocol: GetCallerIdentity and AssumeRole.

Must not: decide KMS or S3 access. AssumeRole is answered for the scenario's own roles only.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl

from kmslab.endpoint.wire import README_OPS, WireError, request_id, x

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
OPERATIONS = frozenset({"GetCallerIdentity", "AssumeRole"})


def form(body: bytes, query: str, service: str) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WireError(service, "MalformedQueryString", "the form body is not UTF-8") from None
    fields = dict(parse_qsl(query, keep_blank_values=True))
    fields.update(parse_qsl(text, keep_blank_values=True))
    return fields


def operation(fields: dict[str, str], service: str = "sts", supported: frozenset[str] = OPERATIONS) -> str:
    action = fields.get("Action", "")
    if not action:
        raise WireError(service, "MissingAction", "the request has no Action parameter")
    if action not in supported:
        code = "InvalidAction"
        raise WireError(service, code, f"KMS Lab does not model the {service.upper()} operation `{action[:80]}` ({README_OPS})")
    return action


def wrap(action: str, result: str) -> str:
    return (f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
            f"<ResponseMetadata><RequestId>{request_id()}</RequestId></ResponseMetadata></{action}Response>")


def caller_identity(arn: str, account: str, user_id: str) -> str:
    return wrap("GetCallerIdentity", f"<Arn>{x(arn)}</Arn><UserId>{x(user_id)}</UserId><Account>{x(account)}</Account>")


def assume_role(arn: str, role_id: str, key_id: str, secret: str, token: str, expires: datetime) -> str:
    exp = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    return wrap("AssumeRole",
                f"<Credentials><AccessKeyId>{x(key_id)}</AccessKeyId><SecretAccessKey>{x(secret)}</SecretAccessKey>"
                f"<SessionToken>{x(token)}</SessionToken><Expiration>{exp}</Expiration></Credentials>"
                f"<AssumedRoleUser><AssumedRoleId>{x(role_id)}</AssumedRoleId><Arn>{x(arn)}</Arn></AssumedRoleUser>")
