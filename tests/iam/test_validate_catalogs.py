"""The catalogs validate relies on: KMS actions, condition keys, size limits."""

import pytest

from kmslab.iam.actions import (
    KMS_ACTIONS,
    KNOWN_SERVICE_PREFIXES,
    expand_action_pattern,
    lookup_action,
    suggest_action,
    wildcard_match,
)
from kmslab.iam.condition_keys import lookup_condition_key, suggest_condition_key
from kmslab.iam.limits import (
    BUCKET_POLICY_LIMIT,
    KEY_POLICY_LIMIT,
    MANAGED_POLICY_LIMIT,
    ROLE_INLINE_LIMIT,
    USER_INLINE_LIMIT,
    default_limit,
    limit_for,
)
from kmslab.iam.operators import OperatorFamily
from kmslab.iam.policy import PolicyKind
from kmslab.kms.grants import GRANT_OPERATIONS


def test_kms_catalog_grant_operations_match_kms_grants():
    assert {n for n, a in KMS_ACTIONS.items() if a.grant_operation} == set(GRANT_OPERATIONS)


@pytest.mark.parametrize(
    ("name", "cross_account"),
    [("Decrypt", True), ("GenerateDataKey", True), ("DescribeKey", True), ("CreateGrant", True),
     ("ListGrants", True), ("RevokeGrant", True), ("RetireGrant", True), ("DeriveSharedSecret", True),
     ("ReEncryptFrom", True), ("PutKeyPolicy", False), ("ScheduleKeyDeletion", False), ("EnableKey", False),
     ("ListRetirableGrants", False), ("CreateKey", False), ("GetKeyPolicy", False), ("CreateAlias", False)],
    ids=lambda v: str(v),
)
def test_kms_catalog_cross_account_support(name, cross_account):
    assert KMS_ACTIONS[name].cross_account is cross_account


def test_kms_catalog_resource_types():
    assert KMS_ACTIONS["CreateKey"].resource_types == ("*",)
    assert KMS_ACTIONS["CreateAlias"].resource_types == ("alias", "key")
    assert KMS_ACTIONS["Decrypt"].resource_types == ("key",)
    assert len(KMS_ACTIONS) >= 55


@pytest.mark.parametrize(
    ("name", "expected"),
    [("kms:generatedatakey", "GenerateDataKey"), ("KMS:Decrypt", "Decrypt"), ("s3:putobject", "PutObject"),
     ("ec2:CreateVolume", "CreateVolume"), ("kms:Nope", None), ("Decrypt", None), (None, None)],
    ids=["lower", "upper-prefix", "s3", "ec2", "unknown", "no-prefix", "none"],
)
def test_lookup_action_is_case_insensitive(name, expected):
    info = lookup_action(name)
    assert (info.name if info else None) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("kms:GenerateDataKey*", {"GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
                                  "GenerateDataKeyWithoutPlaintext"}),
        ("kms:ReEncrypt*", {"ReEncryptFrom", "ReEncryptTo"}),
        ("kms:*Mac", {"GenerateMac", "VerifyMac"}),
        ("kms:?ign", {"Sign"}),
        ("KMS:decrypt", {"Decrypt"}),
        ("kms:Nothing*", set()),
    ],
    ids=["generatedatakey", "reencrypt", "suffix", "question-mark", "literal", "none"],
)
def test_expand_action_pattern_matches_catalog(pattern, expected):
    assert {a.name for a in expand_action_pattern(pattern)} == expected


def test_expand_action_pattern_star_covers_everything():
    assert len(expand_action_pattern("kms:*")) == len(KMS_ACTIONS)
    assert len(expand_action_pattern("*")) > len(KMS_ACTIONS)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [("a*b", "aXXb", True), ("a*b", "aXXc", False), ("*", "", True), ("?", "", False), ("a?c", "abc", True),
     ("a" + "*a" * 40 + "b", "a" * 5000, False)],
    ids=["star", "star-miss", "empty", "qmark-empty", "qmark", "hostile"],
)
def test_wildcard_match(pattern, text, expected):
    assert wildcard_match(pattern, text) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [("kms:Decript", "kms:Decrypt"), ("kms:GenerateDatakeys", "kms:GenerateDataKey"),
     ("s3:PutObjects", "s3:PutObject"), ("kms:Zzzzzzzzzzzz", None), ("kms:Decrypt", None)],
    ids=["typo", "plural", "s3", "nothing", "already-right"],
)
def test_suggest_action(name, expected):
    assert suggest_action(name) == expected


def test_known_prefixes_include_lab_services():
    assert {"kms", "s3", "ec2", "cloudtrail", "iam", "sts"} <= KNOWN_SERVICE_PREFIXES


@pytest.mark.parametrize(
    ("key", "name", "family", "multi"),
    [("kms:ViaService", "kms:ViaService", OperatorFamily.STRING, False),
     ("KMS:VIASERVICE", "kms:ViaService", OperatorFamily.STRING, False),
     ("kms:EncryptionContext:Department", "kms:EncryptionContext:", OperatorFamily.STRING, False),
     ("kms:EncryptionContextKeys", "kms:EncryptionContextKeys", OperatorFamily.STRING, True),
     ("kms:GrantOperations", "kms:GrantOperations", OperatorFamily.STRING, True),
     ("kms:GrantIsForAWSResource", "kms:GrantIsForAWSResource", OperatorFamily.BOOL, False),
     ("kms:ValidTo", "kms:ValidTo", OperatorFamily.DATE, False),
     ("kms:ScheduleKeyDeletionPendingWindowInDays", "kms:ScheduleKeyDeletionPendingWindowInDays",
      OperatorFamily.NUMERIC, False),
     ("aws:SourceIp", "aws:SourceIp", OperatorFamily.IP, False),
     ("aws:PrincipalArn", "aws:PrincipalArn", OperatorFamily.ARN, False),
     ("aws:PrincipalTag/team", "aws:PrincipalTag/", OperatorFamily.STRING, False),
     ("aws:CalledVia", "aws:CalledVia", OperatorFamily.STRING, True),
     ("s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-aws-kms-key-id",
      OperatorFamily.ARN, False)],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_lookup_condition_key(key, name, family, multi):
    spec = lookup_condition_key(key)
    assert spec is not None
    assert (spec.name, spec.family, spec.multi_valued) == (name, family, multi)


@pytest.mark.parametrize("key", ["kms:EncryptionContext:", "kms:Nope", "aws:PrincipalTag/", "", None],
                         ids=["prefix-only", "unknown", "tag-prefix-only", "empty", "none"])
def test_lookup_condition_key_unknown(key):
    assert lookup_condition_key(key) is None


def test_condition_key_arn_accepts_string_operators():
    spec = lookup_condition_key("aws:SourceArn")
    assert spec.accepts(OperatorFamily.STRING) and spec.accepts(OperatorFamily.ARN)
    assert spec.accepts(OperatorFamily.NULL) and not spec.accepts(OperatorFamily.NUMERIC)
    assert not lookup_condition_key("kms:ViaService").accepts(OperatorFamily.NUMERIC)
    assert lookup_condition_key("aws:EpochTime").accepts(OperatorFamily.NUMERIC)


@pytest.mark.parametrize(
    ("key", "expected"),
    [("kms:ViaServices", "kms:ViaService"), ("kms:EncryptionContext.app", "kms:EncryptionContext:app"),
     ("kms:EncryptionContextKey", "kms:EncryptionContextKeys"), ("zzz", None)],
    ids=["plural", "dot-separator", "singular", "nothing"],
)
def test_suggest_condition_key(key, expected):
    assert suggest_condition_key(key) == expected


@pytest.mark.parametrize(
    ("kind", "principal_kind", "expected"),
    [(PolicyKind.KEY_POLICY, "user", KEY_POLICY_LIMIT), (PolicyKind.BUCKET_POLICY, "user", BUCKET_POLICY_LIMIT),
     (PolicyKind.IDENTITY, "user", USER_INLINE_LIMIT), (PolicyKind.IDENTITY, "role", ROLE_INLINE_LIMIT),
     (PolicyKind.IDENTITY, "managed", MANAGED_POLICY_LIMIT)],
    ids=["key", "bucket", "user", "role", "managed"],
)
def test_limit_for(kind, principal_kind, expected):
    assert limit_for(kind, principal_kind) == expected


def test_limits_values_and_measure():
    assert (KEY_POLICY_LIMIT.max_size, USER_INLINE_LIMIT.max_size, ROLE_INLINE_LIMIT.max_size,
            MANAGED_POLICY_LIMIT.max_size, limit_for(PolicyKind.IDENTITY, "group").max_size) == (
        32_768, 2_048, 10_240, 6_144, 5_120)
    assert KEY_POLICY_LIMIT.measure('{ "a": "é" }') == 13  # bytes, white space counted
    assert USER_INLINE_LIMIT.measure('{ "a":\n "é" }') == 9  # characters, white space not counted
    assert default_limit(PolicyKind.IDENTITY) == ROLE_INLINE_LIMIT


@pytest.mark.parametrize(
    ("pattern", "other", "covers"),
    [
        ("*", "*:*", True),
        ("*:*", "kms:*", True),
        ("kms:*", "kms:*Key*", True),
        ("kms:?ecrypt", "kms:*ecrypt", False),  # `*ecrypt` names more than `?ecrypt`
        ("kms:gen*", "kms:*", False),
    ],
    ids=["star-covers-star-colon-star", "any-service-covers-kms", "kms-star-covers-pattern", "question-mark-narrower", "prefix-narrower"],
)
def test_pattern_covers_only_reports_provable_covers(pattern: str, other: str, covers: bool) -> None:
    from kmslab.iam.actions import pattern_covers

    assert pattern_covers(pattern, other) is covers
