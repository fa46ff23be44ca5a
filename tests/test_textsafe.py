"""kmslab.textsafe: finding a lone surrogate escape in JSON text, and showing stored raw ones."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kmslab.textsafe import deep_visible, has_lone_surrogate, lone_surrogate_escape, visible

# st.characters() never draws surrogates, so they are mixed in explicitly (pairs arise too)
ANY_TEXT = st.text(st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr)))


@given(ANY_TEXT)
def test_an_escape_is_found_exactly_when_json_loads_would_make_a_lone_surrogate(s: str) -> None:
    text = json.dumps({"k": s})  # ensure_ascii: every non-ASCII character becomes \\uXXXX escapes
    assert (lone_surrogate_escape(text) is not None) == has_lone_surrogate(json.loads(text)["k"])


@given(ANY_TEXT)
def test_visible_text_always_encodes_and_keeps_valid_text_unchanged(s: str) -> None:
    shown = visible(s)
    shown.encode("utf-8")
    if not has_lone_surrogate(s):
        assert shown == s


def test_examples() -> None:
    assert lone_surrogate_escape('"\\ud800"') == "\\ud800"
    assert lone_surrogate_escape('"\\uDC00x"') == "\\uDC00"
    assert lone_surrogate_escape('"\\ud83d\\ude00"') is None
    assert lone_surrogate_escape('"\\\\ud800"') is None  # an escaped backslash, then text
    assert lone_surrogate_escape('"\\ud83d x \\ude00"') == "\\ud83d"
    assert visible("a\ud800b") == "a\\ud800b"
    assert deep_visible({"\udc00": ["\ud800", 1]}) == {"\\udc00": ["\\ud800", 1]}
