"""Amazon Resource Names: split an ARN into its parts, and small helpers about accounts and keys.

Responsible for the syntax of ARNs (`arn:partition:service:region:account:resource`) and the
resource part conventions of the services KMS Lab simulates (KMS keys and aliases, IAM users and
roles, STS assumed-role sessions, S3 buckets and objects, EC2 snapshots).
Must not: decide access or match wildcards (evaluation does that).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kmslab.iam.fastinit import fast_init

# AWS: ARN format arn:partition:service:region:account-id:resource, resource may be
# `type/id` or `type:id` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)
_PARTITIONS = frozenset({
    "aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc",
})
# SIMULATION: a length cap against hostile input; AWS's own per-service limits vary
_MAX_ARN = 2048
_SPACE = re.compile(r"\s")


@fast_init  # every authorization parses its caller's and its resource's ARN
@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str  # everything after the fifth colon, e.g. "key/1234abcd-..."
    resource_type: str  # "key", "alias", "user", "role", "assumed-role", "root", "" for S3 ...
    resource_id: str  # the rest: "1234abcd-...", "bob", "R/session", "bucket/key"

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def is_account_id(s: object) -> bool:
    """True for exactly 12 ASCII digits."""
    return isinstance(s, str) and len(s) == 12 and s.isascii() and s.isdigit()


def _split_resource(service: str, resource: str) -> tuple[str, str]:
    if service == "s3":
        # AWS: S3 ARNs have no type prefix: arn:aws:s3:::bucket/key
        return "", resource
    if resource == "root":
        return "root", ""
    for sep in ("/", ":"):
        head, found, tail = resource.partition(sep)
        if found:
            return head, tail
    return resource, ""


def parse_arn(text: object) -> Arn | None:
    """Split an ARN; None when `text` is not a well-formed ARN (never raises).

    Wildcards are allowed in any part (policies write `arn:aws:kms:*:111122223333:key/*`).
    """
    if not isinstance(text, str) or len(text) > _MAX_ARN or not text.startswith("arn:"):
        return None
    return _parse_arn(text)


@functools.lru_cache(maxsize=4096)
def _parse_arn(text: str) -> Arn | None:
    parts = text.split(":", 5)
    if len(parts) != 6:
        return None
    _, partition, service, region, account, resource = parts
    if not partition or not service or not resource:
        return None
    if partition not in _PARTITIONS and "*" not in partition and "?" not in partition:
        return None
    if _SPACE.search(text) is not None:
        return None
    rtype, rid = _split_resource(service, resource)
    return Arn(partition, service, region, account, resource, rtype, rid)


def account_of(principal_or_arn: object) -> str:
    """The account a principal or ARN belongs to: "111122223333" for the bare account id, for
    `arn:aws:iam::111122223333:root` and any ARN with an account; "" if none (service principals,
    S3 ARNs, "*")."""
    if not isinstance(principal_or_arn, str):
        return ""
    if is_account_id(principal_or_arn):
        return principal_or_arn
    arn = parse_arn(principal_or_arn)
    if arn is None or not is_account_id(arn.account):
        return ""
    return arn.account


def key_arn(region: str, account: str, key_id: str, partition: str = "aws") -> str:
    """`arn:aws:kms:<region>:<account>:key/<key_id>`."""
    return f"arn:{partition}:kms:{region}:{account}:key/{key_id}"


def is_key_arn(s: object) -> bool:
    """A KMS key ARN (`...:kms:region:account:key/id`), possibly with wildcards."""
    arn = parse_arn(s)
    return arn is not None and arn.service == "kms" and arn.resource_type == "key" and bool(arn.resource_id)


def is_alias_arn(s: object) -> bool:
    """A KMS alias ARN (`...:kms:region:account:alias/name`)."""
    arn = parse_arn(s)
    return arn is not None and arn.service == "kms" and arn.resource_type == "alias" and bool(arn.resource_id)


def is_bare_key_id(s: object) -> bool:
    """A key id without ARN: `1234abcd-12ab-34cd-56ef-1234567890ab` (or an `mrk-` multi-Region id)."""
    if not isinstance(s, str) or not s.isascii():
        return False
    body = s[4:] if s.startswith("mrk-") else s
    groups = body.split("-")
    if s.startswith("mrk-"):
        return len(body) == 32 and all(c in "0123456789abcdef" for c in body)
    return [len(g) for g in groups] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for g in groups for c in g
    )
