from __future__ import annotations

from kmslab.iam.decision import Decision
from kmslab.kms import citations as cite
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.explain import explain
from kmslab.kms.grants import Grant
from tests.kms.golden.builders import ALICE, BOB, KEY, iam_policy, key_policy, root_stmt, seed_bob_policy, seed_key_policy

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
    assert texts(d)[1] == ("near-miss", "grant `g-1` did not apply: the grant does not include Decrypt (it allows Encrypt)")
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
