"""CloudTrail records for KMS calls, and which accounts' trails receive them.

Responsible for the JSON shape of the event AWS logs for a KMS call (allowed or denied) and its
recipients. Cross-account KMS calls are logged in both the caller's and the key owner's account,
each copy with its recipientAccountId and a common sharedEventID; a cross-account call denied
for access is logged only in the caller's account.
# AWS: (https://docs.aws.amazon.com/kms/latest/developerguide/logging-using-cloudtrail.html)
# AWS: record fields (https://docs.aws.amazon.com/kms/latest/developerguide/understanding-kms-entries.html)
# SIMULATION: only KMS calls are recorded (not the S3 / EC2 calls that led to them), and
# record fields not listed above (tlsDetails, vpcEndpointId, ...) are omitted.
Must not: decide anything; plaintext and key material never appear in a record.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

EVENT_VERSION = "1.10"
SOURCE_IP = "192.0.2.0"  # documentation address (RFC 5737)


@dataclass(frozen=True, slots=True)
class TrailEvent:
    recipient: str  # the account whose trail receives this copy
    record: Mapping[str, object]  # the CloudTrail record, JSON-ready


@dataclass(frozen=True, slots=True)
class Identity:
    """Who called, as CloudTrail describes them."""

    arn: str
    account: str
    kind: str  # "user", "role", "assumed-role", "root", "service"
    name: str = ""
    role_arn: str = ""


def user_identity(who: Identity, invoked_by: str = "") -> dict[str, object]:
    if who.kind == "service":
        return {"type": "AWSService", "invokedBy": who.arn}
    kinds = {"user": "IAMUser", "assumed-role": "AssumedRole", "root": "Root", "role": "AssumedRole"}
    ident: dict[str, object] = {
        "type": kinds.get(who.kind, "IAMUser"),
        "principalId": f"AIDA{zlib.crc32(who.arn.encode()):016d}" if who.kind == "user" else who.account,
        "arn": who.arn,
        "accountId": who.account,
    }
    if who.kind == "user":
        ident["userName"] = who.name
    if who.kind == "assumed-role":
        ident["sessionContext"] = {
            "sessionIssuer": {
                "type": "Role",
                "arn": who.role_arn,
                "accountId": who.account,
                "userName": who.role_arn.rsplit("/", 1)[-1],
            }
        }
    if invoked_by:
        ident["invokedBy"] = invoked_by
    return ident


def kms_events(
    *,
    who: Identity,
    event_name: str,
    region: str,
    request_parameters: Mapping[str, object],
    key_arns: tuple[str, ...],
    event_time: datetime,
    event_id: str,
    invoked_by: str = "",
    error_code: str = "",
    error_message: str = "",
    read_only: bool = False,
    event_source: str = "kms.amazonaws.com",
) -> tuple[TrailEvent, ...]:
    """One copy per receiving account of the record for this KMS call."""
    key_accounts = tuple(dict.fromkeys(a.split(":")[4] for a in key_arns if a.count(":") >= 5))
    record: dict[str, object] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(who, invoked_by),
        "eventTime": event_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": event_source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": invoked_by or (who.arn if who.kind == "service" else SOURCE_IP),
        "userAgent": invoked_by or (who.arn if who.kind == "service" else "aws-cli/2"),
        "requestParameters": dict(request_parameters),
        "responseElements": None,
        "requestID": event_id,
        "eventID": event_id,
        "readOnly": read_only,
        "resources": [{"accountId": a.split(":")[4], "type": "AWS::KMS::Key", "ARN": a} for a in key_arns],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "eventCategory": "Management",
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = error_message
    recipients = recipients_for(who, key_accounts, denied=error_code == "AccessDeniedException")
    if len(recipients) > 1:
        record["sharedEventID"] = event_id
    return tuple(TrailEvent(acct, {**record, "recipientAccountId": acct}) for acct in recipients)


def recipients_for(who: Identity, key_accounts: tuple[str, ...], *, denied: bool) -> tuple[str, ...]:
    """Which accounts log the call: the caller's and every key owner's (not for a service
    principal, which has no account), except that a cross-account call denied for access
    reaches only the caller's account."""
    caller = () if who.kind == "service" or not who.account else (who.account,)
    if denied and caller:
        return caller
    return tuple(dict.fromkeys(caller + key_accounts))
