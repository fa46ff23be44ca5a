"""Parse a policy document: JSON text (or decoded JSON) -> `Policy` with source spans, or findings.

Responsible for the structure AWS enforces when it accepts a document (JSON syntax, element
types, Effect, Version, size limits, the characters a key policy may hold) and for normalising
"string or list" once. Every error is an ERROR Finding with a stable code, a pointer and a
line/column; any error gives `policy=None` (AWS would reject the whole document).
Must not: raise (for any input), judge semantics (validate does), or evaluate.

Codes: invalid-json, invalid-encoding, too-deep, too-large, policy-too-large, invalid-character,
wrong-type, duplicate-key, unknown-element, missing-statement, invalid-version, missing-effect,
invalid-effect, both-principal-and-notprincipal, both-action-and-notaction,
both-resource-and-notresource, invalid-principal, unknown-principal-type, empty-principal,
internal-error (a bug in KMS Lab, reported instead of raised).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from kmslab.iam.fastinit import fast_init
from kmslab.iam.findings import Finding, Severity
from kmslab.iam.jsonpos import (
    MAX_DEPTH,
    ARRAY,
    JNode,
    JsonSyntaxError,
    LineIndex,
    OBJECT,
    STRING,
    from_python,
    read_json,
)
from kmslab.iam.limits import HARD_CAP_BYTES, SizeLimit, default_limit, non_whitespace_size
from kmslab.iam.parse_fast import build_policy
from kmslab.iam.parse_statement import Builder, child_pointer
from kmslab.iam.policy import NO_SPAN, Policy, PolicyKind, Span, Statement

VERSIONS = ("2012-10-17", "2008-10-17")
TOP_ELEMENTS = ("Version", "Id", "Statement")

# AWS: a key policy document may contain only printable ASCII, printable Basic Latin and Latin-1
# Supplement characters, tab, line feed and carriage return
# (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html)
# SIMULATION: checked on the raw text only (a `\u0101` escape is not decoded first), and not for
# parse_policy_object input.
_KEY_POLICY_BAD_CHAR = re.compile(r"[^\t\n\r\x20-\x7e\xa0-\xff]")
_KEY_POLICY_OK_BYTES = bytes([0x09, 0x0A, 0x0D, *range(0x20, 0x7F), *range(0xA0, 0x100)])


def _key_policy_bad_char(text: str) -> re.Match[str] | None:
    """The first character a key policy may not hold. Fast path: a Latin-1 document whose bytes
    are all allowed is cleared by one `bytes.translate` (~10x faster than the regex search)."""
    try:
        if not text.encode("latin-1").translate(None, _KEY_POLICY_OK_BYTES):
            return None
    except UnicodeEncodeError:
        pass  # a character above U+00FF: the search below finds the first bad one
    return _KEY_POLICY_BAD_CHAR.search(text)


@fast_init
@dataclass(frozen=True, slots=True)
class ParseResult:
    policy: Policy | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return self.policy is not None


def _fail(code: str, message: str, span: Span = NO_SPAN, hint: str = "") -> ParseResult:
    return ParseResult(None, (Finding(code, Severity.ERROR, message, span, hint),))


def _too_large(lim: SizeLimit, size: int, span: Span) -> Finding:
    return Finding(
        "policy-too-large", Severity.ERROR,
        f"the {lim.name} is {size:,} {lim.unit}; AWS allows at most {lim.describe()}", span,
        "split it, or remove statements (AWS rejects it: LimitExceededException / "
        "MalformedPolicyDocumentException)",
    )


def _decode(text: object) -> tuple[str | None, ParseResult | None]:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > HARD_CAP_BYTES:
            return None, _fail("too-large", f"the document is {len(raw):,} bytes; KMS Lab reads at most "
                               f"{HARD_CAP_BYTES:,}", hint="AWS policies are at most 32 KB")
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8"), None
        except UnicodeDecodeError as exc:
            return None, _fail("invalid-encoding", f"the document is not valid UTF-8 (byte {exc.start})",
                               hint="save the policy as UTF-8 text")
    if isinstance(text, str):
        if len(text) > HARD_CAP_BYTES:
            return None, _fail("too-large", f"the document is {len(text):,} characters; KMS Lab reads at most "
                               f"{HARD_CAP_BYTES:,}", hint="AWS policies are at most 32 KB")
        return text.removeprefix("\ufeff"), None
    return None, _fail("wrong-type", f"a policy document must be JSON text, not `{type(text).__name__}`",
                       hint="pass the policy as a string")


def parse_policy(text: str | bytes, kind: PolicyKind, *, name: str = "",
                 limit: SizeLimit | None = None) -> ParseResult:
    """Parse JSON text. `limit` defaults to the largest AWS quota for `kind` (see limits.py)."""
    try:
        return _parse_text(text, kind, name, limit)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return _fail("internal-error", f"the policy could not be read ({type(exc).__name__})",
                     hint="please report this document to the KMS Lab maintainers")


def _parse_text(text: object, kind: PolicyKind, name: str, limit: SizeLimit | None) -> ParseResult:
    decoded, failure = _decode(text)
    if failure is not None or decoded is None:
        return failure or _fail("wrong-type", "no policy text")
    index = LineIndex(decoded)
    pre: list[Finding] = []
    kind_obj: object = kind  # callers may pass anything; the contract is "never raises"
    if not isinstance(kind_obj, PolicyKind):
        return _fail("wrong-type", f"unknown policy kind `{kind_obj!r}`")
    lim = limit if isinstance(limit, SizeLimit) else default_limit(kind)
    size = lim.measure(decoded)
    if size > lim.max_size:
        pre.append(_too_large(lim, size, Span("", 1, 1, *index.position(len(decoded)))))
    if kind is PolicyKind.KEY_POLICY:
        bad = _key_policy_bad_char(decoded)
        if bad is not None:
            line, col = index.position(bad.start())
            pre.append(Finding(
                "invalid-character", Severity.ERROR,
                f"a key policy cannot contain the character U+{ord(bad.group()):04X}",
                Span("", line, col, line, col + 1),
                "key policies allow printable ASCII and Latin-1 characters, tab and line breaks only",
            ))
    try:
        root = read_json(decoded, MAX_DEPTH)
    except JsonSyntaxError as exc:
        line, col = index.position(exc.offset)
        hint = exc.hint
        return ParseResult(None, (*pre, Finding(exc.code, Severity.ERROR, exc.message,
                                                Span("", line, col, line, col + 1), hint)))
    result = _build(root, kind, name, index, non_whitespace_size(decoded))
    if pre:
        return ParseResult(None, (*pre, *result.findings))
    return result


def parse_policy_object(obj: object, kind: PolicyKind, *, name: str = "",
                        limit: SizeLimit | None = None, positions: bool = True) -> ParseResult:
    """Parse already-decoded JSON (dicts, lists, strings, numbers, booleans, None). Spans carry
    JSON pointers only (no line/column). The size limit is measured on the compact JSON text
    (a lower bound of any formatting, so no document AWS accepts is rejected). Never raises.

    `positions=False` is for callers that show no highlight: a well-formed policy is then built
    without spans (all NO_SPAN), several times faster; a document with any finding still takes the
    position-tracking path, so findings are the same either way."""
    try:
        kind_obj: object = kind
        if not isinstance(kind_obj, PolicyKind):
            return _fail("wrong-type", f"unknown policy kind `{kind_obj!r}`")
        if not positions:
            fast = build_policy(obj, kind, name, limit if isinstance(limit, SizeLimit) else default_limit(kind))
            if fast is not None:
                return ParseResult(fast, ())
        try:
            root = from_python(obj)
        except JsonSyntaxError as exc:
            return _fail(exc.code, exc.message, hint=exc.hint)
        compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
        lim = limit if isinstance(limit, SizeLimit) else default_limit(kind)
        size = lim.measure(compact)
        result = _build(root, kind, name, None, non_whitespace_size(compact))
        if size > lim.max_size:
            return ParseResult(None, (_too_large(lim, size, NO_SPAN), *result.findings))
        return result
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return _fail("internal-error", f"the policy could not be read ({type(exc).__name__})",
                     hint="please report this document to the KMS Lab maintainers")


def _build(root: JNode, kind: PolicyKind, name: str, index: LineIndex | None, size: int) -> ParseResult:
    b = Builder(index)
    if root.kind != OBJECT:
        b.error("wrong-type", f"a policy must be a JSON object, not {b.kind_name(root)}", b.span(root, ""),
                'start with `{"Version": "2012-10-17", "Statement": [...]}`')
        return ParseResult(None, tuple(b.findings))
    members = b.members(root, "")
    version: str | None = None
    version_span = NO_SPAN
    policy_id: str | None = None
    extra: list[str] = []
    statements: list[Statement] = []
    if "Version" in members:
        m = members["Version"]
        version_span = b.span(m.node, "/Version")
        if m.node.kind != STRING:
            b.error("wrong-type", f"`Version` must be a string, not {b.kind_name(m.node)}", version_span,
                    'write `"Version": "2012-10-17"`')
        elif m.node.value not in VERSIONS:
            b.error("invalid-version", f"`Version` `{m.node.value}` is not a policy language version",
                    version_span, 'use `"2012-10-17"` (the current version)')
        else:
            version = str(m.node.value)
    if "Id" in members:
        m = members["Id"]
        if m.node.kind != STRING:
            b.error("wrong-type", f"`Id` must be a string, not {b.kind_name(m.node)}", b.span(m.node, "/Id"))
        else:
            policy_id = str(m.node.value)
    for key, m in members.items():
        if key not in TOP_ELEMENTS:
            extra.append(key)
            b.unknown_element(key, m, child_pointer("", key), TOP_ELEMENTS + ("Sid", "Effect"),
                              "a policy document has only `Version`, `Id` and `Statement`")
    if "Statement" not in members:
        b.error("missing-statement", "the policy has no `Statement` element", b.span(root, ""),
                'add `"Statement": [ {...} ]` with at least one statement')
    else:
        m = members["Statement"]
        node = m.node
        if node.kind == OBJECT:
            stmt = b.statement(node, "/Statement", 0, kind)
            if stmt is not None:
                statements.append(stmt)
        elif node.kind == ARRAY:
            assert isinstance(node.value, list)
            for i, child in enumerate(node.value):
                assert isinstance(child, JNode)
                pointer = f"/Statement/{i}"
                if child.kind != OBJECT:
                    b.error("wrong-type", f"statement {i + 1} must be an object, not {b.kind_name(child)}",
                            b.span(child, pointer), 'a statement looks like `{"Effect": "Allow", ...}`')
                    continue
                stmt = b.statement(child, pointer, i, kind)
                if stmt is not None:
                    statements.append(stmt)
        else:
            b.error("wrong-type", f"`Statement` must be an object or a list, not {b.kind_name(node)}",
                    b.span(node, "/Statement"), "write `\"Statement\": [ {...}, {...} ]`")
    if b.findings:
        return ParseResult(None, tuple(b.findings))
    policy = Policy(kind=kind, version=version, statements=tuple(statements), id=policy_id, name=name,
                    version_span=version_span, size=size, extra=tuple(extra))
    return ParseResult(policy, ())
