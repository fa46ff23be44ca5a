"""Hostile and arbitrary input: parse, validate and lint never raise, and stay linear."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kmslab.iam.jsonpos import JsonSyntaxError, read_json
from kmslab.iam.parse import parse_policy, parse_policy_object
from kmslab.iam.policy import PolicyKind
from kmslab.iam.validate import lint, validate

KINDS = st.sampled_from(list(PolicyKind))
ELEMENT_NAMES = st.sampled_from(["Version", "Statement", "Sid", "Effect", "Principal", "NotPrincipal", "Action",
                                 "NotAction", "Resource", "NotResource", "Condition", "AWS", "Service",
                                 "StringEquals", "ForAllValues:StringLike", "kms:ViaService", "Allow", "Deny",
                                 "x"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20) | st.sampled_from(["*", "Allow", "Deny", "kms:*", "2012-10-17", "kms:Decrypt",
                                              "arn:aws:iam::111122223333:root", "111122223333"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(ELEMENT_NAMES | st.text(max_size=8),
                                                                      children, max_size=5),
    max_leaves=30,
)
_settings = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(result):
    # parse: a policy comes back exactly when there is no error
    assert (result.policy is None) == any(f.is_error for f in result.findings)
    for f in result.findings:
        assert f.code and f.message and f.code != "internal-error"


@_settings
@given(st.text(max_size=300), KINDS)
def test_parse_policy_arbitrary_text_never_raises(text, kind):
    _check(parse_policy(text, kind))


@_settings
@given(st.binary(max_size=300), KINDS)
def test_parse_policy_arbitrary_bytes_never_raises(raw, kind):
    _check(parse_policy(raw, kind))


@_settings
@given(json_values, KINDS)
def test_parse_and_validate_arbitrary_json_never_raise(value, kind):
    obj_result = parse_policy_object(value, kind)
    _check(obj_result)
    text_result = parse_policy(json.dumps(value), kind)
    assert (obj_result.policy is None) == (text_result.policy is None)
    assert [f.code for f in obj_result.findings] == [f.code for f in text_result.findings]
    if text_result.policy is not None:
        for f in validate(text_result.policy, account="111122223333"):
            assert f.code
    lint_result = lint(json.dumps(value, indent=1), kind, account="111122223333")
    assert lint_result.policy is None or lint_result.policy.kind is kind


TEXTS = st.text(max_size=12) | st.sampled_from([
    "*", "kms:*", "kms:Decrypt", "kms:GenerateDataKey*", "kms:Decript", "s3:GetObject", "x:y", "a*a*a*b",
    "arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/R", "444455556666", "alias/x",
    "arn:aws:kms:us-east-1:444455556666:key/k", "arn:aws:kms:us-east-1:111122223333:alias/a", "true", "10.0.0.0/8",
    "2026-01-01T00:00:00Z", "${aws:username}"])
OPERATORS = st.sampled_from(["StringEquals", "ForAllValues:StringLike", "ForAnyValue:StringEquals", "Null",
                             "NumericLessThan", "DateGreaterThan", "Bool", "IpAddress", "ArnLike", "Nope",
                             "StringEqualsIfExists", "NullIfExists", "BinaryEquals"])
KEYS = st.sampled_from(["kms:ViaService", "kms:EncryptionContext:app", "kms:EncryptionContextKeys",
                        "kms:GrantOperations", "aws:SourceIp", "aws:CurrentTime", "aws:SecureTransport",
                        "kms:CallerAccount", "kms:Nope", "aws:PrincipalArn", "s3:prefix"]) | st.text(max_size=8)
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"])},
    optional={
        "Sid": st.sampled_from(["A", "B", "Allow use", "x-y"]),
        "Principal": st.sampled_from(["*"]) | st.dictionaries(st.sampled_from(["AWS", "Service"]),
                                                              TEXTS | st.lists(TEXTS, max_size=3), min_size=1),
        "NotPrincipal": st.dictionaries(st.just("AWS"), TEXTS, min_size=1),
        "Action": TEXTS | st.lists(TEXTS, max_size=4),
        "NotAction": TEXTS,
        "Resource": TEXTS | st.lists(TEXTS, max_size=3),
        "Condition": st.dictionaries(OPERATORS, st.dictionaries(KEYS, TEXTS | st.lists(TEXTS, max_size=3)
                                                                | st.booleans() | st.integers(), max_size=2),
                                     max_size=3),
    },
)


@_settings
@given(st.lists(statements, max_size=4), KINDS, st.sampled_from([None, "2012-10-17", "2008-10-17"]))
def test_validate_policy_shaped_documents_never_raise(stmts, kind, version):
    doc = {"Statement": stmts} if version is None else {"Version": version, "Statement": stmts}
    result = lint(json.dumps(doc), kind, account="111122223333")
    assert all(f.code != "internal-error" for f in result.findings)
    positions = [(f.span.line, f.span.column) for f in result.findings]
    assert positions == sorted(positions)
    if result.policy is not None:
        assert all(f.code != "internal-error" for f in validate(result.policy))


@_settings
@given(st.lists(st.sampled_from(["{", "[", "}", "]", '"', ",", ":", "1", "a", " ", "\\", "\n", "true"]),
                max_size=200), KINDS)
def test_lint_json_fragments_never_raise(tokens, kind):
    result = lint("".join(tokens), kind)
    assert result.policy is None or not any(f.is_error for f in result.findings if f.code == "invalid-json")


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=5000))
def test_parse_policy_arbitrary_nesting_never_raises(depth):
    for opener, closer, shallow_code in (("[", "]", "wrong-type"), ('{"a":', "}", "unknown-element")):
        text = opener * depth + "1" + closer * depth
        result = parse_policy(text, PolicyKind.KEY_POLICY)
        assert result.policy is None
        assert result.findings[0].code == ("too-deep" if depth > 64 else shallow_code)


def test_parse_policy_object_deep_python_nesting_is_too_deep():
    value: object = "x"
    for _ in range(10_000):
        value = [value]
    result = parse_policy_object(value, PolicyKind.KEY_POLICY)
    assert [f.code for f in result.findings] == ["too-deep"]


def test_read_json_round_trips_like_json_module():
    doc = {"a": [1, -2.5, 1e10, True, False, None, "é\u2028\"\\/\t"], "b": {"c": {}}, "d": [], "e": "\U0001f600"}
    node = read_json(json.dumps(doc))

    def plain(n):
        if n.kind == "object":
            return {m.key: plain(m.node) for m in n.value}
        if n.kind == "array":
            return [plain(c) for c in n.value]
        if n.kind == "number":
            return json.loads(n.value)
        return n.value

    assert plain(node) == doc


def test_read_json_rejects_what_json_rejects():
    for bad in ["NaN", "[1,]", "{,}", '{"a":1,}', "[01]", "[1.]", "[.5]", '"\\x"', '"\\u12"', "tru", "[1 2]",
                '{"a" "b"}', "", "[", '"a', "{'a':1}", "// c\n{}", "[1]]"]:
        try:
            read_json(bad)
        except JsonSyntaxError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_lint_hostile_large_document_under_cap_is_handled():
    # ~900 KB of statements: above every AWS limit, below the hard cap: reported, not read forever
    stmt = {"Effect": "Allow", "Principal": "*", "Action": "kms:" + "a*" * 200 + "b", "Resource": "*"}
    text = json.dumps({"Statement": [stmt] * 2000})
    assert len(text) < 1_048_576
    result = lint(text, PolicyKind.KEY_POLICY)
    assert result.policy is None and "policy-too-large" in [f.code for f in result.findings]


def test_validate_hostile_wildcard_action_is_linear():
    stmt = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": ["kms:" + "a*" * 100 + "b"],
            "Resource": "*"}
    result = lint(json.dumps({"Version": "2012-10-17", "Statement": [stmt]}), PolicyKind.KEY_POLICY)
    assert "action-matches-nothing" in [f.code for f in result.findings]
