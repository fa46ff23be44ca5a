"""The fast parse path (positions=False) and the position-tracking path cannot drift: for random
documents, well-formed or not, they give the same findings and the same policy values (spans
aside), and the same decisions; a well-formed document never falls back to the tracking path."""

from __future__ import annotations

import copy
import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kmslab.iam.limits import SizeLimit, default_limit, non_whitespace_size
from kmslab.iam.parse import parse_policy_object
from kmslab.iam.parse_fast import build_policy
from kmslab.iam.policy import NO_SPAN, PolicyKind, Span
from kmslab.kms.authorize import authorize_kms
from tests.kms.golden.builders import ALICE, BOB, EXT, KEY, OWN


def without_spans(value: object) -> object:
    """`value` with every Span replaced by NO_SPAN (a missing Condition span stays None)."""
    if isinstance(value, Span):
        return NO_SPAN
    if isinstance(value, tuple):
        return tuple(without_spans(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: without_spans(getattr(value, f.name))  # type: ignore[misc]
                                             for f in dataclasses.fields(value) if f.init})
    return value


ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:*", "kms:GenerateDataKey*", "kms:?ecrypt", "*", "KMS:decrypt",
           "kms:Describe*", "s3:GetObject"]
RESOURCES = ["*", KEY, f"arn:aws:kms:*:{OWN}:key/*", f"arn:aws:kms:us-east-1:{OWN}:key/${{aws:username}}",
             "arn:aws:s3:::bucket/*", "key/1234"]
PRINCIPALS = [f"arn:aws:iam::{EXT}:root", EXT, OWN, BOB, ALICE, "*", f"arn:aws:iam::{EXT}:role/App",
              "cloudtrail.amazonaws.com"]
OPERATORS = ["StringEquals", "StringLike", "StringNotEquals", "ForAnyValue:StringEquals", "ForAllValues:StringLike",
             "Bool", "NumericLessThan", "StringEqualsIfExists", "Null", "ArnLike", "StringEqual", "DateGreaterThan"]
KEYS = ["kms:ViaService", "kms:CallerAccount", "aws:SecureTransport", "kms:EncryptionContext:app",
        "kms:EncryptionContextKeys", "aws:PrincipalArn", "aws:MultiFactorAuthAge", "a/b~c"]
STRINGS = ["s3.us-east-1.amazonaws.com", "s3.*.amazonaws.com", "true", "false", EXT, OWN, "billing", "app",
           "${aws:username}", "3600", "", "2026-01-01T00:00:00Z"]

junk = st.one_of(st.none(), st.integers(-3, 3), st.booleans(), st.lists(st.integers(0, 2), max_size=2),
                 st.dictionaries(st.sampled_from(["x", "AWS"]), st.integers(0, 2), max_size=1))


def one_or_list(elements: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    return st.one_of(elements, st.lists(elements, max_size=3))


def statements(valid: bool) -> st.SearchStrategy[dict[str, object]]:
    def maybe_junk(s: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        return s if valid else st.one_of(s, s, s, junk)

    principal = maybe_junk(st.one_of(st.just("*"), st.dictionaries(
        st.sampled_from(["AWS", "Service"] if valid else ["AWS", "Service", "Federated", "aws", "Bogus"]),
        one_or_list(st.sampled_from(PRINCIPALS)), min_size=1 if valid else 0, max_size=2)))
    value = st.one_of(st.sampled_from(STRINGS), st.integers(-10, 4000), st.booleans(),
                      st.floats(allow_nan=not valid, allow_infinity=not valid, width=32))
    cond_value = st.one_of(value, st.lists(value, max_size=3)) if valid else st.one_of(
        value, st.lists(value, max_size=3), junk, st.lists(st.lists(value, max_size=1), max_size=1))
    condition = maybe_junk(st.dictionaries(
        st.sampled_from(OPERATORS), maybe_junk(st.dictionaries(st.sampled_from(KEYS), cond_value, max_size=2)),
        max_size=3))
    actions = maybe_junk(one_or_list(st.sampled_from(ACTIONS)))
    resources = maybe_junk(one_or_list(st.sampled_from(RESOURCES)))
    effect = st.sampled_from(["Allow", "Deny"]) if valid else st.sampled_from(["Allow", "Deny", "allow", "Permit"])
    optional: dict[str, st.SearchStrategy[object]] = {
        "Sid": maybe_junk(st.sampled_from(["S1", "Allow use", ""])),
        "Principal": principal,
        "Condition": condition,
    }
    if valid:  # one of Action / NotAction, one of Resource / NotResource (or none: a statement error)
        return st.tuples(st.sampled_from(["Action", "NotAction"]), st.sampled_from(["Resource", "NotResource"])).flatmap(
            lambda names: st.fixed_dictionaries({"Effect": effect}, optional={  # type: ignore[arg-type]
                **optional, names[0]: actions, names[1]: resources}))
    optional |= {"Effect": maybe_junk(effect), "NotPrincipal": principal, "Action": actions, "NotAction": actions,
                 "Resource": resources, "NotResource": resources, "Bogus": junk}
    return st.fixed_dictionaries({}, optional=optional)  # type: ignore[arg-type]


def documents(valid: bool) -> st.SearchStrategy[dict[str, object]]:
    body = st.one_of(st.lists(statements(valid), max_size=4), statements(valid))
    optional: dict[str, st.SearchStrategy[object]] = {
        "Version": st.sampled_from(["2012-10-17", "2008-10-17"] if valid else ["2012-10-17", "2008-10-17", "2012-10-18", 1]),
        "Id": st.sampled_from(["key-policy-1", "x"]) if valid else st.one_of(st.text(max_size=3), junk),
    }
    if not valid:
        optional["Extra"] = junk
        body = st.one_of(body, body, junk)
    return st.fixed_dictionaries({"Statement": body}, optional=optional)  # type: ignore[arg-type]


ODD_VALUES = st.sampled_from([None, 1, True, 1.5, "x", "*", "allow", [], {}, [[1]], [None], {"AWS": []}])


@st.composite
def broken_documents(draw: st.DrawFn) -> dict[str, object]:
    """A well-formed document with one thing changed: a value replaced, a key renamed, removed or
    added; half the time at the top or statement level, where most of the rules are."""
    doc = copy.deepcopy(draw(documents(valid=True)))
    slots: list[tuple[int, dict[object, object] | list[object], object]] = []

    def walk(node: object, depth: int) -> None:
        if isinstance(node, dict):
            for k in list(node):
                slots.append((depth, node, k))
                walk(node[k], depth + 1)
        elif isinstance(node, list):
            for i, child in enumerate(node):
                slots.append((depth, node, i))
                walk(child, depth)  # a statement in a list is at the same level as a lone one

    walk(doc, 0)
    shallow = [slot for slot in slots if slot[0] <= 1]
    _, container, key = draw(st.sampled_from(shallow if shallow and draw(st.booleans()) else slots))
    change = draw(st.sampled_from(["replace", "rename", "remove", "add"]))
    if change == "replace" or not isinstance(container, dict):
        container[key] = draw(ODD_VALUES)  # type: ignore[index]
    elif change == "rename":
        name = str(key)
        container[draw(st.sampled_from([name.lower(), f"Not{name}", f"{name}s", "Bogus", 1]))] = container.pop(key)
    elif change == "remove":
        del container[key]
    else:
        container[draw(st.sampled_from(["NotPrincipal", "NotAction", "NotResource", "Principal", "Action",
                                        "Resource", "Sid", "Effect", "Id", "Version", "Extra"]))] = draw(ODD_VALUES)
    return doc


kinds = st.sampled_from([PolicyKind.KEY_POLICY, PolicyKind.IDENTITY, PolicyKind.BUCKET_POLICY])


@settings(max_examples=300, deadline=None)  # a timing limit would fail on a busy machine, not on a bug
@given(st.one_of(documents(valid=True), broken_documents(), broken_documents(), documents(valid=False)), kinds)
def test_parse_fast_path_gives_the_tracking_paths_findings_and_values(doc, kind) -> None:
    fast = parse_policy_object(doc, kind, positions=False)
    tracked = parse_policy_object(doc, kind)
    assert fast.findings == tracked.findings
    assert without_spans(fast.policy) == without_spans(tracked.policy)
    assert fast.policy is None or fast.policy == without_spans(fast.policy)  # no position is computed
    # the fast builder itself accepts exactly what the tracking path accepts (no silent fallback)
    built = build_policy(doc, kind, "", default_limit(kind))
    assert (built is not None) == tracked.ok


CALLERS = [BOB, ALICE, f"arn:aws:iam::{EXT}:root", f"arn:aws:sts::{EXT}:assumed-role/App/s1",
           "cloudtrail.amazonaws.com"]
CONTEXTS = st.dictionaries(st.sampled_from(KEYS[:-1]), st.one_of(st.sampled_from(STRINGS),
                                                                 st.lists(st.sampled_from(STRINGS), max_size=2)),
                           max_size=4)


@settings(deadline=None)
@given(documents(valid=True), st.lists(documents(valid=True), max_size=2), st.sampled_from(CALLERS),
       st.sampled_from(["kms:Decrypt", "kms:GenerateDataKey", "kms:PutKeyPolicy", "kms:DescribeKey"]), CONTEXTS)
def test_parse_fast_path_decides_as_the_tracking_path(key_doc, id_docs, caller, action, context) -> None:
    def decide(positions: bool) -> object:
        kp = parse_policy_object(key_doc, PolicyKind.KEY_POLICY, positions=positions).policy
        ids = [parse_policy_object(d, PolicyKind.IDENTITY, positions=positions).policy for d in id_docs]
        assert kp is not None and all(p is not None for p in ids)
        return authorize_kms(caller, action, KEY, key_policy=kp, identity_policies=ids, context=context)

    fast, tracked = decide(False), decide(True)
    assert without_spans(fast) == without_spans(tracked)
    assert fast.verdict is tracked.verdict and fast.message == tracked.message  # type: ignore[attr-defined]


# Any text a string may hold: quotes, backslashes, control characters, spaces, Latin-1, emoji and
# lone surrogates (which json.loads accepts as `\ud800` escapes).
ODD_TEXT = st.text(st.characters(exclude_categories=()), max_size=6) | st.sampled_from(
    ['"', "\\", "\t", "a b", "\x7f", "\u2028", "é", "\ud800", "😀", ""])


@st.composite
def odd_documents(draw: st.DrawFn) -> dict[str, object]:
    """A well-formed document whose strings (values and keys where the grammar allows) hold odd text."""
    def text() -> str:
        return draw(ODD_TEXT)
    statement: dict[str, object] = {"Sid": text(), "Effect": "Allow", "Principal": {"AWS": [text(), text()]},
                                    "Action": draw(st.sampled_from([text(), [text(), text()], []])),
                                    "Resource": text(),
                                    "Condition": {draw(st.sampled_from(OPERATORS)): {text(): draw(st.sampled_from(
                                        [text(), [text(), 12, True], [], 1.25, -3, False]))}}}
    doc: dict[str, object] = {"Version": "2012-10-17", "Statement": draw(st.sampled_from([[statement], statement]))}
    if draw(st.booleans()):
        doc["Id"] = text()
    return doc


@settings(max_examples=300, deadline=None)
@given(st.one_of(odd_documents(), documents(valid=True)), kinds, st.integers(-1, 1))
def test_parse_fast_path_measures_the_compact_text(doc, kind, slack) -> None:
    """The size the fast path counts is the compact JSON text's, and a limit at that size (one
    below, at, one above) is applied as the tracking path applies it."""
    compact = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    fast = parse_policy_object(doc, kind, positions=False)
    assert fast.policy is not None, fast.findings
    assert fast.policy.size == non_whitespace_size(compact)
    for counts_whitespace in (True, False):
        limit = SizeLimit("test", 0, counts_whitespace, "units")
        limit = SizeLimit("test", limit.measure(compact) + slack, counts_whitespace, "units")
        assert (build_policy(doc, kind, "", limit) is not None) == (slack >= 0)
        assert parse_policy_object(doc, kind, limit=limit, positions=False).findings == \
            parse_policy_object(doc, kind, limit=limit).findings
