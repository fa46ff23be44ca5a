"""What a lone surrogate becomes, decided once (pure: no Django).

A lone surrogate (U+D800-U+DFFF without its pair) is not valid Unicode: it cannot be encoded as
UTF-8, so a page containing one cannot be sent, and PostgreSQL refuses it in a JSON column. JSON
text can still produce one: the six characters `\\ud800` are a valid JSON escape that json.loads
turns into a lone surrogate. Form bodies cannot carry a raw one (Django decodes them with
replacement characters), so the two boundaries are:

- reading a learner's document as JSON: `lone_surrogate_escape(text)` finds such an escape, and
  the run stops there with a finding that names it (`surrogate_finding`);
- showing or saving text: `visible()` / `deep_visible()` turn any raw lone surrogate back into
  the escape a learner would have typed (`\\ud800`), so whatever is stored still renders.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def lone_surrogate_escape(text: str) -> str | None:
    """The first `\\uXXXX` escape in `text` that decodes to a lone surrogate, as written, or None.

    Backslash parity is respected (`\\\\ud800` is an escaped backslash then text)."""
    if "\\u" not in text and "\\U" not in text:
        return None
    pending: re.Match[str] | None = None  # a high surrogate waiting for its low half
    for match in _ESCAPE.finditer(text):
        hexdigits = match.group(1)
        code = int(hexdigits, 16) if hexdigits else -1
        if pending is not None:
            if 0xDC00 <= code <= 0xDFFF and match.start() == pending.end():
                pending = None
                continue
            return pending.group(0)
        if 0xD800 <= code <= 0xDBFF:
            pending = match
        elif 0xDC00 <= code <= 0xDFFF:
            return match.group(0)
    return pending.group(0) if pending is not None else None


def surrogate_finding(title: str, escape: str) -> str:
    return (f"{title} contains the escape {escape}, a lone surrogate, which is not valid Unicode "
            "(a surrogate escape is only valid as the first half of a pair such as \\ud83d\\ude00). "
            "Remove or replace it; nothing was run.")


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def visible(text: str) -> str:
    """`text` with every raw lone surrogate written as its JSON/Python escape (`\\ud800`)."""
    if not has_lone_surrogate(text):
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def deep_visible(value: object) -> object:
    """`visible()` applied to every string (keys included) inside dicts, lists and tuples."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {deep_visible(k): deep_visible(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [deep_visible(v) for v in value]
    return value
