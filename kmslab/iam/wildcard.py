"""Wildcard matching for IAM patterns: `*` (any run, possibly empty) and `?` (exactly one character).

Responsible for matching actions, resources, principals and String/ArnLike condition values in
linear time, so a hostile pattern such as `a*a*a*...b` cannot stall the server.
Must not: know anything about IAM elements (case rules are the caller's choice).

Method: split the pattern on `*`; the first piece must be a prefix, the last a suffix, and each
middle piece is found at its leftmost position after the previous one (greedy leftmost is optimal
for `*`-separated pieces). Pieces without `?` use `str.find`; pieces with `?` are scanned with
a compiled fixed-width regex, which cannot backtrack catastrophically.
"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> tuple[tuple[str, ...], tuple[re.Pattern[str] | None, ...]]:
    pieces = tuple(pattern.split("*"))
    regexes = tuple(
        re.compile("".join("." if ch == "?" else re.escape(ch) for ch in p), re.DOTALL) if "?" in p else None
        for p in pieces
    )
    return pieces, regexes


def _piece_at(piece: str, rx: re.Pattern[str] | None, text: str, pos: int) -> bool:
    if rx is None:
        return text.startswith(piece, pos)
    return rx.match(text, pos) is not None and pos + len(piece) <= len(text)


def _find(piece: str, rx: re.Pattern[str] | None, text: str, start: int, end: int) -> int:
    if rx is None:
        return text.find(piece, start, end)
    m = rx.search(text, start, end)
    return m.start() if m else -1


def wildcard_match(pattern: str, text: str, *, case_insensitive: bool = False) -> bool:
    """True if `text` matches `pattern` in full. `*` matches any run, `?` one character."""
    if case_insensitive:
        pattern, text = pattern.lower(), text.lower()
    if "?" not in pattern:
        star = pattern.find("*")
        if star < 0:
            return pattern == text
        if pattern.find("*", star + 1) < 0:
            # one `*` (`kms:Create*`, `arn:aws:kms:*:111122223333:key/*` has two): prefix and suffix
            return (len(text) >= len(pattern) - 1 and text.startswith(pattern[:star])
                    and text.endswith(pattern[star + 1:]))
    pieces, regexes = _compile(pattern)
    if len(pieces) == 1:  # no `*`: fixed width
        return len(text) == len(pattern) and _piece_at(pieces[0], regexes[0], text, 0)
    first, last = pieces[0], pieces[-1]
    if len(first) + len(last) > len(text):
        return False
    if not _piece_at(first, regexes[0], text, 0):
        return False
    tail_start = len(text) - len(last)
    if not _piece_at(last, regexes[-1], text, tail_start):
        return False
    pos = len(first)
    for piece, rx in zip(pieces[1:-1], regexes[1:-1]):
        if not piece:
            continue
        found = _find(piece, rx, text, pos, tail_start)
        if found < 0:
            return False
        pos = found + len(piece)
    return pos <= tail_start
