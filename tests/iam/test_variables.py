from __future__ import annotations

import pytest

from kmslab.iam.variables import LITERAL_QMARK, LITERAL_STAR, substitute

CTX = {"aws:username": ("bob",), "aws:principalaccount": ("111122223333",), "multi": ("a", "b")}
TABLE = [
    ("username", "home/${aws:username}/*", "home/bob/*"),
    ("key-case-insensitive", "${AWS:UserName}", "bob"),
    ("account", "arn:aws:kms:*:${aws:PrincipalAccount}:key/*", "arn:aws:kms:*:111122223333:key/*"),
    ("star", "a${*}", "a" + LITERAL_STAR),
    ("qmark", "a${?}", "a" + LITERAL_QMARK),
    ("dollar", "${$}x", "$x"),
    ("default", "${aws:userid, 'none'}", "none"),
    ("no-variables", "plain", "plain"),
]


@pytest.mark.parametrize(("text", "expected"), [t[1:] for t in TABLE], ids=[t[0] for t in TABLE])
def test_substitute_replaces_variables(text: str, expected: str) -> None:
    assert substitute(text, CTX) == expected


@pytest.mark.parametrize("text", ["${aws:userid}", "${multi}"], ids=["absent", "multi-valued"])
def test_substitute_unresolvable_returns_none(text: str) -> None:
    assert substitute(text, CTX) is None
