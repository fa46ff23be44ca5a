"""Policy variables: `${aws:username}`, `${aws:PrincipalAccount}`, `${*}`, `${?}`, `${$}`.

Responsible for substituting variables in Resource values and condition values of policies with
Version 2012-10-17 (Version 2008-10-17 treats `${...}` as literal text).
Must not: match anything. Literal `*` / `?` produced by `${*}` / `${?}` are returned as the
private-use characters LITERAL_STAR / LITERAL_QMARK so the wildcard matcher treats them as text;
`protect()` maps the compared text the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# AWS: policy variables are recognised only with "Version": "2012-10-17"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html)
VARIABLES_VERSION = "2012-10-17"
LITERAL_STAR = "\ue000"
LITERAL_QMARK = "\ue001"
_VAR = re.compile(r"\$\{([^}]{1,128})\}")
_SPECIAL = {"*": LITERAL_STAR, "?": LITERAL_QMARK, "$": "$"}
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")


def has_variables(text: str) -> bool:
    return "${" in text


def substitute(text: str, context: Mapping[str, tuple[str, ...]]) -> str | None:
    """Replace every `${key}` (or `${key, 'default'}`) from `context` (lower-cased keys).

    Returns None when a variable has no single value in the request and no default: AWS then
    cannot resolve the element, so it does not match.
    """
    missing = False

    def repl(m: re.Match[str]) -> str:
        nonlocal missing
        inner = m.group(1)
        if inner in _SPECIAL:
            return _SPECIAL[inner]
        default: str | None = None
        dm = _DEFAULT.match(inner)
        if dm:
            inner, default = dm.group(1), dm.group(2)
        values = context.get(inner.strip().lower(), ())
        if len(values) == 1:
            return values[0].replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK)
        if default is not None:
            return default
        missing = True
        return ""

    out = _VAR.sub(repl, text)
    return None if missing else out


def protect(text: str) -> str:
    """Map literal `*`/`?` in compared text so a `${*}` in a pattern matches them."""
    return text.replace("*", LITERAL_STAR).replace("?", LITERAL_QMARK)
