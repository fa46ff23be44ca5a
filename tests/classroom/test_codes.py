"""Join codes: unambiguous alphabet, fixed length, forgiving normalization."""

from __future__ import annotations

import pytest

from kmslab.classroom.codes import ALPHABET, CODE_LENGTH, new_code, normalize_code


def test_new_code_uses_only_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(300)}
    assert len(codes) > 290  # random, not a counter
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(ALPHABET)
    assert not set("0O1IL") & set(ALPHABET)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("K7Q2MX", "K7Q2MX"),
        ("k7q2mx", "K7Q2MX"),
        (" k7q-2mx ", "K7Q2MX"),
        ("K7Q 2MX", "K7Q2MX"),
        ("K7Q2M", ""),
        ("K7Q2MXX", ""),
        ("K0Q2MX", ""),  # 0 is never in a code
        ("<scrip", ""),
        ("", ""),
        ("A" * 500, ""),
        (None, ""),
        (123456, ""),
    ],
    ids=["exact", "lowercase", "dashes-spaces", "inner-space", "short", "long", "zero", "markup", "empty",
         "huge", "none", "int"],
)
def test_normalize_code_accepts_only_real_codes(raw: object, expected: str) -> None:
    assert normalize_code(raw) == expected
