"""A small strict JSON reader that remembers where every value stands in the source text.

Responsible for turning JSON text into a tree of `JNode`s carrying character offsets, so parse can
point at the exact place of an element (json.loads cannot). Iterative (no recursion), linear time
(regular expressions used here have no nested quantifiers), with a nesting-depth cap.
Duplicate object keys are kept (all members, in order); the policy parser reports them.
Must not: know anything about policies.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from dataclasses import dataclass

MAX_DEPTH = 64

OBJECT = "object"
ARRAY = "array"
STRING = "string"
NUMBER = "number"
BOOL = "bool"
NULL = "null"


class JNode:
    """One JSON value. `value` is: str (string), str (number: its JSON text), bool, None (null),
    list[JNode] (array) or list[Member] (object). `start`/`end` are character offsets, -1 when the
    node was built from an already-decoded Python object."""

    __slots__ = ("kind", "value", "start", "end")

    def __init__(self, kind: str, value: object, start: int, end: int) -> None:
        self.kind = kind
        self.value = value
        self.start = start
        self.end = end


class Member:
    """One `"key": value` pair of an object; `key_start`/`key_end` include the quotes."""

    __slots__ = ("key", "key_start", "key_end", "node")

    def __init__(self, key: str, key_start: int, key_end: int, node: JNode) -> None:
        self.key = key
        self.key_start = key_start
        self.key_end = key_end
        self.node = node


@dataclass(frozen=True, slots=True)
class JsonSyntaxError(Exception):
    code: str  # "invalid-json" or "too-deep"
    message: str
    offset: int
    hint: str = ""


class LineIndex:
    """Offset -> 1-based (line, column) in O(log lines).

    SIMULATION: columns count Unicode code points; a JavaScript editor counts UTF-16 units, so
    they differ after a character outside the Basic Multilingual Plane on the same line."""

    __slots__ = ("starts",)

    def __init__(self, text: str) -> None:
        # starts[k] = offset of line k+1: a running sum of (line length + 1), all in C (~2x
        # faster than a str.find loop on a 30 KB document)
        lines = text.split("\n")
        lines.pop()  # the last line has no newline after it, so it starts no further line
        self.starts: list[int] = [0, *accumulate(map((1).__add__, map(len, lines)))]

    def position(self, offset: int) -> tuple[int, int]:
        if offset < 0:
            return 0, 0
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


_WS = re.compile(r"[ \t\n\r]*")
_STR_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
# fast paths for the common case (no escapes); the general readers below handle the rest
_SIMPLE_STR = re.compile(r'"([^"\\\x00-\x1f]*)"')
_SIMPLE_KEY = re.compile(r'"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*')
# after a value inside an object: `,` (then white space, and the next key when it is simple), or
# the closing `}`; inside an array: `,` (then white space) or the closing `]`
# ... and, when there is one, the simple string value that follows (most values of a policy are)
_OBJ_NEXT = re.compile(
    r'[ \t\n\r]*(?:(,)[ \t\n\r]*(?:"([^"\\\x00-\x1f]*)"[ \t\n\r]*:[ \t\n\r]*(?:"([^"\\\x00-\x1f]*)")?)?|(\}))')
_ARR_NEXT = re.compile(r'[ \t\n\r]*(?:(,)[ \t\n\r]*(?:"([^"\\\x00-\x1f]*)")?|(\]))')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = (("true", BOOL, True), ("false", BOOL, False), ("null", NULL, None))


def _describe(text: str, pos: int) -> str:
    if pos >= len(text):
        return "end of input"
    ch = text[pos]
    return f"`{ch}`" if ch.isprintable() and ch != "`" else f"character U+{ord(ch):04X}"


def _value_error(text: str, pos: int) -> JsonSyntaxError:
    ch = text[pos] if pos < len(text) else ""
    hint = ""
    if ch == "":
        hint = "the document ends too early: a value, `}` or `]` is missing"
    elif ch == "'":
        hint = "JSON strings use double quotes `\"`, not single quotes"
    elif ch in "}]":
        hint = "remove the comma before it (JSON allows no trailing comma)"
    elif ch == "/":
        hint = "JSON has no comments; remove them"
    elif ch.isalpha():
        hint = "text values must be in double quotes, e.g. `\"Allow\"`"
    return JsonSyntaxError("invalid-json", f"expected a value, found {_describe(text, pos)}", pos, hint)


def _read_string(text: str, pos: int) -> tuple[str, int]:
    """`pos` is at the opening quote; returns (decoded string, offset after the closing quote)."""
    start = pos
    pos += 1
    parts: list[str] = []
    n = len(text)
    while True:
        m = _STR_CHUNK.match(text, pos)
        assert m is not None  # the pattern matches the empty string
        chunk_end = m.end()
        if chunk_end > pos:
            parts.append(text[pos:chunk_end])
        pos = chunk_end
        if pos >= n:
            raise JsonSyntaxError(
                "invalid-json", "unterminated string", start, "add the closing double quote `\"`"
            )
        ch = text[pos]
        if ch == '"':
            return "".join(parts), pos + 1
        if ch == "\\":
            esc = text[pos + 1] if pos + 1 < n else ""
            if esc == "u":
                hexm = _HEX4.match(text, pos + 2)
                if hexm is None:
                    raise JsonSyntaxError("invalid-json", "invalid `\\u` escape in string", pos,
                                          "write `\\u` followed by four hex digits")
                code = int(hexm.group(), 16)
                pos += 6
                if 0xD800 <= code < 0xDC00 and text.startswith("\\u", pos):
                    low = _HEX4.match(text, pos + 2)
                    if low is not None and 0xDC00 <= int(low.group(), 16) < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (int(low.group(), 16) - 0xDC00)
                        pos += 6
                if 0xD800 <= code < 0xE000:
                    code = 0xFFFD  # SIMULATION: a lone surrogate becomes U+FFFD instead of failing
                parts.append(chr(code))
                continue
            decoded = _ESCAPES.get(esc)
            if decoded is None:
                raise JsonSyntaxError("invalid-json", f"invalid escape `\\{esc}` in string", pos,
                                      "valid escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
            parts.append(decoded)
            pos += 2
            continue
        if ch == "\n":
            raise JsonSyntaxError("invalid-json", "unterminated string (line break inside a string)",
                                  start, "close the string with `\"` before the end of the line")
        raise JsonSyntaxError("invalid-json", f"control character U+{ord(ch):04X} inside a string",
                              pos, "escape it (e.g. `\\t`) or remove it")


def read_json(text: str, max_depth: int = MAX_DEPTH) -> JNode:
    """Read one JSON document; raises JsonSyntaxError (caught by parse, never by callers)."""
    n = len(text)
    ws = _WS.match
    simple_str = _SIMPLE_STR.match
    obj_next = _OBJ_NEXT.match
    arr_next = _ARR_NEXT.match
    pos = ws(text, 0).end()  # type: ignore[union-attr]
    # open containers; the pending key of an object lives in keys[]
    stack: list[JNode] = []
    keys: list[tuple[str, int, int]] = []
    while True:
        # --- read one value at pos
        if pos >= n:
            raise _value_error(text, pos)
        ch = text[pos]
        value: JNode
        if ch == '"':
            sm = simple_str(text, pos)
            if sm is not None:
                end = sm.end()
                value = JNode(STRING, sm.group(1), pos, end)
            else:
                s, end = _read_string(text, pos)
                value = JNode(STRING, s, pos, end)
            pos = end
        elif ch == "{" or ch == "[":
            if len(stack) >= max_depth:
                raise JsonSyntaxError("too-deep", f"nesting deeper than {max_depth} levels", pos,
                                      "a policy needs only a few levels; remove the extra nesting")
            is_obj = ch == "{"
            node = JNode(OBJECT if is_obj else ARRAY, [], pos, -1)
            pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
            close = "}" if is_obj else "]"
            if pos < n and text[pos] == close:
                node.end = pos + 1
                pos += 1
                value = node
            else:
                stack.append(node)
                if is_obj:
                    pos = _read_key(text, pos, keys)
                continue
        elif ch == "-" or "0" <= ch <= "9":
            m = _NUMBER.match(text, pos)
            if m is None:
                raise JsonSyntaxError("invalid-json", "invalid number", pos, "write numbers like `1`, `-2.5`, `1e3`")
            end = m.end()
            if end < n and (text[end].isalnum() or text[end] == "."):
                raise JsonSyntaxError("invalid-json", "invalid number", pos,
                                      "write numbers like `1`, `-2.5`, `1e3` (no leading zeros)")
            value = JNode(NUMBER, m.group(), pos, end)
            pos = end
        else:
            for word, kind, lit in _LITERALS:
                if text.startswith(word, pos):
                    value = JNode(kind, lit, pos, pos + len(word))
                    pos += len(word)
                    break
            else:
                raise _value_error(text, pos)
        # --- attach the finished value to its container, closing containers as they end
        while True:
            if not stack:
                pos = ws(text, pos).end()  # type: ignore[union-attr]
                if pos < n:
                    raise JsonSyntaxError("invalid-json", f"unexpected {_describe(text, pos)} after the end of the document",
                                          pos, "a policy is a single JSON object; remove what follows its closing `}`")
                return value
            top = stack[-1]
            items: list[object] = top.value  # type: ignore[assignment]
            if top.kind is OBJECT:
                key, ks, ke = keys.pop()
                items.append(Member(key, ks, ke, value))
                sm = obj_next(text, pos)
                while sm is not None:  # hot path: `, "key": "simple string"` members, attached here
                    _, next_key, s, closing = sm.groups()
                    if closing is not None or next_key is None or s is None:
                        break
                    pos = sm.end()
                    key_start = sm.start(2) - 1
                    items.append(Member(next_key, key_start, key_start + len(next_key) + 2,
                                        JNode(STRING, s, pos - len(s) - 2, pos)))
                    sm = obj_next(text, pos)
                if sm is not None:
                    _, next_key, s, closing = sm.groups()  # one call instead of one per group
                    if closing is None:  # a comma
                        pos = sm.end()
                        if next_key is None:
                            pos = _read_key(text, pos, keys)
                            break
                        key_start = sm.start(2) - 1
                        keys.append((next_key, key_start, key_start + len(next_key) + 2))  # a simple key
                        if s is None:
                            break
                        value = JNode(STRING, s, pos - len(s) - 2, pos)  # ... and a simple string value
                        continue
                    close_at = sm.start(4)
                    top.end = close_at + 1
                    pos = close_at + 1
                    value = top
                    stack.pop()
                    continue
                expected = "`,` or `}`"
            else:
                items.append(value)
                sm = arr_next(text, pos)
                while sm is not None:  # hot path: `, "simple string"` items, attached here
                    _, s, closing = sm.groups()
                    if closing is not None or s is None:
                        break
                    pos = sm.end()
                    items.append(JNode(STRING, s, pos - len(s) - 2, pos))
                    sm = arr_next(text, pos)
                if sm is not None:
                    _, s, closing = sm.groups()
                    if closing is None:  # a comma
                        pos = sm.end()
                        if s is None:
                            break
                        value = JNode(STRING, s, pos - len(s) - 2, pos)  # ... and a simple string
                        continue
                    close_at = sm.start(3)
                    top.end = close_at + 1
                    pos = close_at + 1
                    value = top
                    stack.pop()
                    continue
                expected = "`,` or `]`"
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            c = text[pos] if pos < n else ""
            hint = "a comma is probably missing between two elements" if c in "\"{[" and c else (
                "the document ends too early: a `}` or `]` is missing" if not c else "")
            raise JsonSyntaxError("invalid-json", f"expected {expected}, found {_describe(text, pos)}", pos, hint)


def _read_key(text: str, pos: int, keys: list[tuple[str, int, int]]) -> int:
    """Read `"key" :` at pos, push it on `keys`, return the offset of the value."""
    km = _SIMPLE_KEY.match(text, pos)
    if km is not None:
        keys.append((km.group(1), pos, km.end(1) + 1))
        return km.end()
    if pos >= len(text) or text[pos] != '"':
        ch = text[pos] if pos < len(text) else ""
        hint = ("remove the trailing comma before `}`" if ch == "}" else
                "object keys must be in double quotes" if ch and (ch.isalpha() or ch == "'") else
                "the document ends too early" if not ch else "")
        raise JsonSyntaxError("invalid-json", f"expected a key in double quotes, found {_describe(text, pos)}", pos, hint)
    key, end = _read_string(text, pos)
    after = _WS.match(text, end).end()  # type: ignore[union-attr]
    if after >= len(text) or text[after] != ":":
        raise JsonSyntaxError("invalid-json", f"expected `:` after key `{key[:60]}`, found {_describe(text, after)}",
                              after, "write `\"Key\": value`")
    keys.append((key, pos, end))
    return _WS.match(text, after + 1).end()  # type: ignore[union-attr]


MAX_NODES = 200_000


def _scalar_from_python(obj: object) -> JNode | None:
    if obj is None:
        return JNode(NULL, None, -1, -1)
    if isinstance(obj, bool):
        return JNode(BOOL, obj, -1, -1)
    if isinstance(obj, str):
        return JNode(STRING, obj, -1, -1)
    if isinstance(obj, int):
        try:
            return JNode(NUMBER, str(obj), -1, -1)
        except ValueError:  # more digits than Python will print
            return None
    if isinstance(obj, float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return None
        return JNode(NUMBER, repr(obj), -1, -1)
    return None


def from_python(obj: object, max_depth: int = MAX_DEPTH) -> JNode:
    """Wrap an already-decoded JSON value (dict/list/str/int/float/bool/None) as JNodes with no
    positions. Iterative; raises JsonSyntaxError("wrong-type" | "too-deep" | "too-large")."""
    root_holder: list[JNode] = []
    # work items: (python object, target list to append into, key or None, depth)
    work: list[tuple[object, list[object], str | None, int]] = [(obj, root_holder, None, 0)]  # type: ignore[list-item]
    count = 0
    while work:
        item, target, key, depth = work.pop()
        count += 1
        if count > MAX_NODES:
            raise JsonSyntaxError("too-large", f"more than {MAX_NODES:,} JSON values", -1,
                                  "a policy has at most a few thousand values")
        node: JNode | None
        children: list[tuple[object, str | None]] = []
        if isinstance(item, dict):
            node = JNode(OBJECT, [], -1, -1)
            for k, v in item.items():
                if not isinstance(k, str):
                    raise JsonSyntaxError("wrong-type", f"object key `{str(k)[:40]}` is not a string", -1,
                                          "JSON object keys are strings")
                children.append((v, k))
        elif isinstance(item, (list, tuple)):
            node = JNode(ARRAY, [], -1, -1)
            children = [(v, None) for v in item]
        else:
            node = _scalar_from_python(item)
            if node is None:
                raise JsonSyntaxError("wrong-type", f"a value of type `{type(item).__name__}` is not JSON", -1,
                                      "use only objects, arrays, strings, numbers, booleans and null")
        if children and depth >= max_depth:
            raise JsonSyntaxError("too-deep", f"nesting deeper than {max_depth} levels", -1,
                                  "a policy needs only a few levels; remove the extra nesting")
        if key is None:
            target.append(node)
        else:
            target.append(Member(key, -1, -1, node))
        items = node.value
        assert isinstance(items, list) or not children
        # push in reverse so children are appended in order
        for child, ckey in reversed(children):
            work.append((child, items, ckey, depth + 1))  # type: ignore[arg-type]
    return root_holder[0]
