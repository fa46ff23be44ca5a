"""Indented JSON text for the result page (CloudTrail records), fast.

`json.dumps(..., indent=2)` falls back to the pure-Python encoder (the C encoder only does
compact output in Python 3.11); a solved EBS run shows a dozen records on every keystroke, and
that encoder was a fifth of the page's rendering time. `dumps_pretty` writes the same text byte
for byte (as `json.dumps(value, indent=2, sort_keys=True, default=str)`) with the C string
encoder and one recursive function. Anything outside plain JSON data (non-text keys, cycles,
very deep nesting) is handed to `json.dumps` itself, so the output never differs.
Not a template tag library (no `register`): scenario_tags.pretty_json calls it.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii

_MAX_DEPTH = 100  # deeper than any record; json.dumps handles (or refuses) the rest


class _Fallback(Exception):
    """The value needs json.dumps's own handling."""


def dumps_pretty(value: object) -> str:
    """`json.dumps(value, indent=2, sort_keys=True, default=str)`, the same text, faster."""
    parts: list[str] = []
    try:
        _emit(value, "\n", parts, 0)
    except (_Fallback, TypeError):
        return json.dumps(value, indent=2, sort_keys=True, default=str)
    return "".join(parts)


def _scalar(o: object) -> str | None:
    """The JSON text of a scalar, or None for a container (json.dumps's order of checks)."""
    if isinstance(o, str):
        return encode_basestring_ascii(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        if o != o or o in (float("inf"), float("-inf")):
            raise _Fallback  # NaN / Infinity: json.dumps's spelling
        return float.__repr__(o)
    if isinstance(o, (list, tuple, dict)):
        return None
    return encode_basestring_ascii(str(o))  # default=str


def _emit(o: object, nl: str, parts: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise _Fallback
    inner = nl + "  "
    if isinstance(o, dict):
        if not o:
            parts.append("{}")
            return
        sep = "{" + inner
        for k in sorted(o):  # TypeError for mixed key types: caught below, like json.dumps
            if not isinstance(k, str):
                raise _Fallback  # json.dumps converts or refuses other key types
            v = o[k]
            text = encode_basestring_ascii(v) if type(v) is str else _scalar(v)
            parts.append(f"{sep}{encode_basestring_ascii(k)}: {text}" if text is not None
                         else f"{sep}{encode_basestring_ascii(k)}: ")
            if text is None:
                _emit(v, inner, parts, depth + 1)
            sep = "," + inner
        parts.append(nl + "}")
        return
    if isinstance(o, (list, tuple)):
        if not o:
            parts.append("[]")
            return
        sep = "[" + inner
        for item in o:
            text = encode_basestring_ascii(item) if type(item) is str else _scalar(item)
            parts.append(sep if text is None else sep + text)
            if text is None:
                _emit(item, inner, parts, depth + 1)
            sep = "," + inner
        parts.append(nl + "]")
        return
    text = _scalar(o)
    assert text is not None
    parts.append(text)
