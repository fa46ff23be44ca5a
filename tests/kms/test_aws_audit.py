"""AWS-fidelity audit of the KMS authorizer: one row per documented rule, each citing its page."""

from __future__ import annotations

import pytest

from kmslab.iam.decision import DenyReason, Verdict
from kmslab.iam.policy import Policy
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.explain import explain
from kmslab.kms.grants import Grant, GrantConstraints
from tests.kms.golden.builders import ALICE, BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt

KP = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
KPD = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
XACCT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html"
EVAL = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
PRINC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"
NOTP = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html"
ACTION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html"
NOTACTION = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html"
NOTRES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html"
API = "https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html"
CONDKMS = "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html"
GC = "https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html"
GRANTS = "https://docs.aws.amazon.com/kms/latest/developerguide/grants.html"

ALIAS = f"arn:aws:kms:us-east-1:{OWN}:alias/app"
ROLE = f"arn:aws:iam::{OWN}:role/app"
SESSION = f"arn:aws:sts::{OWN}:assumed-role/app/i-123"
ROOT = f"arn:aws:iam::{OWN}:root"
CAROL = f"arn:aws:iam::{OWN}:user/carol"
EXT_ROOT = f"arn:aws:iam::{EXT}:root"


def allow(principal: object, action: object = "kms:Decrypt", **extra: object) -> dict:
    return {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*", **extra}


def iam(action: object = "kms:Decrypt", resource: object = KEY, effect: str = "Allow", key: str = "Action") -> Policy:
    return iam_policy({"Effect": effect, key: action, "Resource": resource})


A, I, E = Verdict.ALLOWED, Verdict.IMPLICITLY_DENIED, Verdict.EXPLICITLY_DENIED
CASES: list[tuple[str, str, str, Policy, tuple[Policy, ...], Verdict, str]] = [
    # (id, caller, action, key policy, IAM policies, verdict, source)
    ("same-account-key-policy-names-user-no-iam", ALICE, "kms:Decrypt", key_policy(allow({"AWS": ALICE})), (), A, KP),
    ("same-account-root-statement-alone-does-not-allow-user", ALICE, "kms:Decrypt", key_policy(root_stmt()), (), I, KPD),
    ("same-account-root-statement-plus-iam", ALICE, "kms:Decrypt", key_policy(root_stmt()), (iam(),), A, KPD),
    ("same-account-iam-without-root-statement-ignored", ALICE, "kms:Decrypt", key_policy(allow({"AWS": ROLE})), (iam(),), I, KPD),
    ("same-account-account-id-shorthand-enables-iam", ALICE, "kms:Decrypt", key_policy(allow({"AWS": OWN})), (iam(),), A, PRINC),
    ("root-user-allowed-by-root-statement", ROOT, "kms:Decrypt", key_policy(root_stmt()), (), A, KPD),
    ("root-user-needs-key-policy", ROOT, "kms:Decrypt", key_policy(allow({"AWS": ALICE})), (), I, KP),
    ("principal-star-allows-same-account", ALICE, "kms:Decrypt", key_policy(allow("*")), (), A, PRINC),
    ("principal-aws-star-allows-same-account", ALICE, "kms:Decrypt", key_policy(allow({"AWS": "*"})), (), A, PRINC),
    ("role-arn-matches-its-sessions", SESSION, "kms:Decrypt", key_policy(allow({"AWS": ROLE})), (), A, PRINC),
    ("session-arn-matches-itself", SESSION, "kms:Decrypt", key_policy(allow({"AWS": SESSION})), (), A, PRINC),
    ("other-session-of-role-not-matched-by-session-arn", SESSION, "kms:Decrypt",
     key_policy(allow({"AWS": f"arn:aws:sts::{OWN}:assumed-role/app/other"})), (), I, PRINC),
    ("user-arn-with-path-must-match-exactly", ALICE, "kms:Decrypt", key_policy(allow({"AWS": f"arn:aws:iam::{OWN}:user/dev/alice"})), (), I, PRINC),
    ("principal-wildcard-arn-is-not-a-pattern", ALICE, "kms:Decrypt", key_policy(allow({"AWS": f"arn:aws:iam::{OWN}:user/*"})), (), I, PRINC),
    # cross-account: both the key policy and an IAM policy in the caller's account
    ("cross-key-policy-names-user-no-iam", BOB, "kms:Decrypt", key_policy(allow({"AWS": BOB})), (), I, XACCT),
    ("cross-key-policy-names-user-with-iam", BOB, "kms:Decrypt", key_policy(allow({"AWS": BOB})), (iam(),), A, XACCT),
    ("cross-account-root-plus-iam-star-resource", BOB, "kms:Decrypt", key_policy(allow({"AWS": EXT_ROOT})), (iam(resource="*"),), A, XACCT),
    ("cross-iam-resource-alias-arn-does-not-match-key", BOB, "kms:Decrypt", key_policy(allow({"AWS": EXT_ROOT})), (iam(resource=ALIAS),), I, XACCT),
    ("cross-iam-resource-wildcard-key-arn", BOB, "kms:Decrypt", key_policy(allow({"AWS": EXT_ROOT})),
     (iam(resource=f"arn:aws:kms:*:{OWN}:key/*"),), A, XACCT),
    ("cross-iam-only", BOB, "kms:Decrypt", key_policy(root_stmt()), (iam(),), I, XACCT),
    ("cross-root-statement-of-owner-does-not-cover-other-account", BOB, "kms:Decrypt", key_policy(root_stmt()), (iam(resource="*"),), I, XACCT),
    ("cross-management-operation-never", BOB, "kms:ScheduleKeyDeletion", key_policy(allow({"AWS": EXT_ROOT}, "kms:*")),
     (iam("kms:*", "*"),), I, API),
    ("cross-putkeypolicy-never", BOB, "kms:PutKeyPolicy", key_policy(allow({"AWS": EXT_ROOT}, "kms:*")), (iam("kms:*", "*"),), I, API),
    ("cross-describekey-allowed", BOB, "kms:DescribeKey", key_policy(allow({"AWS": EXT_ROOT}, "kms:*")), (iam("kms:*", "*"),), A, API),
    ("cross-creategrant-allowed", BOB, "kms:CreateGrant", key_policy(allow({"AWS": EXT_ROOT}, "kms:*")), (iam("kms:*", "*"),), A, API),
    # explicit deny
    ("deny-in-key-policy-beats-allow", ALICE, "kms:Decrypt",
     key_policy(allow({"AWS": ALICE}), {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}), (), E, EVAL),
    ("deny-in-iam-beats-key-policy-allow", ALICE, "kms:Decrypt", key_policy(allow({"AWS": ALICE})), (iam(effect="Deny", resource="*"),), E, EVAL),
    ("notprincipal-deny-spares-named", ALICE, "kms:Decrypt",
     key_policy(allow({"AWS": ALICE}), {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, ROOT]}, "Action": "kms:*", "Resource": "*"}), (), A, NOTP),
    ("notprincipal-deny-hits-others", SESSION, "kms:Decrypt",
     key_policy(allow({"AWS": ROLE}), {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE]}, "Action": "kms:*", "Resource": "*"}), (), E, NOTP),
    ("notprincipal-deny-user-and-account-hits-other-user", CAROL, "kms:Decrypt",
     key_policy(allow({"AWS": CAROL}), {"Effect": "Deny", "NotPrincipal": {"AWS": [ALICE, ROOT]}, "Action": "kms:*", "Resource": "*"}), (), E, NOTP),
    ("notprincipal-deny-session-role-account-spares-session", SESSION, "kms:Decrypt",
     key_policy(allow({"AWS": ROLE}), {"Effect": "Deny", "NotPrincipal": {"AWS": [SESSION, ROLE, ROOT]}, "Action": "kms:*", "Resource": "*"}), (), A, NOTP),
    # Action / NotAction / NotResource
    ("action-case-insensitive", ALICE, "kms:Decrypt", key_policy(allow({"AWS": ALICE}, "KMS:decrypt")), (), A, ACTION),
    ("action-wildcard-generatedatakey-star", ALICE, "kms:GenerateDataKeyWithoutPlaintext", key_policy(allow({"AWS": ALICE}, "kms:GenerateDataKey*")), (), A, ACTION),
    ("action-qmark", ALICE, "kms:Decrypt", key_policy(allow({"AWS": ALICE}, "kms:D?crypt")), (), A, ACTION),
    ("notaction-allow-covers-others", ALICE, "kms:Decrypt", key_policy(root_stmt()), (iam("kms:ScheduleKeyDeletion", "*", key="NotAction"),), A, NOTACTION),
    ("notaction-allow-excludes-named", ALICE, "kms:Decrypt", key_policy(root_stmt()), (iam("kms:Decrypt", "*", key="NotAction"),), I, NOTACTION),
    ("notresource-allow-other-key", ALICE, "kms:Decrypt", key_policy(root_stmt()),
     (iam_policy({"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": KEY[:-1] + "c"}),), A, NOTRES),
    ("notresource-allow-excludes-this-key", ALICE, "kms:Decrypt", key_policy(root_stmt()),
     (iam_policy({"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": KEY}),), I, NOTRES),
]


@pytest.mark.parametrize(("caller", "action", "kp", "ids", "verdict", "url"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_kms_audit_verdict_matches_aws(caller: str, action: str, kp: Policy, ids: tuple[Policy, ...], verdict: Verdict,
                                       url: str) -> None:
    assert url.startswith("https://docs.aws.amazon.com/")
    assert authorize_kms(caller, action, KEY, key_policy=kp, identity_policies=ids).verdict is verdict


CTX_CASES = [
    # (id, condition, context, encryption context, allowed)
    ("viaservice-match", {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, {}, True),
    ("viaservice-absent", {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}, {}, {}, False),
    ("calleraccount", {"StringEquals": {"kms:CallerAccount": OWN}}, {}, {}, True),
    ("ec-key-name-case-insensitive", {"StringEquals": {"kms:EncryptionContext:Dept": "IT"}}, {}, {"dept": "IT"}, True),
    ("ec-value-case-sensitive", {"StringEquals": {"kms:EncryptionContext:Dept": "IT"}}, {}, {"Dept": "it"}, False),
    ("eckeys-forall-subset", {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Dept", "Proj"]}}, {}, {"Dept": "IT"}, True),
    ("eckeys-forall-extra-key", {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Dept"]}}, {}, {"Dept": "IT", "x": "y"}, False),
    ("eckeys-forall-no-context-matches", {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Dept"]}}, {}, {}, True),
    ("eckeys-forany-no-context-fails", {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ["Dept"]}}, {}, {}, False),
    ("eckeys-null-false-requires-context", {"Null": {"kms:EncryptionContextKeys": "false"}}, {}, {}, False),
]


@pytest.mark.parametrize(("cond", "context", "ec", "allowed"), [c[1:] for c in CTX_CASES], ids=[c[0] for c in CTX_CASES])
def test_kms_audit_condition_keys_match_aws(cond: dict, context: dict, ec: dict, allowed: bool) -> None:
    # AWS: CONDKMS (kms:ViaService, kms:CallerAccount, kms:EncryptionContext:*, kms:EncryptionContextKeys)
    kp = key_policy(allow({"AWS": ALICE}, Condition=cond))
    assert authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp, context=context, encryption_context=ec).allowed is allowed


def test_kms_audit_service_principal_with_source_arn() -> None:
    # AWS: service principals are matched by "Service" and scoped with aws:SourceArn / aws:SourceAccount (PRINC)
    trail = f"arn:aws:cloudtrail:us-east-1:{OWN}:trail/main"
    kp = key_policy(allow({"Service": "cloudtrail.amazonaws.com"}, "kms:GenerateDataKey*",
                          Condition={"StringLike": {"aws:SourceArn": f"arn:aws:cloudtrail:*:{OWN}:trail/*"},
                                     "StringEquals": {"aws:SourceAccount": OWN}}))
    ok = {"aws:SourceArn": trail, "aws:SourceAccount": OWN}
    assert authorize_kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey", KEY, key_policy=kp, context=ok).allowed
    other = {"aws:SourceArn": trail.replace(OWN, EXT), "aws:SourceAccount": EXT}
    assert not authorize_kms("cloudtrail.amazonaws.com", "kms:GenerateDataKey", KEY, key_policy=kp, context=other).allowed
    assert not authorize_kms(ALICE, "kms:GenerateDataKey", KEY, key_policy=kp, context=ok).allowed


GRANT_CASES = [
    # (id, operation, constraints, encryption context, allowed) -- AWS: GC, GRANTS
    ("subset-doc-example-accepts", "Decrypt", GrantConstraints(encryption_context_subset=(("Department", "Finance"), ("Classification", "Public"))),
     {"Customer": "12345", "Department": "Finance", "Classification": "Public", "Purpose": "Test"}, True),
    ("subset-doc-example-rejects-lowercase", "Decrypt", GrantConstraints(encryption_context_subset=(("Department", "Finance"), ("Classification", "Public"))),
     {"department": "finance", "classification": "public"}, False),
    ("subset-key-case-insensitive", "Decrypt", GrantConstraints(encryption_context_subset=(("Department", "Finance"),)), {"department": "Finance"}, True),
    ("equals-key-case-insensitive", "Decrypt", GrantConstraints(encryption_context_equals=(("Department", "Finance"),)), {"DEPARTMENT": "Finance"}, True),
    ("equals-value-case-sensitive", "Decrypt", GrantConstraints(encryption_context_equals=(("Department", "Finance"),)), {"Department": "finance"}, False),
    ("equals-any-order", "Encrypt", GrantConstraints(encryption_context_equals=(("a", "1"), ("b", "2"))), {"b": "2", "a": "1"}, True),
    ("constraints-not-applied-to-describekey", "DescribeKey", GrantConstraints(encryption_context_equals=(("a", "1"),)), {}, True),
    ("constraints-applied-to-generatedatakey", "GenerateDataKey", GrantConstraints(encryption_context_equals=(("a", "1"),)), {}, False),
]


@pytest.mark.parametrize(("op", "cons", "ec", "allowed"), [g[1:] for g in GRANT_CASES], ids=[g[0] for g in GRANT_CASES])
def test_kms_audit_grant_constraints_match_aws(op: str, cons: GrantConstraints, ec: dict, allowed: bool) -> None:
    g = Grant("g1", KEY, ALICE, (op,), cons)
    d = authorize_kms(ALICE, f"kms:{op}", KEY, key_policy=key_policy(root_stmt()), grants=[g], encryption_context=ec)
    assert d.allowed is allowed


@pytest.mark.parametrize("deny", ["key", "iam"])
def test_kms_audit_explicit_deny_beats_grant(deny: str) -> None:
    # AWS: EVAL (an explicit deny in any policy overrides any allow)
    stmt = {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}
    kp = key_policy(root_stmt(), {**stmt, "Principal": "*"}) if deny == "key" else key_policy(root_stmt())
    ids = (iam_policy(stmt),) if deny == "iam" else ()
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp, identity_policies=ids, grants=[Grant("g1", KEY, ALICE, ("Decrypt",))])
    assert d.verdict is Verdict.EXPLICITLY_DENIED and not d.granted_by_grant


def test_kms_audit_grant_for_role_applies_to_its_session() -> None:
    d = authorize_kms(SESSION, "kms:Decrypt", KEY, key_policy=key_policy(), grants=[Grant("g1", KEY, ROLE, ("Decrypt",))])
    assert d.allowed and d.granted_by_grant == "g1"


@pytest.mark.parametrize(("kp", "ids", "tail"), [
    (key_policy(allow({"AWS": EXT_ROOT})), (), "because no identity-based policy allows the kms:Decrypt action"),
    (key_policy(root_stmt()), (iam(),), "because no resource-based policy allows the kms:Decrypt action"),
], ids=["identity", "resource"])
def test_kms_audit_cross_account_access_denied_wording(kp: Policy, ids: tuple[Policy, ...], tail: str) -> None:
    # AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
    d = authorize_kms(BOB, "kms:Decrypt", KEY, key_policy=kp, identity_policies=ids)
    assert d.message == f"User: {BOB} is not authorized to perform: kms:Decrypt on resource: {KEY} {tail}"
    assert d.reason in (DenyReason.NO_IDENTITY_POLICY_ALLOWS, DenyReason.NO_RESOURCE_POLICY_ALLOWS)


def test_kms_audit_explain_names_unnamed_statement_by_number() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(allow({"AWS": ALICE})))
    text = explain(d)[0].text
    assert "statement 1 of the key policy" in text and "`statement 1`" not in text


def test_kms_audit_statement_cache_keys_on_whole_caller() -> None:
    # The same statement objects evaluated for different callers and contexts must never share a result.
    kp = key_policy(allow({"AWS": ALICE}, Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}))
    via = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    answers = [authorize_kms(c, "kms:Decrypt", KEY, key_policy=kp, context=ctx).allowed
               for c, ctx in ((ALICE, via), (BOB, via), (ALICE, {}), (ALICE, via), (SESSION, via))]
    assert answers == [True, False, False, True, False]


def test_kms_audit_fix_warns_when_it_would_drop_a_condition() -> None:
    # Least privilege: an Allow that failed only on its condition is better met than bypassed.
    from kmslab.kms.fix import suggest_fix
    kp = key_policy(allow({"AWS": ALICE}, Condition={"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}))
    fix = suggest_fix(authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp))
    assert fix is not None and fix.possible and fix.risky
    assert "statement 1 of the key policy" in fix.warning and "kms:ViaService" in fix.warning
    plain = suggest_fix(authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(allow({"AWS": ALICE}, "kms:Encrypt"))))
    assert plain is not None and not plain.risky and plain.warning == ""


@pytest.mark.parametrize("ptype", ["Federated", "CanonicalUser"])
def test_kms_audit_federated_principal_never_names_an_iam_caller(ptype: str) -> None:
    # AWS: an STS federated user is named with "AWS"; "Federated" names an identity provider (PRINC)
    fed = f"arn:aws:sts::{OWN}:federated-user/carol"
    assert not authorize_kms(fed, "kms:Decrypt", KEY, key_policy=key_policy(allow({ptype: fed}))).allowed
    assert authorize_kms(fed, "kms:Decrypt", KEY, key_policy=key_policy(allow({"AWS": fed}))).allowed
