"""Join codes: short, random, unambiguous when read aloud or copied from a projector.

Codes use 6 characters from an alphabet without 0/O, 1/I/L (31**6, nearly 900 million codes), so a
guess is hopeless under the join rate limit. `normalize_code` forgives case, spaces and dashes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0 O 1 I L
CODE_LENGTH = 6
_CODE_RE = re.compile(rf"^[{ALPHABET}]{{{CODE_LENGTH}}}$")


def new_code() -> str:
    """A fresh random code. Uniqueness is the database's job (the field is unique; see views)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: object) -> str:
    """Upper-case, without spaces or dashes; "" when it cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 40:
        return ""
    code = re.sub(r"[\s\-]", "", raw).upper()
    return code if _CODE_RE.match(code) else ""
