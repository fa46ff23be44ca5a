"""Action catalogs: every AWS KMS action, and the few S3 / EC2 / CloudTrail actions the labs use.

Responsible for action names, access levels, resource types, cross-account support and grant
eligibility; looking actions up case-insensitively, expanding wildcard patterns, suggesting the
action a typo meant. Must not: decide access.

# AWS: KMS actions, resources and "Cross-account use" from the KMS permissions reference
#   (https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html);
#   verified on the API reference pages: ListGrants, RevokeGrant and RetireGrant are
#   cross-account "Yes"; ListRetirableGrants works only in the caller's own account.
# AWS: grant operations (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations)
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

# the one linear matcher (no quadratic copy here); re-exported for callers that import it from actions
from kmslab.iam.wildcard import wildcard_match as wildcard_match

WRITE = "Write"
READ = "Read"
LIST = "List"
PERMISSIONS = "Permissions management"
TAGGING = "Tagging"


@dataclass(frozen=True, slots=True)
class ActionInfo:
    service: str  # "kms"
    name: str  # canonical spelling without prefix: "GenerateDataKey"
    access_level: str  # Write, Read, List, Permissions management, Tagging
    resource_types: tuple[str, ...]  # ("key",), ("alias", "key"), ("*",) = no resource-level permission
    cross_account: bool  # usable on a key in another account (KMS only; False elsewhere)
    grant_operation: bool = False  # may appear in a grant's Operations

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


_K = ("key",)
_AK = ("alias", "key")
_STAR = ("*",)

# name, access level, resources, cross-account, grant operation
_KMS_TABLE: tuple[tuple[str, str, tuple[str, ...], bool, bool], ...] = (
    ("CancelKeyDeletion", WRITE, _K, False, False),
    ("ConnectCustomKeyStore", WRITE, _STAR, False, False),
    ("CreateAlias", WRITE, _AK, False, False),
    ("CreateCustomKeyStore", WRITE, _STAR, False, False),
    ("CreateGrant", PERMISSIONS, _K, True, True),
    ("CreateKey", WRITE, _STAR, False, False),
    ("Decrypt", WRITE, _K, True, True),
    ("DeleteAlias", WRITE, _AK, False, False),
    ("DeleteCustomKeyStore", WRITE, _STAR, False, False),
    ("DeleteImportedKeyMaterial", WRITE, _K, False, False),
    ("DeriveSharedSecret", WRITE, _K, True, True),
    ("DescribeCustomKeyStores", READ, _STAR, False, False),
    ("DescribeKey", READ, _K, True, True),
    ("DisableKey", WRITE, _K, False, False),
    ("DisableKeyRotation", WRITE, _K, False, False),
    ("DisconnectCustomKeyStore", WRITE, _STAR, False, False),
    ("EnableKey", WRITE, _K, False, False),
    ("EnableKeyRotation", WRITE, _K, False, False),
    ("Encrypt", WRITE, _K, True, True),
    ("GenerateDataKey", WRITE, _K, True, True),
    ("GenerateDataKeyPair", WRITE, _K, True, True),
    ("GenerateDataKeyPairWithoutPlaintext", WRITE, _K, True, True),
    ("GenerateDataKeyWithoutPlaintext", WRITE, _K, True, True),
    ("GenerateMac", WRITE, _K, True, True),
    ("GenerateRandom", WRITE, _STAR, False, False),
    ("GetKeyPolicy", READ, _K, False, False),
    ("GetKeyRotationStatus", READ, _K, True, False),
    ("GetParametersForImport", READ, _K, False, False),
    ("GetPublicKey", READ, _K, True, True),
    ("ImportKeyMaterial", WRITE, _K, False, False),
    ("ListAliases", LIST, _STAR, False, False),
    ("ListGrants", LIST, _K, True, False),
    ("ListKeyPolicies", LIST, _K, False, False),
    ("ListKeyRotations", LIST, _K, False, False),
    ("ListKeys", LIST, _STAR, False, False),
    ("ListResourceTags", LIST, _K, False, False),
    ("ListRetirableGrants", LIST, _STAR, False, False),
    ("PutKeyPolicy", PERMISSIONS, _K, False, False),
    ("ReEncryptFrom", WRITE, _K, True, True),
    ("ReEncryptTo", WRITE, _K, True, True),
    ("ReplicateKey", WRITE, _K, False, False),
    ("RetireGrant", PERMISSIONS, _K, True, True),
    ("RevokeGrant", PERMISSIONS, _K, True, False),
    ("RotateKeyOnDemand", WRITE, _K, False, False),
    ("ScheduleKeyDeletion", WRITE, _K, False, False),
    ("Sign", WRITE, _K, True, True),
    ("SynchronizeMultiRegionKey", WRITE, _K, False, False),
    ("TagResource", TAGGING, _K, False, False),
    ("UntagResource", TAGGING, _K, False, False),
    ("UpdateAlias", WRITE, _AK, False, False),
    ("UpdateCustomKeyStore", WRITE, _STAR, False, False),
    ("UpdateKeyDescription", WRITE, _K, False, False),
    ("UpdatePrimaryRegion", WRITE, _K, False, False),
    ("Verify", WRITE, _K, True, True),
    ("VerifyMac", WRITE, _K, True, True),
)

KMS_ACTIONS: Mapping[str, ActionInfo] = MappingProxyType({
    name: ActionInfo("kms", name, level, res, xacct, grant) for name, level, res, xacct, grant in _KMS_TABLE
})

# Small catalogs for the services the labs touch (not exhaustive: validate stays quiet on
# unknown names of these services rather than call a real action unknown).
_OTHER: dict[str, tuple[tuple[str, str], ...]] = {
    "s3": (
        ("AbortMultipartUpload", WRITE), ("CreateBucket", WRITE), ("DeleteBucket", WRITE),
        ("DeleteBucketPolicy", PERMISSIONS), ("DeleteObject", WRITE), ("DeleteObjectVersion", WRITE),
        ("GetBucketLocation", READ), ("GetBucketPolicy", READ), ("GetBucketVersioning", READ),
        ("GetEncryptionConfiguration", READ), ("GetObject", READ), ("GetObjectAcl", READ),
        ("GetObjectAttributes", READ), ("GetObjectVersion", READ), ("ListAllMyBuckets", LIST),
        ("ListBucket", LIST), ("ListBucketMultipartUploads", LIST), ("ListBucketVersions", LIST),
        ("ListMultipartUploadParts", LIST), ("PutBucketPolicy", PERMISSIONS), ("PutBucketVersioning", WRITE),
        ("PutEncryptionConfiguration", WRITE), ("PutObject", WRITE), ("PutObjectAcl", PERMISSIONS),
        ("ReplicateObject", WRITE), ("RestoreObject", WRITE),
    ),
    "ec2": (
        ("AttachVolume", WRITE), ("CopyImage", WRITE), ("CopySnapshot", WRITE), ("CreateImage", WRITE),
        ("CreateSnapshot", WRITE), ("CreateVolume", WRITE), ("DeleteSnapshot", WRITE), ("DeleteVolume", WRITE),
        ("DescribeImages", LIST), ("DescribeInstances", LIST), ("DescribeSnapshotAttribute", LIST),
        ("DescribeSnapshots", LIST), ("DescribeVolumes", LIST), ("DetachVolume", WRITE),
        ("ModifyImageAttribute", WRITE), ("ModifySnapshotAttribute", WRITE), ("RunInstances", WRITE),
    ),
    "cloudtrail": (
        ("CreateTrail", WRITE), ("DeleteTrail", WRITE), ("DescribeTrails", READ), ("GetEventSelectors", READ),
        ("GetTrailStatus", READ), ("LookupEvents", READ), ("PutEventSelectors", WRITE), ("StartLogging", WRITE),
        ("StopLogging", WRITE), ("UpdateTrail", WRITE),
    ),
}

OTHER_ACTIONS: Mapping[str, Mapping[str, ActionInfo]] = MappingProxyType({
    svc: MappingProxyType({n: ActionInfo(svc, n, lvl, _STAR, False) for n, lvl in rows})
    for svc, rows in _OTHER.items()
})
CATALOGED_SERVICES = frozenset({"kms", *OTHER_ACTIONS})

# Prefixes a learner is likely to meet; an action with another prefix is reported as unknown.
KNOWN_SERVICE_PREFIXES = frozenset({
    "kms", "s3", "ec2", "cloudtrail", "iam", "sts", "logs", "cloudwatch", "events", "sns", "sqs",
    "dynamodb", "lambda", "secretsmanager", "ssm", "rds", "ebs", "elasticfilesystem", "glue", "athena",
    "kinesis", "firehose", "backup", "organizations", "acm", "ecr", "ecs", "eks", "elasticloadbalancing",
    "autoscaling", "cloudformation", "redshift", "elasticache", "es", "codebuild", "codecommit",
    "codepipeline", "apigateway", "execute-api", "states", "xray", "config", "guardduty", "macie2",
    "securityhub", "access-analyzer", "tag", "route53", "cloudfront", "workspaces", "sagemaker",
    "bedrock", "fsx", "storagegateway", "datasync", "transfer", "opensearch", "kafka", "mq",
    "cognito-idp", "cognito-identity", "appsync", "amplify", "ses", "sso", "account", "aws-portal",
})

_BY_LOWER: dict[str, ActionInfo] = {}
for _info in KMS_ACTIONS.values():
    _BY_LOWER[_info.full_name.lower()] = _info
for _svc in OTHER_ACTIONS.values():
    for _info in _svc.values():
        _BY_LOWER[_info.full_name.lower()] = _info
ALL_ACTIONS: tuple[ActionInfo, ...] = tuple(_BY_LOWER.values())


def lookup_action(name: object) -> ActionInfo | None:
    """`kms:generatedatakey` -> the GenerateDataKey entry; None if not in a catalog."""
    if not isinstance(name, str) or len(name) > 256:
        return None
    return _BY_LOWER.get(name.lower())


def split_action(text: str) -> tuple[str, str]:
    """`kms:Decrypt` -> ("kms", "Decrypt"); no colon -> ("", text)."""
    service, colon, name = text.partition(":")
    return (service, name) if colon else ("", text)


def expand_action_pattern(pattern: object) -> tuple[ActionInfo, ...]:
    """Catalog actions a pattern matches, case-insensitively: `kms:GenerateDataKey*` -> 4 actions,
    `*` -> every cataloged action. Unknown services give ()."""
    if not isinstance(pattern, str) or len(pattern) > 256:
        return ()
    low = pattern.lower()
    if "*" not in low and "?" not in low:
        hit = _BY_LOWER.get(low)
        return (hit,) if hit else ()
    return _expand_lowered(low)


@functools.lru_cache(maxsize=2048)
def _expand_lowered(low: str) -> tuple[ActionInfo, ...]:
    # patterns repeat across statements and documents; the catalog never changes
    service = low.partition(":")[0]
    if "*" not in service and "?" not in service:
        pool = [(n, i) for n, i in _BY_LOWER.items() if n.startswith(service + ":")]
    else:
        pool = list(_BY_LOWER.items())
    return tuple(info for name, info in pool if wildcard_match(low, name))


def pattern_covers(pattern: str, other: str) -> bool:
    """Every action `other` names is also named by `pattern` (both lower-cased).

    A plain name is covered when the pattern matches it. A pattern is compared as a set: matching
    its text literally would claim `kms:*ecrypt` is covered by `kms:?ecrypt`. So each wildcard of
    `other` becomes a character no literal matches; then only a `*` of `pattern` (or a `?`, for a
    `?` of `other`) can absorb it, which makes a match a proof of cover. A miss is only a missing
    suggestion."""
    if "*" not in other and "?" not in other:
        return wildcard_match(pattern, other)
    if "\x00" in pattern or ("*" in other and "?" in pattern):
        return False
    return wildcard_match(pattern, other.replace("*", "\x00").replace("?", "\x00"))


def covered_entries(lowered: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """(i, j) for each entry i that entry j covers: j is the first such entry, an earlier repeat of
    entry i or a different pattern naming every action entry i names."""
    wild_at = [j for j, b in enumerate(lowered) if "*" in b or "?" in b]
    if not wild_at and len(set(lowered)) == len(lowered):
        return ()  # fast path: no pattern and no repeat, so nothing can be covered
    out: list[tuple[int, int]] = []
    for i, a in enumerate(lowered):
        hit = lowered.index(a)
        if hit >= i:
            hit = -1
        for j in wild_at:
            if hit != -1 and j > hit:
                break
            b = lowered[j]
            if b != a and pattern_covers(b, a):
                hit = j
                break
        if hit != -1:
            out.append((i, hit))
    return tuple(out)


cached_covered_entries = functools.lru_cache(maxsize=1024)(covered_entries)


def suggest_action(name: object) -> str | None:
    """The cataloged action a misspelt name most likely meant, e.g. `kms:Decript` -> `kms:Decrypt`."""
    if not isinstance(name, str) or not name or len(name) > 256:
        return None
    service, action = split_action(name)
    svc = service.lower()
    pool = [i for i in ALL_ACTIONS if i.service == svc] if svc in CATALOGED_SERVICES else list(KMS_ACTIONS.values())
    lowered = {i.name.lower(): i for i in pool}
    close = difflib.get_close_matches(action.lower(), list(lowered), n=1, cutoff=0.6)
    if not close:
        return None
    found = lowered[close[0]].full_name
    return None if found == name else found


def suggest_service(prefix: str) -> str | None:
    if len(prefix) > 64:
        return None
    close = difflib.get_close_matches(prefix.lower(), sorted(KNOWN_SERVICE_PREFIXES), n=1, cutoff=0.6)
    return close[0] if close else None
