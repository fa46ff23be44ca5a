"""validate / lint: one case per finding code, plus clean documents that must stay quiet."""

import json

import pytest

from kmslab.iam.findings import Severity
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.iam.validate import LintResult, lint, validate

KEY = PolicyKind.KEY_POLICY
IDENTITY = PolicyKind.IDENTITY
BUCKET = PolicyKind.BUCKET_POLICY
OWNER = "111122223333"
OTHER = "444455556666"
ROOT = f"arn:aws:iam::{OWNER}:root"
KEY_ARN = f"arn:aws:kms:us-east-1:{OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
E, SEC, W, SUG = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION


def key_stmt(**overrides):
    stmt = {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": "*"}
    stmt.update(overrides)
    return {k: v for k, v in stmt.items() if v is not None}


def iam_stmt(**overrides):
    stmt = {"Sid": "Use", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN}
    stmt.update(overrides)
    return {k: v for k, v in stmt.items() if v is not None}


def doc(*statements, version="2012-10-17"):
    d = {"Version": version, "Statement": list(statements)}
    if version is None:
        del d["Version"]
    return json.dumps(d, indent=2)


def run(text, kind, account=OWNER) -> LintResult:
    return lint(text, kind, account=account)


CASES = [
    # id, kind, text, code, severity, pointer
    ("missing-version", KEY, doc(key_stmt(), version=None), "missing-version", W, ""),
    ("old-version", KEY, doc(key_stmt(), version="2008-10-17"), "old-version", W, "/Version"),
    ("empty-statement", KEY, doc(), "empty-statement", E, "/Version"),
    ("duplicate-sid-iam", IDENTITY, doc(iam_stmt(), iam_stmt()), "duplicate-sid", E, "/Statement/1"),
    ("duplicate-sid-key", KEY, doc(key_stmt(), key_stmt()), "duplicate-sid", W, "/Statement/1"),
    ("invalid-sid-iam", IDENTITY, doc(iam_stmt(Sid="Allow use")), "invalid-sid", E, "/Statement/0"),
    ("invalid-sid-key", KEY, doc(key_stmt(Sid="Allow-use!")), "invalid-sid", W, "/Statement/0"),
    ("missing-principal", KEY, doc(key_stmt(Principal=None)), "missing-principal", E, "/Statement/0"),
    ("missing-principal-bucket", BUCKET, doc(iam_stmt(Action="s3:GetObject", Resource="arn:aws:s3:::b/*")),
     "missing-principal", E, "/Statement/0"),
    ("empty-principal-list", KEY, doc(key_stmt(Principal={"AWS": []})), "missing-principal", E,
     "/Statement/0/Principal"),
    ("principal-in-identity", IDENTITY, doc(iam_stmt(Principal={"AWS": ROOT})), "principal-in-identity-policy", E,
     "/Statement/0/Principal"),
    ("missing-action-key", KEY, doc(key_stmt(Action=None)), "missing-action", E, "/Statement/0"),
    ("missing-action-empty", IDENTITY, doc(iam_stmt(Action=[])), "missing-action", E, "/Statement/0/Action"),
    ("missing-resource", IDENTITY, doc(iam_stmt(Resource=None)), "missing-resource", E, "/Statement/0"),
    ("invalid-action", IDENTITY, doc(iam_stmt(Action="Decrypt")), "invalid-action", E, "/Statement/0/Action"),
    ("unknown-service", IDENTITY, doc(iam_stmt(Action="kmz:Decrypt")), "unknown-service", W, "/Statement/0/Action"),
    ("unknown-action", IDENTITY, doc(iam_stmt(Action=["kms:Encrypt", "kms:Decript"])), "unknown-action", E,
     "/Statement/0/Action/1"),
    ("action-matches-nothing", IDENTITY, doc(iam_stmt(Action="kms:Decrypt*X")), "action-matches-nothing", E,
     "/Statement/0/Action"),
    ("redundant-action", IDENTITY, doc(iam_stmt(Action=["kms:GenerateDataKey*", "kms:GenerateDataKey"])),
     "redundant-action", SUG, "/Statement/0/Action/1"),
    ("redundant-duplicate", IDENTITY, doc(iam_stmt(Action=["kms:Decrypt", "KMS:decrypt"])),
     "redundant-action", SUG, "/Statement/0/Action/1"),
    ("notaction-allow", IDENTITY, doc(iam_stmt(Action=None, NotAction="kms:ScheduleKeyDeletion")),
     "notaction-with-allow", W, "/Statement/0/NotAction"),
    ("notresource-allow", IDENTITY, doc(iam_stmt(Resource=None, NotResource=KEY_ARN)),
     "notresource-with-allow", W, "/Statement/0/NotResource"),
    ("notprincipal-allow", KEY, doc(key_stmt(Principal=None, NotPrincipal={"AWS": ROOT})),
     "notprincipal-with-allow", W, "/Statement/0/NotPrincipal"),
    ("notprincipal-deny-user-without-account", KEY,
     doc(key_stmt(Effect="Deny", Principal=None, NotPrincipal={"AWS": f"arn:aws:iam::{OWNER}:user/bob"})),
     "notprincipal-missing-account", W, "/Statement/0/NotPrincipal"),
    ("notprincipal-deny-session-without-role", KEY,
     doc(key_stmt(Effect="Deny", Principal=None, NotPrincipal={"AWS": [f"arn:aws:sts::{OWNER}:assumed-role/app/s1", ROOT]})),
     "notprincipal-missing-account", W, "/Statement/0/NotPrincipal"),
    ("invalid-principal-arn", KEY, doc(key_stmt(Principal={"AWS": "arn:aws:iam::1234:root"})),
     "invalid-principal", E, "/Statement/0/Principal/AWS"),
    ("invalid-principal-wildcard", KEY, doc(key_stmt(Principal={"AWS": f"arn:aws:iam::{OWNER}:role/*"})),
     "invalid-principal", E, "/Statement/0/Principal/AWS"),
    ("invalid-principal-group", KEY, doc(key_stmt(Principal={"AWS": f"arn:aws:iam::{OWNER}:group/devs"})),
     "invalid-principal", E, "/Statement/0/Principal/AWS"),
    ("invalid-service-principal", KEY, doc(key_stmt(Principal={"Service": "s3"})), "invalid-principal", W,
     "/Statement/0/Principal/Service"),
    ("public-access-star", KEY, doc(key_stmt(Principal="*")), "public-access", SEC, "/Statement/0/Principal"),
    ("public-access-aws-star", KEY, doc(key_stmt(Principal={"AWS": "*"})), "public-access", SEC,
     "/Statement/0/Principal"),
    ("broad-cross-account", KEY, doc(key_stmt(Principal={"AWS": f"arn:aws:iam::{OTHER}:root"}, Action="kms:*")),
     "broad-cross-account-access", SEC, "/Statement/0/Action"),
    ("broad-cross-account-star", KEY, doc(key_stmt(Principal={"AWS": OTHER}, Action="*")),
     "broad-cross-account-access", SEC, "/Statement/0/Action"),
    ("no-cross-account-effect", KEY, doc(key_stmt(Principal={"AWS": OTHER}, Action=["kms:Decrypt", "kms:EnableKey"])),
     "no-cross-account-effect", W, "/Statement/0/Action/1"),
    ("no-cross-account-effect-iam", IDENTITY,
     doc(iam_stmt(Action=["kms:Decrypt", "kms:ScheduleKeyDeletion"], Resource=KEY_ARN.replace(OWNER, OTHER))),
     "no-cross-account-effect", W, "/Statement/0/Action/1"),
    ("key-policy-resource", KEY, doc(key_stmt(Resource=KEY_ARN)), "key-policy-resource-not-star", W,
     "/Statement/0/Resource"),
    ("key-id-resource", IDENTITY, doc(iam_stmt(Resource="1234abcd-12ab-34cd-56ef-1234567890ab")), "key-not-by-arn", E,
     "/Statement/0/Resource"),
    ("alias-name-resource", IDENTITY, doc(iam_stmt(Resource="alias/app")), "key-not-by-arn", E, "/Statement/0/Resource"),
    ("alias-arn-resource", IDENTITY, doc(iam_stmt(Resource=f"arn:aws:kms:us-east-1:{OWNER}:alias/app")),
     "alias-arn-as-resource", W, "/Statement/0/Resource"),
    ("invalid-resource-arn", IDENTITY, doc(iam_stmt(Resource="arn:aws:kms")), "invalid-resource-arn", E,
     "/Statement/0/Resource"),
    ("unknown-operator", IDENTITY, doc(iam_stmt(Condition={"StringEqual": {"kms:ViaService": "x"}})),
     "unknown-operator", E, "/Statement/0/Condition/StringEqual"),
    ("null-ifexists", IDENTITY, doc(iam_stmt(Condition={"NullIfExists": {"kms:ViaService": "true"}})),
     "unknown-operator", E, "/Statement/0/Condition/NullIfExists"),
    ("unknown-condition-key", IDENTITY, doc(iam_stmt(Condition={"StringEquals": {"kms:ViaServices": "x"}})),
     "unknown-condition-key", W, "/Statement/0/Condition/StringEquals/kms:ViaServices"),
    ("deprecated-key", IDENTITY, doc(iam_stmt(Condition={"StringEquals": {"kms:CustomerMasterKeySpec": "RSA_2048"}})),
     "deprecated-condition-key", SUG, "/Statement/0/Condition/StringEquals/kms:CustomerMasterKeySpec"),
    ("type-mismatch", IDENTITY, doc(iam_stmt(Condition={"NumericEquals": {"kms:ViaService": "1"}})),
     "condition-type-mismatch", W, "/Statement/0/Condition/NumericEquals"),
    ("missing-set-operator", IDENTITY, doc(iam_stmt(Condition={"StringEquals": {"kms:GrantOperations": "Decrypt"}})),
     "missing-set-operator", W, "/Statement/0/Condition/StringEquals"),
    ("set-on-single", IDENTITY, doc(iam_stmt(Condition={"ForAnyValue:StringEquals": {"kms:ViaService": "x"}})),
     "set-operator-on-single-valued", W, "/Statement/0/Condition/ForAnyValue:StringEquals"),
    ("forallvalues-allow", IDENTITY,
     doc(iam_stmt(Condition={"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": "app"}})),
     "forallvalues-with-allow", SEC, "/Statement/0/Condition/ForAllValues:StringEquals"),
    ("invalid-null-value", IDENTITY, doc(iam_stmt(Condition={"Null": {"kms:ViaService": "yes"}})),
     "invalid-null-value", W, "/Statement/0/Condition/Null/kms:ViaService"),
    ("invalid-bool", IDENTITY, doc(iam_stmt(Condition={"Bool": {"aws:SecureTransport": "yes"}})),
     "invalid-condition-value", W, "/Statement/0/Condition/Bool/aws:SecureTransport"),
    ("invalid-number", IDENTITY, doc(iam_stmt(Condition={"NumericLessThan": {"kms:RotationPeriodInDays": "ten"}})),
     "invalid-condition-value", W, "/Statement/0/Condition/NumericLessThan/kms:RotationPeriodInDays"),
    ("invalid-date", IDENTITY, doc(iam_stmt(Condition={"DateLessThan": {"aws:CurrentTime": "tomorrow"}})),
     "invalid-condition-value", W, "/Statement/0/Condition/DateLessThan/aws:CurrentTime"),
    ("invalid-ip", IDENTITY, doc(iam_stmt(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}})),
     "invalid-condition-value", W, "/Statement/0/Condition/IpAddress/aws:SourceIp"),
    ("empty-values", IDENTITY, doc(iam_stmt(Condition={"StringEquals": {"kms:ViaService": []}})),
     "empty-condition-values", W, "/Statement/0/Condition/StringEquals/kms:ViaService"),
]


@pytest.mark.parametrize(("kind", "text", "code", "severity", "pointer"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_lint_reports_code_with_severity_and_pointer(kind, text, code, severity, pointer):
    result = run(text, kind)
    hits = [f for f in result.findings if f.code == code]
    assert hits, [(f.code, f.message) for f in result.findings]
    assert hits[0].severity is severity
    assert hits[0].span.pointer == pointer
    assert hits[0].message[0].islower() or hits[0].message[0] in "`" or hits[0].message.startswith(("Use", "statement"))
    if pointer:
        assert hits[0].span.line > 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (doc(iam_stmt(Action="kms:Decript")), "did you mean `kms:Decrypt`?"),
        (doc(iam_stmt(Condition={"StringEquals": {"kms:ViaServices": "x"}})), "did you mean `kms:ViaService`?"),
        (doc(iam_stmt(Condition={"stringequals": {"kms:ViaService": "x"}})), "did you mean `StringEquals`?"),
        (doc(iam_stmt(Condition={"NullIfExists": {"kms:ViaService": "true"}})), "did you mean `Null`?"),
    ],
    ids=["action", "condition-key", "operator-case", "null-ifexists"],
)
def test_lint_gives_did_you_mean_hints(text, expected):
    hints = [f.hint for f in run(text, IDENTITY).findings]
    assert expected in hints


CLEAN = [
    ("default-key-policy", KEY, doc(
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
         "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": "*"},
        {"Sid": "Allow via EBS", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:CreateGrant"],
         "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": OWNER,
                                                          "kms:ViaService": "ec2.us-east-1.amazonaws.com"},
                                        "Bool": {"kms:GrantIsForAWSResource": True}}},
    )),
    ("iam-policy", IDENTITY, doc(iam_stmt(
        Action=["kms:Decrypt", "kms:GenerateDataKey"],
        Condition={"StringEquals": {"kms:EncryptionContext:app": "billing", "aws:PrincipalTag/team": "x"},
                   "ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ["app"]},
                   "Null": {"kms:EncryptionContextKeys": "false"},
                   "NumericLessThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 30},
                   "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                   "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
                   "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{OWNER}:role/*"},
                   "StringLike": {"aws:SourceArn": "arn:aws:s3:::b/*"}}))),
    ("bucket-policy", BUCKET, doc(
        {"Sid": "DenyUnencrypted", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
         "Resource": "arn:aws:s3:::b/*",
         "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}})),
    ("other-service-keys", IDENTITY, doc(iam_stmt(Action="s3:GetObject", Resource="arn:aws:s3:::b/*",
                                                  Condition={"StringEquals": {"s3:prefix": "home/"}}))),
]


@pytest.mark.parametrize(("kind", "text"), [c[1:] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_lint_clean_documents_have_no_findings(kind, text):
    result = run(text, kind)
    assert result.ok
    assert [(f.code, f.message) for f in result.findings] == []


def test_lint_without_account_skips_cross_account_checks():
    text = doc(key_stmt(Principal={"AWS": OTHER}, Action="kms:*"))
    assert "broad-cross-account-access" not in [f.code for f in lint(text, KEY).findings]
    assert "broad-cross-account-access" in [f.code for f in lint(text, KEY, account=OWNER).findings]


def test_lint_same_account_kms_star_is_not_flagged():
    text = doc(key_stmt(Action="kms:*"))
    assert run(text, KEY).findings == ()


def test_lint_findings_are_sorted_by_position():
    text = doc(iam_stmt(Action=["kms:Decript", "kms:Foo*"], Resource="alias/x",
                        Condition={"StringEqual": {"a": "b"}}), version=None)
    findings = run(text, IDENTITY).findings
    positions = [(f.span.line, f.span.column) for f in findings]
    assert positions == sorted(positions) and len(findings) >= 4


def test_lint_parse_error_has_no_policy_and_no_validate_findings():
    result = lint('{"Statement": [}', KEY)
    assert result.policy is None and not result.ok
    assert [f.code for f in result.findings] == ["invalid-json"]


def test_validate_reports_extra_elements_of_built_policy():
    policy = parse_policy(doc(key_stmt()), KEY).policy
    built = Policy(kind=policy.kind, version=policy.version, statements=policy.statements, extra=("Foo",))
    assert "unknown-element" in [f.code for f in validate(built)]


def test_validate_never_raises_on_wrong_input():
    findings = validate(None)  # type: ignore[arg-type]
    assert [f.code for f in findings] == ["internal-error"]
    assert lint(None, KEY).policy is None  # type: ignore[arg-type]


def test_notprincipal_documented_examples_have_no_missing_account_finding():
    # AWS: the IAM User Guide's examples list [user, account] and [session, role, account]
    # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html)
    for listed in ([f"arn:aws:iam::{OWNER}:user/bob", ROOT],
                   [f"arn:aws:sts::{OWNER}:assumed-role/app/s1", f"arn:aws:iam::{OWNER}:role/app", ROOT]):
        result = lint(doc(key_stmt(Effect="Deny", Principal=None, NotPrincipal={"AWS": listed})), KEY)
        assert "notprincipal-missing-account" not in [f.code for f in result.findings]
