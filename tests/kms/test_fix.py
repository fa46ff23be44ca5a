from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmslab.iam.authorize import authorize
from kmslab.iam.decision import Gate
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import PolicyKind
from kmslab.kms import citations as cite
from kmslab.kms.authorize import authorize_kms
from kmslab.kms.fix import AWS_MANAGED_REASON, Fix, FixError, apply_fix, suggest_fix
from tests.kms.golden.builders import ALICE, BOB, EXT, KEY, OWN, iam_policy, key_policy, root_stmt, seed_key_policy


ENCRYPT_ONLY_STMT = {"Sid": "AllowEncrypt", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Encrypt",
                     "Resource": "*"}


def test_suggest_fix_allowed_request_returns_none() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy({**root_stmt(), "Principal": {"AWS": ALICE}}))
    assert suggest_fix(d) is None


def test_suggest_fix_cross_account_missing_iam_adds_exact_action_on_key() -> None:
    d = authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=seed_key_policy(),
                      identity_policies=[iam_policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}, name="bob's IAM policy")])
    fix = suggest_fix(d)
    assert fix is not None and fix.possible and not fix.risky
    assert (fix.gate, fix.account, fix.policy_name) == (Gate.IAM_POLICY, EXT, "bob's IAM policy")
    assert fix.statement == {"Sid": "AllowGenerateDataKey", "Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": KEY}
    assert fix.summary == f"add `kms:GenerateDataKey` on this key's ARN to an IAM policy of {BOB}"


def test_suggest_fix_cross_account_missing_key_policy_allows_account_root_then_iam() -> None:
    d = authorize_kms(BOB, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()))
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.KEY_POLICY and fix.account == OWN
    assert fix.statement["Principal"] == {"AWS": f"arn:aws:iam::{EXT}:root"}
    assert fix.statement["Action"] == "kms:Decrypt" and fix.statement["Resource"] == "*"
    assert fix.then is not None and fix.then.gate is Gate.IAM_POLICY


def test_suggest_fix_same_account_names_role_for_session() -> None:
    session = f"arn:aws:sts::{OWN}:assumed-role/App/s1"
    d = authorize_kms(session, "kms:Encrypt", KEY, key_policy=key_policy({**root_stmt(), "Action": "kms:Describe*"}))
    fix = suggest_fix(d)
    assert fix is not None and fix.statement["Principal"] == {"AWS": f"arn:aws:iam::{OWN}:role/App"} and fix.then is None


def test_suggest_fix_explicit_deny_is_risky_and_not_possible() -> None:
    kp = key_policy(root_stmt(), {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
    fix = suggest_fix(authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=kp))
    assert fix is not None and fix.risky and not fix.possible and fix.replaces_index == 1
    assert "explicitly denies" in fix.reason


def test_suggest_fix_aws_managed_key_across_accounts_impossible() -> None:
    kp = key_policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
                     "Condition": {"StringEquals": {"kms:CallerAccount": OWN, "kms:ViaService": "s3.us-east-1.amazonaws.com"}}})
    fix = suggest_fix(authorize_kms(BOB, "kms:GenerateDataKey", KEY, key_policy=kp), key_manager="AWS")
    assert fix is not None and not fix.possible and fix.reason == AWS_MANAGED_REASON
    # The fix box shows the summary and, under it, the reason: the sentence must appear once.
    assert (fix.summary + " " + fix.reason).count("cannot be used across accounts") == 1
    assert "customer managed key" in fix.summary


def test_suggest_fix_impossible_summary_and_reason_do_not_repeat() -> None:
    deny = key_policy(root_stmt(), {"Sid": "NoDecrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt",
                                    "Resource": "*"})
    fixes = [suggest_fix(authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=deny)),
             suggest_fix(authorize_kms(BOB, "kms:ScheduleKeyDeletion", KEY, key_policy=key_policy(root_stmt(EXT)))),
             suggest_fix(authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(
                 {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*",
                  "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}})), key_manager="AWS")]
    for fix in fixes:
        assert fix is not None and not fix.possible and fix.summary and fix.reason
        assert fix.reason not in fix.summary and fix.summary not in fix.reason


def test_apply_fix_handles_single_object_statement_and_sid_clash() -> None:
    fix = Fix(Gate.IAM_POLICY, EXT, "p", "s", {"Sid": "A", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
              None, False, "", True, "")
    text = apply_fix('{"Version": "2012-10-17", "Statement": {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}}', fix)
    doc = json.loads(text)
    assert [s["Sid"] for s in doc["Statement"]] == ["A", "A2"]
    assert text.startswith('{\n  "Version"')


def test_apply_fix_blank_text_creates_policy_and_replaces_index() -> None:
    fix = Fix(Gate.IAM_POLICY, EXT, "", "s", {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}, None, False, "", True, "")
    assert json.loads(apply_fix("", fix))["Statement"] == [dict(fix.statement)]
    replace = Fix(Gate.IAM_POLICY, EXT, "", "s", {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": KEY}, 0, False, "", True, "")
    assert json.loads(apply_fix(apply_fix("", fix), replace))["Statement"] == [dict(replace.statement)]


LEARNER_TEXT = """{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "kms:*", "Resource": "*"
        }
    ]
}
"""


def test_apply_fix_keeps_the_learners_text_and_indents_like_the_neighbours() -> None:
    fix = Fix(Gate.KEY_POLICY, OWN, "key policy", "s", {"Sid": "AllowDecrypt", "Effect": "Allow",
              "Principal": {"AWS": f"arn:aws:iam::{EXT}:root"}, "Action": "kms:Decrypt", "Resource": "*"}, None, False, "", True, "")
    text = apply_fix(LEARNER_TEXT, fix)
    # Every original line is still there, in order; the new statement sits after the last one, 8 spaces in.
    assert text.startswith(LEARNER_TEXT[:LEARNER_TEXT.index("        }") + len("        }")] + ",\n        {\n            \"Sid\": \"AllowDecrypt\"")
    assert text.endswith("        }\n    ]\n}\n")
    assert json.loads(text)["Statement"][1] == fix.statement


def test_apply_fix_replaces_a_statement_in_place() -> None:
    fix = Fix(Gate.KEY_POLICY, OWN, "key policy", "s", {"Sid": "Root", "Effect": "Allow", "Action": "kms:Decrypt",
              "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Resource": "*"}, 0, False, "", True, "")
    text = apply_fix(LEARNER_TEXT, fix)
    assert text.startswith('{\n    "Version": "2012-10-17",\n    "Statement": [\n        {\n            "Sid": "Root",\n            "Effect"')
    assert json.loads(text)["Statement"] == [fix.statement]


@pytest.mark.parametrize("text", ['{"Statement": [{"Effect": "Allow"}]}', '{"Version": "2012-10-17", "Statement": []}',
                                  '{"Version": "2012-10-17", "Statement": [1], "Statement": [{"Sid": "Last"}]}'],
                         ids=["no-version", "empty-list", "duplicate-statement-key"])
def test_apply_fix_shapes_it_cannot_edit_in_place_are_rewritten_whole(text: str) -> None:
    fix = Fix(Gate.IAM_POLICY, EXT, "", "s", {"Sid": "New", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY},
              None, False, "", True, "")
    doc = json.loads(apply_fix(text, fix))
    assert doc["Version"] == "2012-10-17" and doc["Statement"][-1] == fix.statement
    assert doc["Statement"][:-1] == json.loads(text)["Statement"]


@pytest.mark.parametrize("bad", ["[]", "{", '{"Statement": 3}'], ids=["list", "invalid", "bad-statement"])
def test_apply_fix_bad_text_raises_fix_error(bad: str) -> None:
    fix = Fix(Gate.IAM_POLICY, EXT, "", "s", {"Effect": "Allow"}, None, False, "", True, "")
    with pytest.raises(FixError):
        apply_fix(bad, fix)


# Property: applying a possible fix (and its follow-up) and re-authorizing gives Allowed.
CALLERS = [ALICE, BOB, f"arn:aws:sts::{OWN}:assumed-role/App/s1", f"arn:aws:sts::{EXT}:assumed-role/Ext/s",
           f"arn:aws:iam::{EXT}:root", "cloudtrail.amazonaws.com"]
ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ReEncryptFrom"]
KP_STATEMENTS = [
    root_stmt(), root_stmt(EXT, "Ext"), {**root_stmt(), "Sid": "Few", "Action": "kms:Describe*"},
    {"Sid": "Alice", "Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:Encrypt", "Resource": "*"},
    {"Sid": "Via", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
     "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
]
IAM_STATEMENTS = [
    {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": KEY},
    {"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:*:999999999999:key/*"},
    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
]


def _decide(caller: str, action: str, kp: dict, iam: dict | None, ctx: dict[str, str]):
    kpp = parse_policy(json.dumps(kp), PolicyKind.KEY_POLICY).policy
    ids = [] if iam is None else [parse_policy(json.dumps(iam), PolicyKind.IDENTITY, name="caller's IAM policy").policy]
    assert kpp is not None and all(ids)
    return authorize_kms(caller, action, KEY, key_policy=kpp, identity_policies=ids, context=ctx)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(CALLERS), st.sampled_from(ACTIONS), st.lists(st.sampled_from(KP_STATEMENTS), max_size=3, unique_by=lambda s: s["Sid"]),
       st.one_of(st.none(), st.lists(st.sampled_from(IAM_STATEMENTS), min_size=1, max_size=2)), st.booleans())
def test_suggest_fix_applied_gives_allowed(caller: str, action: str, kp_stmts: list, iam_stmts: list | None, via: bool) -> None:
    kp = {"Version": "2012-10-17", "Statement": kp_stmts}
    iam = None if iam_stmts is None else {"Version": "2012-10-17", "Statement": iam_stmts}
    ctx = {"kms:ViaService": "s3.us-east-1.amazonaws.com"} if via else {}
    d = _decide(caller, action, kp, iam, ctx)
    fix = suggest_fix(d)
    if d.allowed:
        assert fix is None
        return
    assert fix is not None
    if not fix.possible:
        return
    step: Fix | None = fix
    while step is not None:
        if step.gate is Gate.KEY_POLICY:
            kp = json.loads(apply_fix(json.dumps(kp), step))
        else:
            iam = json.loads(apply_fix(json.dumps(iam) if iam else "", step))
        step = step.then
    assert _decide(caller, action, kp, iam, ctx).allowed


# Bucket-policy decisions (kmslab.iam.authorize, the simulated S3): the fix names the bucket policy
# and the object's ARN, never the key, and applying it makes the same request allowed.
BUCKET = "account-a-reports"
OBJECT = f"arn:aws:s3:::{BUCKET}/report.csv"
BOB_MAY_UPLOAD = {"Sid": "BobMayUpload", "Effect": "Allow", "Principal": {"AWS": BOB}, "Action": "s3:PutObject",
                  "Resource": f"arn:aws:s3:::{BUCKET}/*"}


def _s3_decide(caller: str, bucket: dict | None, iam: dict | None, *, resource: str = OBJECT, action: str = "s3:PutObject"):
    bp = None if bucket is None else parse_policy(json.dumps(bucket), PolicyKind.BUCKET_POLICY, name=f"Bucket policy of {BUCKET}").policy
    ids = [] if iam is None else [parse_policy(json.dumps(iam), PolicyKind.IDENTITY, name="bob's IAM policy").policy]
    return authorize(caller, action, resource, OWN, resource_policy=bp, identity_policies=ids)


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_suggest_fix_bucket_cross_account_missing_iam_names_object_arn() -> None:
    d = _s3_decide(BOB, _doc(BOB_MAY_UPLOAD), _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    fix = suggest_fix(d, key_manager="AWS")  # the key's manager has no say over a bucket decision
    assert fix is not None and fix.possible and not fix.risky
    assert (fix.gate, fix.account, fix.policy_name) == (Gate.IAM_POLICY, EXT, "bob's IAM policy")
    assert fix.summary == f"add `s3:PutObject` on this object's ARN to an IAM policy of {BOB}"
    assert fix.policy_name not in fix.summary  # the page shows the document's title beside it
    assert fix.statement == {"Sid": "AllowPutObject", "Effect": "Allow", "Action": "s3:PutObject", "Resource": OBJECT}
    assert fix.citation == cite.S3_CROSS_ACCOUNT


def test_suggest_fix_bucket_cross_account_missing_bucket_allow_edits_bucket_policy_then_iam() -> None:
    d = _s3_decide(BOB, _doc({**BOB_MAY_UPLOAD, "Resource": f"arn:aws:s3:::{BUCKET}/incoming/*"}), None)
    fix = suggest_fix(d, key_manager="AWS")
    assert fix is not None and fix.possible and fix.gate is Gate.BUCKET_POLICY and fix.account == OWN
    assert fix.summary == ("add a statement to the bucket policy allowing account 111111111111 to use `s3:PutObject` on "
                           "this object's ARN, then add `s3:PutObject` on this object's ARN to an IAM policy of "
                           "arn:aws:iam::111111111111:user/bob")
    assert fix.statement == {"Sid": "AllowPutObject", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{EXT}:root"},
                             "Action": "s3:PutObject", "Resource": OBJECT}
    assert fix.then is not None and fix.then.gate is Gate.IAM_POLICY


def test_suggest_fix_bucket_service_principal_edits_bucket_policy_only() -> None:
    d = _s3_decide("cloudtrail.amazonaws.com", _doc(BOB_MAY_UPLOAD), None)
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.BUCKET_POLICY and fix.then is None
    assert fix.statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert fix.summary == "add a statement to the bucket policy allowing cloudtrail.amazonaws.com to use `s3:PutObject` on this object's ARN"


def test_suggest_fix_bucket_explicit_deny_is_not_possible() -> None:
    deny = {"Sid": "NoPut", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}
    fix = suggest_fix(_s3_decide(BOB, _doc(BOB_MAY_UPLOAD, deny), None))
    assert fix is not None and fix.risky and not fix.possible and fix.gate is Gate.BUCKET_POLICY and fix.replaces_index == 1


@pytest.mark.parametrize(("caller", "bucket", "iam", "resource", "action"), [
    (BOB, _doc(BOB_MAY_UPLOAD), None, OBJECT, "s3:PutObject"),
    (BOB, None, None, OBJECT, "s3:PutObject"),
    (BOB, _doc({**BOB_MAY_UPLOAD, "Action": "s3:GetObject"}), _doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}), OBJECT, "s3:PutObject"),
    (ALICE, None, None, f"arn:aws:s3:::{BUCKET}", "s3:ListBucket"),
    (f"arn:aws:sts::{EXT}:assumed-role/Uploader/s1", _doc(BOB_MAY_UPLOAD), None, OBJECT, "s3:PutObject"),
    ("cloudtrail.amazonaws.com", None, None, OBJECT, "s3:PutObject"),
], ids=["cross-no-iam", "cross-nothing", "cross-wrong-bucket-action", "same-account-bucket", "cross-session", "service"])
def test_suggest_fix_bucket_applied_gives_allowed(caller: str, bucket: dict | None, iam: dict | None, resource: str,
                                                  action: str) -> None:
    d = _s3_decide(caller, bucket, iam, resource=resource, action=action)
    assert not d.allowed
    step = suggest_fix(d)
    assert step is not None and step.possible and "key" not in step.summary
    while step is not None:
        if step.gate is Gate.BUCKET_POLICY:
            bucket = json.loads(apply_fix(json.dumps(bucket) if bucket else "", step))
        else:
            assert step.gate is Gate.IAM_POLICY
            iam = json.loads(apply_fix(json.dumps(iam) if iam else "", step))
        step = step.then
    assert _s3_decide(caller, bucket, iam, resource=resource, action=action).allowed


def test_suggest_fix_cross_account_root_user_needs_only_the_key_policy() -> None:
    # The root user has no IAM policies to edit: the key policy allowing its account is the whole fix.
    d = authorize_kms(f"arn:aws:iam::{EXT}:root", "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()))
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.KEY_POLICY and fix.then is None
    assert fix.summary == f"add a statement to the key policy allowing account {EXT} to use `kms:Decrypt`"


def test_suggest_fix_for_a_service_principal_is_scoped_to_its_source_arn() -> None:
    # An unconditioned allow for cloudtrail.amazonaws.com would let any account's trail use the key
    # (the confused deputy): the fix names the request's aws:SourceArn, so another trail stays denied.
    trail = f"arn:aws:cloudtrail:us-east-1:{EXT}:trail/main"
    kp = {"Version": "2012-10-17", "Statement": [root_stmt()]}
    ctx = {"aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail}
    d = _decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", kp, None, ctx)
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.KEY_POLICY and fix.then is None
    assert fix.statement["Condition"] == {"StringEquals": {"aws:SourceArn": trail}}
    assert fix.summary.endswith(f"only for `{trail}` (aws:SourceArn)")
    fixed = json.loads(apply_fix(json.dumps(kp), fix))
    assert _decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", fixed, None, ctx).allowed
    stray = "arn:aws:cloudtrail:us-east-1:999999999999:trail/stray"
    assert not _decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", fixed, None,
                       {"aws:SourceArn": stray, "kms:EncryptionContext:aws:cloudtrail:arn": stray}).allowed


def _trail_ctx(trail: str) -> dict[str, str]:
    return {"aws:SourceArn": trail, "kms:EncryptionContext:aws:cloudtrail:arn": trail}


def test_suggest_fix_service_statement_with_source_arn_is_extended_not_duplicated() -> None:
    # The second trail misses a statement scoped to the first one only by its aws:SourceArn: the
    # narrowest fix adds that trail to the condition, and is not flagged as unconditioned.
    first, second = (f"arn:aws:cloudtrail:us-east-1:{EXT}:trail/{n}" for n in ("a", "b"))
    scoped = {"Sid": "AllowTrails", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
              "Action": "kms:GenerateDataKey", "Resource": "*", "Condition": {"StringEquals": {"aws:SourceArn": first}}}
    kp = {"Version": "2012-10-17", "Statement": [root_stmt(), scoped]}
    fix = suggest_fix(_decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", kp, None, _trail_ctx(second)))
    assert fix is not None and fix.possible and not fix.risky and not fix.warning
    assert fix.merge and fix.replaces_index == 1
    assert fix.summary == (f"add `{second}` to the aws:SourceArn condition of statement `AllowTrails` of the key policy")
    fixed = json.loads(apply_fix(json.dumps(kp, indent=2), fix))
    assert len(fixed["Statement"]) == 2
    assert fixed["Statement"][1]["Condition"] == {"StringEquals": {"aws:SourceArn": [first, second]}}
    for trail in (first, second):
        assert _decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", fixed, None, _trail_ctx(trail)).allowed
    stray = "arn:aws:cloudtrail:us-east-1:999999999999:trail/stray"
    assert not _decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", fixed, None, _trail_ctx(stray)).allowed


def test_suggest_fix_bypass_warning_does_not_say_no_condition_for_a_conditioned_statement() -> None:
    # A statement that misses on another condition (not the service's scope) is not extended; the new
    # statement carries aws:SourceArn, so the warning must not claim it has no condition.
    trail = f"arn:aws:cloudtrail:us-east-1:{EXT}:trail/a"
    other = {"Sid": "OnlyTagged", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "kms:GenerateDataKey", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:team": "audit"}}}
    kp = {"Version": "2012-10-17", "Statement": [root_stmt(), other]}
    fix = suggest_fix(_decide("cloudtrail.amazonaws.com", "kms:GenerateDataKey", kp, None, _trail_ctx(trail)))
    assert fix is not None and fix.possible and not fix.merge and fix.risky
    assert "has no condition" not in fix.warning
    assert "does not keep the kms:EncryptionContext:team condition" in fix.warning


def test_apply_fix_merge_refuses_a_statement_without_the_condition() -> None:
    fix = Fix(Gate.KEY_POLICY, OWN, "key policy", "s", {"Condition": {"StringEquals": {"aws:SourceArn": ["x"]}}}, 0,
              False, "", True, "", merge=True)
    with pytest.raises(FixError):
        apply_fix(json.dumps({"Version": "2012-10-17", "Statement": [root_stmt()]}), fix)


def test_suggest_fix_bucket_policy_for_a_service_principal_uses_source_account_when_no_arn() -> None:
    d = authorize("cloudtrail.amazonaws.com", "s3:PutObject", OBJECT, OWN, resource_policy=None, identity_policies=[],
                  context={"aws:SourceAccount": EXT})
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.BUCKET_POLICY
    assert fix.statement["Condition"] == {"StringEquals": {"aws:SourceAccount": EXT}}


def test_suggest_fix_extends_the_callers_grant_instead_of_the_key_policy() -> None:
    from kmslab.kms.grants import Grant

    reader = f"arn:aws:sts::{EXT}:assumed-role/invoice-reader/batch-7"
    grant = Grant("g-1", KEY, f"arn:aws:iam::{EXT}:role/invoice-reader", ("Encrypt", "GenerateDataKey"))
    d = authorize_kms(reader, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()), grants=[grant])
    fix = suggest_fix(d)
    assert fix is not None and fix.gate is Gate.GRANT and fix.possible
    assert fix.statement == {"Operations": ["Encrypt", "GenerateDataKey", "Decrypt"]}
    assert fix.summary.startswith(f"add `Decrypt` to the Operations of the grant for arn:aws:iam::{EXT}:role/invoice-reader")
    text = '{\n  "GranteePrincipal": "x",\n  "Operations": ["Encrypt", "GenerateDataKey"],\n  "Name": "n"\n}'
    fixed = apply_fix(text, fix)
    assert fixed == text.replace('"GenerateDataKey"]', '"GenerateDataKey", "Decrypt"]')  # one line changes
    request = json.loads(fixed)
    assert json.loads(apply_fix('{"Name": "n"}', fix)) == {"Name": "n", "Operations": ["Encrypt", "GenerateDataKey", "Decrypt"]}
    extended = Grant("g-1", KEY, grant.grantee_principal, tuple(request["Operations"]))
    assert authorize_kms(reader, "kms:Decrypt", KEY, key_policy=key_policy(root_stmt()), grants=[extended]).allowed
    with pytest.raises(FixError):
        apply_fix("[1]", fix)


def test_suggest_fix_leaves_grants_alone_when_they_are_not_the_learners() -> None:
    from kmslab.kms.grants import Grant

    grant = Grant("ebs-made", KEY, BOB, ("Decrypt",))
    d = authorize_kms(BOB, "kms:ReEncryptFrom", KEY, key_policy=key_policy(root_stmt()), grants=[grant])
    assert suggest_fix(d).gate is Gate.GRANT  # type: ignore[union-attr]
    fix = suggest_fix(d, grant_fixes=False)
    assert fix is not None and fix.gate is Gate.KEY_POLICY and fix.then is not None


def test_suggest_fix_ignored_iam_policy_proposes_the_statement_that_enables_iam_policies() -> None:
    # AWS: the default key policy statement for the account "enables IAM policies"
    # (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam)
    kp = {"Version": "2012-10-17", "Statement": [ENCRYPT_ONLY_STMT]}
    alice_iam = iam_policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}, name="alice's IAM policy")
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(ENCRYPT_ONLY_STMT), identity_policies=[alice_iam])
    fix = suggest_fix(d)
    assert fix is not None and fix.possible and fix.gate is Gate.KEY_POLICY and not fix.risky
    assert fix.statement == {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                             "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"}, "Action": "kms:*", "Resource": "*"}
    assert "alice's IAM policy takes effect" in fix.summary and "narrower" in fix.summary
    fixed = json.loads(apply_fix(json.dumps(kp), fix))
    after = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(*fixed["Statement"]), identity_policies=[alice_iam])
    assert after.allowed and after.rule == "key-policy-enables-iam"


def test_suggest_fix_without_an_iam_allow_still_names_the_caller_in_the_key_policy() -> None:
    d = authorize_kms(ALICE, "kms:Decrypt", KEY, key_policy=key_policy(ENCRYPT_ONLY_STMT))
    fix = suggest_fix(d)
    assert fix is not None and fix.statement["Principal"] == {"AWS": ALICE}
