from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslab.iam.wildcard import wildcard_match

TABLE = [
    ("kms:*", "kms:Decrypt", True),
    ("kms:GenerateDataKey*", "kms:GenerateDataKeyPairWithoutPlaintext", True),
    ("kms:GenerateDataKey*", "kms:Generate", False),
    ("kms:?ecrypt", "kms:Decrypt", True),
    ("kms:?ecrypt", "kms:ecrypt", False),
    ("*", "", True),
    ("", "", True),
    ("", "a", False),
    ("a*b*c", "abxbc", True),
    ("a*b*c", "acb", False),
    ("ab*ab", "abab", True),
    ("ab*ab", "aba", False),
    ("*a?", "xab", True),
    ("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-west-2:111122223333:key/1234", True),
    ("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-west-2:444455556666:key/1234", False),
    ("Key", "key", False),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), TABLE, ids=[f"{p}|{t}" for p, t, _ in TABLE])
def test_wildcard_match_table_gives_expected(pattern: str, text: str, expected: bool) -> None:
    assert wildcard_match(pattern, text) is expected


def test_wildcard_match_case_insensitive_option_matches() -> None:
    assert wildcard_match("KMS:decrypt", "kms:Decrypt", case_insensitive=True)
    assert not wildcard_match("KMS:decrypt", "kms:Decrypt")


def test_wildcard_match_hostile_pattern_finishes() -> None:
    # Backtracking matchers take hours here; the piecewise matcher is linear.
    assert not wildcard_match("a*" * 5000 + "b", "a" * 10000)
    assert wildcard_match("*a" * 5000 + "*", "a" * 10000)
    assert not wildcard_match("?*" * 5000 + "b", "a" * 10000)


def _oracle(pattern: str, text: str) -> bool:
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, text, re.DOTALL) is not None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab*?", max_size=8), st.text(alphabet="ab*?", max_size=10))
def test_wildcard_match_agrees_with_regex_oracle(pattern: str, text: str) -> None:
    assert wildcard_match(pattern, text) is _oracle(pattern, text)
