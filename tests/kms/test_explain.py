from __future__ import annotations

import json

import pytest

from kmslab.iam.authorize import authorize
from kmslab.iam.decision import Decision
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.kms import citations as cite
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.explain import explain
from kmslab.kms.grants import Grant
from kmslab.kms.managed import managed_key_policy
from tests.kms.golden.builders import ALICE, BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt, seed_bob_policy, seed_key_policy

BILLING = {"Sid": "AllowBilling", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Decrypt", "Resource": "*",
           "Condition": {"StringEquals": {"kms:EncryptionContext:app": "billing"}}}
ENCRYPT_ONLY = {"Sid": "AllowEncrypt", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Encrypt", "Resource": "*"}
ALICE_ALL = iam_policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}, name="alice's IAM policy")


def texts(d: Decision) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in explain(d)]


def test_explain_cross_account_without_iam_policy() -> None:
    d = authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=seed_key_policy(),
                      context={"kms:ViaService": "s3.us-east-1.amazonaws.com"})
    assert texts(d) == [
        ("verdict", "denied: no identity-based policy in account 111111111111 allows kms:GenerateDataKey on this key"),
        ("cause", "the key policy allows account 111111111111, but cross-account use also needs an IAM policy in that "
                  "account allowing kms:GenerateDataKey on the key ARN"),
    ]
    assert [s.citation for s in explain(d)] == [cite.IAM_POLICIES, cite.CROSS_ACCOUNT]


def test_explain_seed_worked_example_allowed() -> None:
    d = authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=seed_key_policy(), identity_policies=[seed_bob_policy()])
    assert texts(d) == [("verdict", "allowed: the key policy in account 222222222222 allows kms:GenerateDataKey "
                                    "(statement `Enable Cross Account Access` of the key policy) and an identity-based policy in "
                                    "account 111111111111 allows it too (statement 1 of bob's IAM policy)")]


def test_explain_condition_near_miss_names_wanted_and_got() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt(), BILLING), encryption_context={"app": "payroll"})
    assert texts(d)[2] == ("near-miss", "statement `AllowBilling` of the key policy did not apply: kms:EncryptionContext:app "
                                        "wanted `billing` (StringEquals), the request had `payroll`")
    assert explain(d)[2].citation == cite.CONDITIONS_KMS


def test_explain_absent_condition_key_near_miss() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(BILLING))
    assert ("near-miss", "statement `AllowBilling` of the key policy did not apply: kms:EncryptionContext:app wanted "
                         "`billing` (StringEquals), the request had no kms:EncryptionContext:app") in texts(d)


def test_explain_iam_policy_ignored_note() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(ENCRYPT_ONLY), identity_policies=[ALICE_ALL])
    assert texts(d) == [
        ("verdict", "denied: no statement in the key policy of account 222222222222 allows "
                    "arn:aws:iam::222222222222:user/alice to use kms:Decrypt on this key"),
        ("note", "the key policy does not enable IAM policies for account 222222222222, so alice's IAM policy is ignored"),
    ]


def test_explain_explicit_deny() -> None:
    kp = key_policy(root_stmt(), {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp, identity_policies=[ALICE_ALL])
    assert texts(d) == [("verdict", "denied: statement `NoDecrypt` of the key policy explicitly denies kms:Decrypt"),
                        ("cause", "an explicit deny overrides every allow, including grants")]
    assert explain(d)[0].citation == cite.EVALUATION_LOGIC


def test_explain_grant_near_miss_and_grant_allow() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(ENCRYPT_ONLY), grants=[Grant("g-1", KEY, ALICE, ("Encrypt",))])
    assert texts(d)[1:3] == [
        ("cause", "a grant for arn:aws:iam::222222222222:user/alice exists, but it does not allow this request (below): "
                  "a grant is the other way to allow it without the key policy"),
        ("near-miss", "grant `g-1` did not apply: the grant does not include Decrypt (it allows Encrypt)"),
    ]
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(ENCRYPT_ONLY), grants=[Grant("g-1", KEY, ALICE, ("Decrypt",))])
    assert texts(d) == [("verdict", "allowed: grant `g-1` allows kms:Decrypt for arn:aws:iam::222222222222:user/alice")]


def test_explain_enables_iam_allowed() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()),
                      identity_policies=[iam_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}, name="alice's IAM policy")])
    assert texts(d) == [("verdict", "allowed: the key policy lets account 222222222222 use IAM policies for this key "
                                    "(statement `EnableIAM` of the key policy), and statement 1 of alice's IAM policy allows kms:Decrypt")]


def test_explain_other_accounts_statements_are_not_near_misses() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt("999999999999")))
    assert all(kind != "near-miss" for kind, _ in texts(d))


def test_explain_every_rule_sentence_has_a_citation() -> None:
    d = authorize_kms(BOB, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()))
    assert all(s.citation.startswith("https://docs.aws.amazon.com/") for s in explain(d))


# Bucket-policy decisions come from kmslab.iam.authorize (the simulated S3): same Decision value,
# but every sentence must name the bucket policy and the bucket or object, never "the key".
BUCKET = "account-a-reports"
OBJECT = f"arn:aws:s3:::{BUCKET}/report.csv"
BOB_MAY_UPLOAD = {"Sid": "BobMayUpload", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "s3:PutObject",
                  "Resource": f"arn:aws:s3:::{BUCKET}/*"}
BOB_UPLOADS = {"Sid": "UploadReports", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}


def bucket_policy(*statements: dict) -> Policy:
    r = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), PolicyKind.BUCKET_POLICY,
                     name=f"Bucket policy of {BUCKET}")
    assert r.policy is not None, r.findings
    return r.policy


def s3_decide(caller: str, *bucket_statements: dict, iam: tuple[dict, ...] = (), resource: str = OBJECT,
              action: str = "s3:PutObject", context: dict[str, str] | None = None) -> Decision:
    ids = [iam_policy(*iam, name="bob's IAM policy")] if iam else []
    return authorize(caller, action, resource, OWN, resource_policy=bucket_policy(*bucket_statements) if bucket_statements
                     else None, identity_policies=ids, context=context)


def cited(d: Decision) -> list[tuple[str, str, str]]:
    return [(s.kind, s.text, s.citation) for s in explain(d)]


def test_explain_bucket_cross_account_both_allow_names_bucket_policy() -> None:
    d = s3_decide(BOB, BOB_MAY_UPLOAD, iam=(BOB_UPLOADS,))
    assert cited(d) == [("verdict", "allowed: the bucket policy in account 222222222222 allows s3:PutObject (statement "
                                    "`BobMayUpload` of the bucket policy) and an identity-based policy in account "
                                    "111111111111 allows it too (statement `UploadReports` of bob's IAM policy)",
                         cite.S3_CROSS_ACCOUNT)]


def test_explain_bucket_cross_account_no_bucket_allow_blames_bucket_policy() -> None:
    other = {**BOB_MAY_UPLOAD, "Sid": "OtherPrefix", "Resource": f"arn:aws:s3:::{BUCKET}/incoming/*"}
    d = s3_decide(BOB, other, iam=(BOB_UPLOADS,))
    assert cited(d) == [
        ("verdict", "denied: no statement in the bucket policy of account 222222222222 allows "
                    f"arn:aws:iam::111111111111:user/bob to use s3:PutObject on this object ({OBJECT})",
         cite.S3_BUCKET_POLICIES),
        ("cause", "cross-account access needs an allow in the bucket policy and in an IAM policy in account 111111111111",
         cite.S3_CROSS_ACCOUNT),
        ("near-miss", "statement `OtherPrefix` of the bucket policy did not apply: its Resource is "
                      f"`arn:aws:s3:::{BUCKET}/incoming/*`, which does not match this object ({OBJECT})",
         cite.EVALUATION_LOGIC),
    ]


def test_explain_bucket_cross_account_no_identity_allow_blames_iam_policy() -> None:
    d = s3_decide(BOB, BOB_MAY_UPLOAD, iam=({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},))
    assert cited(d) == [
        ("verdict", f"denied: no identity-based policy in account 111111111111 allows s3:PutObject on this object ({OBJECT})",
         cite.CROSS_ACCOUNT_LOGIC),
        ("cause", "the bucket policy allows it (statement `BobMayUpload` of the bucket policy), but cross-account access "
                  "also needs an IAM policy in account 111111111111 allowing s3:PutObject on the object ARN",
         cite.S3_CROSS_ACCOUNT),
    ]


def test_explain_bucket_explicit_deny_names_bucket_policy_without_grants() -> None:
    deny = {"Sid": "NoPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    d = s3_decide(BOB, BOB_MAY_UPLOAD, deny, iam=(BOB_UPLOADS,))
    assert cited(d) == [("verdict", "denied: statement `NoPut` of the bucket policy explicitly denies s3:PutObject",
                         cite.EVALUATION_LOGIC),
                        ("cause", "an explicit deny overrides every allow", cite.EVALUATION_LOGIC)]


def test_explain_bucket_same_account_neither_allows_says_either_is_enough() -> None:
    d = s3_decide(ALICE, resource=f"arn:aws:s3:::{BUCKET}", action="s3:ListBucket")
    assert cited(d) == [
        ("verdict", "denied: neither the bucket policy nor an identity-based policy in account 222222222222 allows "
                    f"arn:aws:iam::222222222222:user/alice to use s3:ListBucket on this bucket (arn:aws:s3:::{BUCKET})",
         cite.S3_BUCKET_AUTHORIZATION),
        ("cause", "in the bucket's own account an allow in either one is enough", cite.S3_BUCKET_AUTHORIZATION),
    ]


def test_explain_bucket_same_account_root_principal_delegates_to_iam() -> None:
    own_root = {"Sid": "OwnAccount", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
                "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    d = s3_decide(ALICE, own_root)
    assert cited(d) == [
        ("verdict", f"denied: no identity-based policy in account 222222222222 allows s3:PutObject on this object ({OBJECT})",
         cite.S3_OBJECT_AUTHORIZATION),
        ("cause", "the bucket policy allows account 222222222222 (statement `OwnAccount` of the bucket policy), which "
                  "delegates to IAM: an IAM policy of the caller must allow s3:PutObject", cite.PRINCIPAL_ACCOUNTS),
    ]


def test_explain_bucket_same_account_identity_policy_alone_allows() -> None:
    d = s3_decide(ALICE, iam=(BOB_UPLOADS,))
    assert cited(d) == [("verdict", f"allowed: statement `UploadReports` of bob's IAM policy allows s3:PutObject on this "
                                    f"object ({OBJECT}); in the bucket's own account an identity-based policy alone is enough",
                         cite.S3_OBJECT_AUTHORIZATION)]


def test_explain_bucket_service_principal_only_bucket_policy_can_allow() -> None:
    wanted = {"Sid": "TrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
              "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
              "Condition": {"StringEquals": {"aws:SourceAccount": EXT}}}
    d = s3_decide("cloudtrail.amazonaws.com", wanted, context={"aws:SourceAccount": OWN})
    assert cited(d) == [
        ("verdict", "denied: no statement in the bucket policy of account 222222222222 allows cloudtrail.amazonaws.com "
                    f"to use s3:PutObject on this object ({OBJECT})", cite.S3_BUCKET_POLICIES),
        ("cause", "cloudtrail.amazonaws.com is an AWS service principal: it has no identity-based policies, so only the "
                  "bucket policy can allow it", cite.PRINCIPAL_ELEMENT),
        ("near-miss", "statement `TrailWrite` of the bucket policy did not apply: aws:SourceAccount wanted `111111111111` "
                      "(StringEquals), the request had `222222222222`", cite.CONDITION_OPERATORS),
    ]


@pytest.mark.parametrize("case", ["allowed", "no-bucket-allow", "no-identity-allow", "deny", "same-account", "service"],
                         ids=str)
def test_explain_bucket_sentences_never_mention_a_key(case: str) -> None:
    deny = {"Sid": "NoPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "*"}
    d = {"allowed": lambda: s3_decide(BOB, BOB_MAY_UPLOAD, iam=(BOB_UPLOADS,)),
         "no-bucket-allow": lambda: s3_decide(BOB, iam=(BOB_UPLOADS,)),
         "no-identity-allow": lambda: s3_decide(BOB, BOB_MAY_UPLOAD),
         "deny": lambda: s3_decide(BOB, BOB_MAY_UPLOAD, deny, iam=(BOB_UPLOADS,)),
         "same-account": lambda: s3_decide(ALICE),
         "service": lambda: s3_decide("cloudtrail.amazonaws.com")}[case]()
    sentences = explain(d)
    assert sentences and all("key" not in s.text and "grant" not in s.text for s in sentences)
    assert all(s.citation.startswith("https://docs.aws.amazon.com/") for s in sentences)


def test_explain_kms_service_principal_denied_has_no_cross_account_cause() -> None:
    d = authorize_kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey", KEY, key_policy=key_policy(root_stmt()))
    assert cited(d)[:2] == [
        ("verdict", "denied: no statement in the key policy of account 222222222222 allows cloudtrail.amazonaws.com "
                    "to use kms:GenerateDataKey on this key", cite.KEY_POLICIES),
        ("cause", "cloudtrail.amazonaws.com is an AWS service principal: it has no identity-based policies, so only "
                  "the key policy can allow it", cite.PRINCIPAL_ELEMENT),
    ]


def test_explain_cross_account_root_user_needs_no_iam_policy() -> None:
    # AWS: the root user is not limited by IAM policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html),
    # so a key policy allowing its account is the whole handshake for it.
    d = authorize_kms("arn:aws:iam::111111111111:root", "kms:GenerateDataKey", KEY, key_policy=seed_key_policy())
    assert texts(d) == [("verdict", "allowed: the key policy in account 222222222222 allows kms:GenerateDataKey "
                                    "(statement `Enable Cross Account Access` of the key policy) and the caller is "
                                    "account 111111111111's root user, which IAM policies do not limit")]


def test_explain_cross_account_root_user_denied_blames_only_the_key_policy() -> None:
    d = authorize_kms("arn:aws:iam::111111111111:root", "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()))
    assert texts(d)[:2] == [
        ("verdict", "denied: no statement in the key policy of account 222222222222 allows arn:aws:iam::111111111111:root "
                    "to use kms:Decrypt on this key"),
        ("cause", "cross-account use needs an allow in the key policy for account 111111111111; its root user needs no "
                  "IAM policy"),
    ]


def _aws_s3_policy() -> Policy:
    parsed = parse_policy(managed_key_policy("alias/aws/s3", OWN, "us-east-1"), PolicyKind.KEY_POLICY)
    assert parsed.policy is not None
    return parsed.policy


def test_explain_aws_managed_key_enables_iam_only_for_metadata_actions() -> None:
    # AWS: aws/s3's key policy allows the account's principals kms:Describe*, kms:Get*, kms:List*
    # directly (its IAM policies count for those), and cryptographic use only through S3
    # (https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#aws-managed-key)
    iam = iam_policy({"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:DescribeKey"], "Resource": KEY},
                     name="alice's IAM policy")
    d = authorize_kms(ALICE, "kms:GenerateDataKey", KEY, key_policy=_aws_s3_policy(), identity_policies=[iam])
    notes = [t for kind, t in texts(d) if kind == "note"]
    assert notes == ["the key policy enables IAM policies for account 222222222222 only for `kms:Describe*`, "
                     "`kms:Get*`, `kms:List*` (statement `Allow direct access to key metadata to the account` of "
                     "the key policy), not for kms:GenerateDataKey, so alice's IAM policy is ignored for this request"]
    assert not any("does not enable IAM policies" in t for _, t in texts(d))
    described = authorize_kms(ALICE, "kms:DescribeKey", KEY, key_policy=_aws_s3_policy(), identity_policies=[iam])
    assert described.allowed and described.rule == "key-policy-enables-iam"
