"""The fast path of parse: a well-formed policy, already decoded from JSON, straight to a `Policy`
without source positions (every span is NO_SPAN; a present Condition keeps NO_SPAN, not None).

Position tracking (jsonpos.py's tree of offsets, a Span per element) costs most of a parse and is
needed only where a finding or a highlight is shown. Callers that show neither (the JSON Lines CLI)
ask parse for `positions=False`, which comes here first. At the first thing that is not exactly a
policy the tracking path would accept, this gives up (returns None) and parse takes the tracking
path, which reports every finding with its position: findings never come from here.
The size limit is measured on the document's compact JSON text (separators "," and ":"), counted
as the walk reads the document rather than written out (writing it cost a third of a parse).
Must not: produce a finding, raise, or accept a document the tracking path rejects; its values
equal the tracking path's, spans aside (tests/iam/test_parse_fast.py checks both on random documents).
"""

from __future__ import annotations

import json

from kmslab.iam.limits import SizeLimit, non_whitespace_size
from kmslab.iam.policy import (
    NO_SPAN,
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    PrincipalBlock,
    PrincipalType,
    PrincipalValue,
    Statement,
    Value,
    ValueBlock,
)

_TOP = frozenset({"Version", "Id", "Statement"})
_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_ELEMENTS = frozenset({"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
                       "NotResource", "Condition"})
_EFFECTS = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}
_PRINCIPAL_TYPES = {t.value: t for t in PrincipalType}
_FINITE_MAX = float("inf")
# the ASCII characters json.dumps writes as themselves in a string: printable, not `"` or `\`
_PLAIN_ASCII = bytes(c for c in range(0x20, 0x7F) if c not in b'"\\')
# Documents up to this many characters of compact JSON (far above every AWS quota); a larger one
# may hold more values than jsonpos reads, and takes the tracking path.
FAST_MAX_CHARS = 200_000


class _GiveUp(Exception):
    """Not exactly a well-formed policy: the tracking path decides (and reports) it."""


class _Size:
    """The compact JSON text of the document, measured while it is read: `marks` counts its
    braces, brackets, commas and colons and the text of its numbers and booleans; `strings` holds
    every string in it, keys included."""

    __slots__ = ("marks", "strings")

    def __init__(self) -> None:
        self.marks = 0
        self.strings: list[str] = []

    def object(self, obj: dict[str, object]) -> None:
        """A JSON object's braces, commas and colons, and its keys."""
        self.marks += 2 * len(obj) + 1 if obj else 2
        self.strings.extend(obj)

    def array(self, length: int) -> None:
        self.marks += length + 1 if length else 2

    def figures(self) -> tuple[int, int, int] | None:
        """(characters, UTF-8 bytes, characters not counting white space) of the compact text;
        None when a string may hold a character JSON escapes (then json.dumps measures)."""
        text = "".join(self.strings)
        # json.dumps (ensure_ascii=False) escapes `"`, `\` and control characters only: a
        # printable string without the first two is written as itself between two quotes
        if text.isascii():
            if text.encode("ascii").translate(None, _PLAIN_ASCII):  # one pass, far cheaper than isprintable
                return None
        elif not text.isprintable() or '"' in text or "\\" in text:
            return None
        chars = self.marks + len(text) + 2 * len(self.strings)
        utf8 = chars if text.isascii() else chars + len(text.encode("utf-8", "surrogatepass")) - len(text)
        return chars, utf8, chars - text.count(" ")  # printable: no tab or line break


def _strings(obj: object, size: _Size) -> tuple[Value, ...]:
    if type(obj) is str:
        size.strings.append(obj)
        return (Value(obj),)
    if type(obj) is not list:
        raise _GiveUp
    out = []
    for item in obj:
        if type(item) is not str:
            raise _GiveUp
        out.append(Value(item))
    size.array(len(obj))
    size.strings.extend(obj)
    return tuple(out)


def _block(stmt: dict[str, object], name: str, neg: str, size: _Size) -> ValueBlock | None:
    if name in stmt:
        if neg in stmt:
            raise _GiveUp
        return ValueBlock(False, _strings(stmt[name], size))
    if neg in stmt:
        return ValueBlock(True, _strings(stmt[neg], size))
    return None


def _principal(stmt: dict[str, object], size: _Size) -> PrincipalBlock | None:
    if "Principal" in stmt:
        if "NotPrincipal" in stmt:
            raise _GiveUp
        obj, negated = stmt["Principal"], False
    elif "NotPrincipal" in stmt:
        obj, negated = stmt["NotPrincipal"], True
    else:
        return None
    if obj == "*" and type(obj) is str:
        size.strings.append(obj)
        return PrincipalBlock(negated, True, ())
    if type(obj) is not dict or not obj:
        raise _GiveUp
    entries = []
    for key, value in obj.items():
        ptype = _PRINCIPAL_TYPES.get(key) if type(key) is str else None
        if ptype is None:
            raise _GiveUp
        for v in _strings(value, size):
            entries.append(PrincipalValue(ptype, v))
    size.object(obj)
    return PrincipalBlock(negated, False, tuple(entries))


def _condition_value(v: object, size: _Size) -> Value:
    t = type(v)
    if t is str:
        size.strings.append(v)  # type: ignore[arg-type]
        return Value(v)  # type: ignore[arg-type]
    if t is bool:
        text = "true" if v else "false"
    elif t is int:
        text = str(v)  # a huge int raises ValueError: the tracking path reports it
    elif t is float and -_FINITE_MAX < v < _FINITE_MAX:  # type: ignore[operator]
        text = repr(v)  # as json.dumps writes it
    else:
        raise _GiveUp
    size.marks += len(text)
    return Value(text)


def _conditions(obj: object, size: _Size) -> tuple[ConditionClause, ...]:
    if type(obj) is not dict:
        raise _GiveUp
    clauses = []
    for op, keys in obj.items():
        if type(op) is not str or type(keys) is not dict:
            raise _GiveUp
        for key, values in keys.items():
            if type(key) is not str:
                raise _GiveUp
            if type(values) is str:  # the commonest: one string
                size.strings.append(values)
                vals: tuple[Value, ...] = (Value(values),)
            elif type(values) is list:
                vals = tuple([_condition_value(v, size) for v in values])
                size.array(len(values))
            else:
                vals = (_condition_value(values, size),)
            clauses.append(ConditionClause(op, key, vals))
        size.object(keys)
    size.object(obj)
    return tuple(clauses)


def _statement(obj: object, index: int, size: _Size) -> Statement:
    if type(obj) is not dict or not _ELEMENTS.issuperset(obj):
        raise _GiveUp
    sid = obj.get("Sid")
    if "Sid" in obj:
        if type(sid) is not str:
            raise _GiveUp
        size.strings.append(sid)
    effect_name = obj.get("Effect")
    effect = _EFFECTS.get(effect_name) if type(effect_name) is str else None
    if effect is None:
        raise _GiveUp
    size.strings.append(effect_name)  # type: ignore[arg-type]
    size.object(obj)
    principal = _principal(obj, size)
    action = _block(obj, "Action", "NotAction", size)
    resource = _block(obj, "Resource", "NotResource", size)
    if "Condition" in obj:
        return Statement(index, sid, effect, principal, action, resource, _conditions(obj["Condition"], size),
                         NO_SPAN, NO_SPAN, NO_SPAN)
    return Statement(index, sid, effect, principal, action, resource)


def _measure(obj: dict[str, object], size: _Size) -> tuple[int, int, int] | None:
    """The compact text's figures (see _Size.figures), from json.dumps when the count cannot say."""
    figures = size.figures()
    if figures is not None:
        return figures
    try:
        compact = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return len(compact), len(compact.encode("utf-8", "surrogatepass")), non_whitespace_size(compact)


def build_policy(obj: object, kind: PolicyKind, name: str, limit: SizeLimit) -> Policy | None:
    """The policy `obj` is, without positions; None when the tracking path must decide it (not
    exactly a well-formed policy, or larger than `limit` allows)."""
    try:
        if type(obj) is not dict or not _TOP.issuperset(obj) or "Statement" not in obj:
            return None
        size = _Size()
        size.object(obj)
        version = obj.get("Version")
        if "Version" in obj:
            if type(version) is not str or version not in _VERSIONS:
                return None
            size.strings.append(version)
        policy_id = obj.get("Id")
        if "Id" in obj:
            if type(policy_id) is not str:
                return None
            size.strings.append(policy_id)
        body = obj["Statement"]
        if type(body) is dict:
            statements: tuple[Statement, ...] = (_statement(body, 0, size),)
        elif type(body) is list:
            statements = tuple([_statement(s, i, size) for i, s in enumerate(body)])
            size.array(len(body))
        else:
            return None
        figures = _measure(obj, size)
        if figures is None:
            return None
        chars, utf8, non_whitespace = figures
        if chars > FAST_MAX_CHARS or limit.measured(utf8_bytes=utf8, non_whitespace=non_whitespace) > limit.max_size:
            return None
        return Policy(kind, version, statements, policy_id, name, NO_SPAN, non_whitespace)
    except (_GiveUp, ValueError, TypeError, RecursionError):
        return None
