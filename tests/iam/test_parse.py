"""Table-driven parse tests: every accepted shape, exact spans, every error code."""

import json

import pytest

from kmslab.iam.limits import KEY_POLICY_LIMIT, SizeLimit, USER_INLINE_LIMIT
from kmslab.iam.parse import ParseResult, parse_policy, parse_policy_object
from kmslab.iam.policy import Effect, PolicyKind, PrincipalType

KEY = PolicyKind.KEY_POLICY
IDENTITY = PolicyKind.IDENTITY
ROOT = "arn:aws:iam::111122223333:root"


def make_statement(**overrides):
    stmt = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": "*"}
    stmt.update(overrides)
    return {k: v for k, v in stmt.items() if v is not None}


def make_policy(*statements, **top):
    doc = {"Version": "2012-10-17", "Statement": list(statements) or [make_statement()]}
    doc.update(top)
    return {k: v for k, v in doc.items() if v is not None}


def parse_doc(doc, kind=KEY) -> ParseResult:
    return parse_policy(json.dumps(doc, indent=2), kind)


def codes(result):
    return [f.code for f in result.findings]


# ---------------------------------------------------------------- accepted shapes


def test_parse_policy_statement_object_gives_one_statement():
    doc = {"Version": "2012-10-17", "Statement": make_statement()}
    result = parse_doc(doc)
    assert result.ok and result.findings == ()
    (stmt,) = result.policy.statements
    assert stmt.index == 0 and stmt.span.pointer == "/Statement"
    assert stmt.effect is Effect.ALLOW


@pytest.mark.parametrize(
    ("version", "expected"),
    [("2012-10-17", "2012-10-17"), ("2008-10-17", "2008-10-17"), (None, None)],
    ids=["current", "old", "absent"],
)
def test_parse_policy_accepts_versions(version, expected):
    result = parse_doc(make_policy(Version=version) if version else {"Statement": [make_statement()]})
    assert result.ok
    assert result.policy.version == expected


@pytest.mark.parametrize(
    ("element", "value", "expected"),
    [
        ("Action", "kms:Decrypt", ("kms:Decrypt",)),
        ("Action", ["kms:Decrypt", "kms:Encrypt"], ("kms:Decrypt", "kms:Encrypt")),
        ("Action", [], ()),
        ("Resource", "*", ("*",)),
        ("Resource", ["arn:aws:kms:us-east-1:111122223333:key/a", "*"], ("arn:aws:kms:us-east-1:111122223333:key/a", "*")),
    ],
    ids=["action-string", "action-list", "action-empty-list", "resource-string", "resource-list"],
)
def test_parse_policy_normalises_string_or_list(element, value, expected):
    result = parse_doc(make_policy(make_statement(**{element: value})))
    assert result.ok
    block = getattr(result.policy.statements[0], element.lower())
    assert tuple(v.text for v in block.values) == expected
    assert block.negated is False


@pytest.mark.parametrize(
    ("element", "attr"),
    [("NotAction", "action"), ("NotResource", "resource")],
    ids=["notaction", "notresource"],
)
def test_parse_policy_negated_blocks_are_flagged(element, attr):
    stmt = make_statement(**{attr.capitalize(): None, element: "kms:Decrypt"})
    result = parse_doc(make_policy(stmt))
    assert result.ok
    block = getattr(result.policy.statements[0], attr)
    assert block.negated is True and block.values[0].text == "kms:Decrypt"


@pytest.mark.parametrize(
    ("principal", "wildcard", "entries"),
    [
        ("*", True, ()),
        ({"AWS": "*"}, False, (("AWS", "*"),)),
        ({"AWS": ROOT}, False, (("AWS", ROOT),)),
        ({"AWS": "111122223333"}, False, (("AWS", "111122223333"),)),
        ({"AWS": [ROOT, "arn:aws:iam::444455556666:role/R"]}, False,
         (("AWS", ROOT), ("AWS", "arn:aws:iam::444455556666:role/R"))),
        ({"Service": "s3.amazonaws.com"}, False, (("Service", "s3.amazonaws.com"),)),
        ({"Federated": "cognito-identity.amazonaws.com"}, False, (("Federated", "cognito-identity.amazonaws.com"),)),
        ({"CanonicalUser": "79a59df9"}, False, (("CanonicalUser", "79a59df9"),)),
        ({"AWS": ROOT, "Service": ["ec2.amazonaws.com"]}, False,
         (("AWS", ROOT), ("Service", "ec2.amazonaws.com"))),
    ],
    ids=["star", "aws-star", "root", "account-id", "aws-list", "service", "federated", "canonical", "mixed"],
)
def test_parse_policy_accepts_principal_shapes(principal, wildcard, entries):
    result = parse_doc(make_policy(make_statement(Principal=principal)))
    assert result.ok, result.findings
    block = result.policy.statements[0].principal
    assert block.wildcard is wildcard and block.negated is False
    assert tuple((e.type.value, e.value.text) for e in block.entries) == entries


def test_parse_policy_notprincipal_is_negated():
    stmt = make_statement(Principal=None, NotPrincipal={"AWS": ROOT}, Effect="Deny")
    result = parse_doc(make_policy(stmt))
    assert result.ok
    block = result.policy.statements[0].principal
    assert block.negated and block.entries[0].type is PrincipalType.AWS


def test_parse_policy_condition_values_are_normalised_to_strings():
    cond = {
        "Bool": {"aws:SecureTransport": True, "kms:GrantIsForAWSResource": False},
        "NumericLessThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": 30},
        "StringEquals": {"kms:EncryptionContext:app": ["billing", "payroll"]},
        "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "app*"},
        "NumericEquals": {"x": -2.5e3},
    }
    result = parse_doc(make_policy(make_statement(Condition=cond)))
    assert result.ok
    got = {(c.operator, c.key): tuple(v.text for v in c.values) for c in result.policy.statements[0].conditions}
    assert got == {
        ("Bool", "aws:SecureTransport"): ("true",),
        ("Bool", "kms:GrantIsForAWSResource"): ("false",),
        ("NumericLessThanEquals", "kms:ScheduleKeyDeletionPendingWindowInDays"): ("30",),
        ("StringEquals", "kms:EncryptionContext:app"): ("billing", "payroll"),
        ("ForAnyValue:StringLike", "kms:EncryptionContextKeys"): ("app*",),
        ("NumericEquals", "x"): ("-2500.0",),
    }


def test_parse_policy_keeps_number_text_as_written():
    text = '{"Statement": {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",' \
           ' "Condition": {"NumericEquals": {"k": [1.50, 1e3, 007]}}}}'
    # 007 is not JSON: a leading zero
    assert codes(parse_policy(text, IDENTITY)) == ["invalid-json"]
    ok = text.replace(", 007", "")
    result = parse_policy(ok, IDENTITY)
    assert [v.text for v in result.policy.statements[0].conditions[0].values] == ["1.50", "1e3"]


def test_parse_policy_sid_id_and_name_are_kept():
    result = parse_policy(json.dumps(make_policy(make_statement(Sid="Enable IAM"), Id="key-default-1")), KEY,
                          name="bob's key")
    assert result.ok
    assert result.policy.id == "key-default-1" and result.policy.name == "bob's key"
    assert result.policy.statements[0].sid == "Enable IAM"
    assert result.policy.statements[0].label == "Enable IAM"


def test_parse_policy_missing_action_and_resource_still_parse_for_validate():
    # AWS: PutKeyPolicy accepts a statement without Action or Resource (it has no effect)
    result = parse_doc(make_policy(make_statement(Action=None, Resource=None)))
    assert result.ok
    assert result.policy.statements[0].action is None and result.policy.statements[0].resource is None


def test_parse_policy_accepts_bytes_and_bom():
    raw = json.dumps(make_policy()).encode()
    assert parse_policy(raw, KEY).ok
    assert parse_policy(b"\xef\xbb\xbf" + raw, KEY).ok
    assert parse_policy("\ufeff" + raw.decode(), KEY).ok


def test_parse_policy_size_excludes_whitespace():
    compact = json.dumps(make_policy(), separators=(",", ":"))
    spaced = json.dumps(make_policy(), indent=8)
    a = parse_policy(compact, IDENTITY).policy
    b = parse_policy(spaced, IDENTITY).policy
    assert a.size == b.size == len(compact.replace(" ", ""))


# ---------------------------------------------------------------- spans

SPAN_DOC = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowUse",
      "Effect": "Allow",
      "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "444455556666"]},
      "Action": ["kms:Decrypt",
                 "kms:GenerateDataKey*"],
      "Resource": "*",
      "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}
    }
  ]
}"""


def test_parse_policy_spans_are_exact_on_multiline_document():
    policy = parse_policy(SPAN_DOC, KEY).policy
    stmt = policy.statements[0]
    lines = SPAN_DOC.split("\n")

    def text_at(span):
        assert span.line == span.end_line
        return lines[span.line - 1][span.column - 1: span.end_column - 1]

    assert (policy.version_span.line, policy.version_span.column) == (2, 14)
    assert text_at(policy.version_span) == '"2012-10-17"'
    assert (stmt.span.pointer, stmt.span.line, stmt.span.column, stmt.span.end_line, stmt.span.end_column) == (
        "/Statement/0", 4, 5, 12, 6)
    assert stmt.effect_span.pointer == "/Statement/0/Effect" and text_at(stmt.effect_span) == '"Allow"'
    p0, p1 = stmt.principal.entries
    assert p0.value.span.pointer == "/Statement/0/Principal/AWS/0"
    assert text_at(p0.value.span) == '"arn:aws:iam::111122223333:root"'
    assert (p1.value.span.line, text_at(p1.value.span)) == (7, '"444455556666"')
    a0, a1 = stmt.action.values
    assert (a0.span.pointer, a0.span.line, a0.span.column) == ("/Statement/0/Action/0", 8, 18)
    assert (a1.span.pointer, a1.span.line, a1.span.column) == ("/Statement/0/Action/1", 9, 18)
    assert text_at(a1.span) == '"kms:GenerateDataKey*"'
    assert (stmt.action.span.line, stmt.action.span.end_line) == (8, 9)
    assert text_at(stmt.resource.values[0].span) == '"*"'
    (clause,) = stmt.conditions
    assert clause.operator_span.pointer == "/Statement/0/Condition/StringEquals"
    assert text_at(clause.operator_span) == '"StringEquals"'
    assert text_at(clause.span) == '"kms:ViaService"'
    assert clause.values[0].span.pointer == "/Statement/0/Condition/StringEquals/kms:ViaService"
    assert text_at(clause.values[0].span) == '"s3.us-east-1.amazonaws.com"'
    assert stmt.condition_span.pointer == "/Statement/0/Condition"


def test_parse_policy_pointer_escapes_slash_and_tilde():
    text = '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", ' \
           '"Condition": {"StringEquals": {"aws:PrincipalTag/a~b": "x"}}}}'
    clause = parse_policy(text, IDENTITY).policy.statements[0].conditions[0]
    assert clause.span.pointer == "/Statement/Condition/StringEquals/aws:PrincipalTag~1a~0b"


def test_parse_policy_object_spans_carry_pointers_only():
    result = parse_policy_object(make_policy(), KEY)
    assert result.ok
    span = result.policy.statements[0].action.values[0].span
    assert span.pointer == "/Statement/0/Action" and span.line == 0


# ---------------------------------------------------------------- errors

ERROR_CASES = [
    # (code, text, pointer, needle): the span must start where `needle` first occurs ("" = 1:1;
    # "$" = end of text)
    ("invalid-json", '{"Statement": [}', "", "}"),
    ("invalid-json", '{"Statement": []', "", "$"),
    ("invalid-json", '{\n  "Version": "2012-10-17",\n}', "", "}"),
    ("invalid-json", "{'Version': '2012-10-17'}", "", "'"),
    ("invalid-json", '{"Version": "2012-10-17"} x', "", "x"),
    ("invalid-json", '{"a": "line\nbreak"}', "", '"line'),
    ("too-deep", "[" * 100, "", "[" * 36 + "$"),
    ("wrong-type", "[]", "", ""),
    ("wrong-type", '{"Statement": "x"}', "/Statement", '"x"'),
    ("wrong-type", '{"Statement": [1]}', "/Statement/0", "1"),
    ("wrong-type", '{"Version": 2012, "Statement": []}', "/Version", "2012"),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Action": [1], "Resource": "*"}]}', "/Statement/0/Action/0", "1]"),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": {"a": 1}}]}', "/Statement/0/Resource",
     '{"a"'),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": []}]}',
     "/Statement/0/Condition", "[]"),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": "x"}}]}',
     "/Statement/0/Condition/Bool", '"x"'),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", '
                   '"Condition": {"Bool": {"k": null}}}]}', "/Statement/0/Condition/Bool/k", "null"),
    ("wrong-type", '{"Statement": [{"Sid": 1, "Effect": "Allow", "Action": "*", "Resource": "*"}]}', "/Statement/0/Sid",
     "1,"),
    ("duplicate-key", '{"Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}]}',
     "/Statement/0/Effect", '"Effect": "Deny"'),
    ("unknown-element", '{"Statement": [{"Effect": "Allow", "Actions": "*", "Resource": "*"}]}',
     "/Statement/0/Actions", '"Actions"'),
    ("unknown-element", '{"Statment": []}', "/Statment", '"Statment"'),
    ("missing-statement", '{"Version": "2012-10-17"}', "", ""),
    ("invalid-version", '{"Version": "2012-10-18", "Statement": []}', "/Version", '"2012'),
    ("missing-effect", '{"Statement": [{"Action": "*", "Resource": "*"}]}', "/Statement/0", '{"Action'),
    ("invalid-effect", '{"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}', "/Statement/0/Effect",
     '"allow"'),
    ("invalid-effect", '{"Statement": [{"Effect": true, "Action": "*", "Resource": "*"}]}', "/Statement/0/Effect",
     "true"),
    ("both-action-and-notaction", '{"Statement": [{"Effect": "Allow", "Action": "*", "NotAction": "*", '
     '"Resource": "*"}]}', "/Statement/0/NotAction", '"NotAction"'),
    ("both-resource-and-notresource", '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", '
     '"NotResource": "*"}]}', "/Statement/0/NotResource", '"NotResource"'),
    ("both-principal-and-notprincipal", '{"Statement": [{"Effect": "Deny", "Principal": "*", "NotPrincipal": "*", '
     '"Action": "*", "Resource": "*"}]}', "/Statement/0/NotPrincipal", '"NotPrincipal"'),
    ("invalid-principal", '{"Statement": [{"Effect": "Allow", "Principal": "111122223333", "Action": "*", '
     '"Resource": "*"}]}', "/Statement/0/Principal", '"1111'),
    ("wrong-type", '{"Statement": [{"Effect": "Allow", "Principal": ["*"], "Action": "*", "Resource": "*"}]}',
     "/Statement/0/Principal", '["*"]'),
    ("unknown-principal-type", '{"Statement": [{"Effect": "Allow", "Principal": {"aws": "*"}, "Action": "*", '
     '"Resource": "*"}]}', "/Statement/0/Principal/aws", '"aws"'),
    ("empty-principal", '{"Statement": [{"Effect": "Allow", "Principal": {}, "Action": "*", "Resource": "*"}]}',
     "/Statement/0/Principal", "{}"),
    ("invalid-character", '{"Statement": [{"Sid": "caf\u0101", "Effect": "Allow", "Action": "*", "Resource": "*"}]}',
     "", "\u0101"),
]


def _line_col(text, needle):
    if needle == "":
        return 1, 1
    if needle.endswith("$"):
        offset = len(text) - len(needle) + 1
    else:
        offset = text.index(needle)
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize(("code", "text", "pointer", "needle"), ERROR_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)])
def test_parse_policy_reports_error_with_pointer_and_position(code, text, pointer, needle):
    result = parse_policy(text, KEY)
    assert result.policy is None
    assert result.findings, "an error must be reported"
    match = [f for f in result.findings if f.code == code]
    assert match, codes(result)
    f = match[0]
    assert f.is_error
    assert (f.span.pointer, f.span.line, f.span.column) == (pointer, *_line_col(text, needle))
    assert f.message[0].islower() or f.message[0] == "`"


def test_parse_policy_error_positions_count_lines():
    result = parse_policy('{\n  "Statement": [\n    {"Effect": "Alow"}\n  ]\n}', IDENTITY)
    (f,) = result.findings
    assert (f.code, f.span.line, f.span.column, f.span.pointer) == ("invalid-effect", 3, 16, "/Statement/0/Effect")


def test_parse_policy_invalid_json_gives_hint_for_trailing_comma():
    result = parse_policy('{\n  "Version": "2012-10-17",\n}', KEY)
    (f,) = result.findings
    assert "trailing comma" in f.hint


def test_parse_policy_effect_hint_fixes_case():
    result = parse_policy('{"Statement": {"Effect": "deny", "Action": "*", "Resource": "*"}}', IDENTITY)
    assert "`Deny`" in result.findings[0].hint


def test_parse_policy_unknown_element_suggests_name():
    result = parse_policy('{"Statement": {"Effect": "Allow", "action": "*", "Resource": "*"}}', IDENTITY)
    assert "`Action`" in result.findings[0].hint


def test_parse_policy_reports_all_statement_errors():
    text = json.dumps({"Statement": [{"Action": "*"}, {"Effect": "Maybe"}]})
    assert codes(parse_policy(text, IDENTITY)) == ["missing-effect", "invalid-effect"]


def test_parse_policy_invalid_character_only_for_key_policies():
    text = '{"Statement": {"Sid": "\u4e2d", "Effect": "Allow", "Action": "*", "Resource": "*"}}'
    assert parse_policy(text, IDENTITY).ok
    assert "invalid-character" in codes(parse_policy(text, KEY))


# ---------------------------------------------------------------- limits


def test_parse_policy_too_large_for_key_policy_limit():
    big = make_policy(*[make_statement(Sid=f"S{i}", Action=["kms:Decrypt"] * 20) for i in range(120)])
    text = json.dumps(big)
    assert len(text.encode()) > KEY_POLICY_LIMIT.max_size
    result = parse_policy(text, KEY)
    assert result.policy is None
    (f,) = [f for f in result.findings if f.code == "policy-too-large"]
    assert f"{len(text.encode()):,}" in f.message and "32,768" in f.message


def test_parse_policy_user_limit_ignores_whitespace():
    stmt = make_statement(Principal=None, Action=[f"kms:Decrypt{i}" for i in range(10)])
    doc = make_policy(stmt)
    compact = json.dumps(doc, separators=(",", ":"))
    assert len(compact) < USER_INLINE_LIMIT.max_size
    padded = json.dumps(doc, indent=200)  # lots of white space, same non-white-space size
    assert len(padded) > USER_INLINE_LIMIT.max_size
    assert parse_policy(padded, IDENTITY, limit=USER_INLINE_LIMIT).ok
    tight = SizeLimit("tiny", 50, False, "characters")
    assert codes(parse_policy(compact, IDENTITY, limit=tight)) == ["policy-too-large"]


def test_parse_policy_object_applies_size_limit_on_compact_json():
    big = make_policy(*[make_statement(Sid=f"S{i}", Action=["kms:Decrypt"] * 40) for i in range(60)])
    assert len(json.dumps(big, separators=(",", ":"))) > KEY_POLICY_LIMIT.max_size
    assert codes(parse_policy_object(big, KEY)) == ["policy-too-large"]
    small = make_policy()
    result = parse_policy_object(small, KEY)
    assert result.ok and result.policy.size == len(json.dumps(small, separators=(",", ":")))
    assert codes(parse_policy_object(small, KEY, limit=SizeLimit("tiny", 10, True, "bytes"))) == ["policy-too-large"]


def test_parse_policy_hard_cap_refuses_before_reading():
    result = parse_policy("[" * 2_000_000, KEY)
    assert codes(result) == ["too-large"]
    assert codes(parse_policy(b" " * 2_000_000, KEY)) == ["too-large"]


# ---------------------------------------------------------------- never raises


@pytest.mark.parametrize(
    "value",
    [None, 42, 3.5, ["x"], {"a": 1}, object(), b"\xff\xfe", "", "   ", "null", "\x00", "\ud800"],
    ids=["none", "int", "float", "list", "dict", "object", "bad-utf8", "empty", "blank", "null-json", "nul", "surrogate"],
)
def test_parse_policy_never_raises_on_junk(value):
    result = parse_policy(value, KEY)  # type: ignore[arg-type]
    assert result.policy is None and result.findings and all(f.is_error for f in result.findings)


@pytest.mark.parametrize(
    ("value", "code"),
    [({1: "x"}, "wrong-type"), ({"Statement": {1, 2}}, "wrong-type"), ([float("nan")], "wrong-type"),
     ("text", "wrong-type"), (None, "wrong-type")],
    ids=["int-key", "set", "nan", "string", "none"],
)
def test_parse_policy_object_rejects_non_json(value, code):
    result = parse_policy_object(value, KEY)
    assert result.policy is None and codes(result)[0] == code


def test_parse_policy_object_cycle_is_too_deep():
    doc: dict = {"Statement": []}
    doc["Statement"].append(doc)
    result = parse_policy_object(doc, KEY)
    assert codes(result) == ["too-deep"]


def test_parse_policy_wrong_kind_is_reported():
    assert codes(parse_policy("{}", "key_policy")) == ["wrong-type"]  # type: ignore[arg-type]
    assert codes(parse_policy_object({}, None)) == ["wrong-type"]  # type: ignore[arg-type]
