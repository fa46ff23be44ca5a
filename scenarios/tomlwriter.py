"""A small TOML writer for exporting scenarios (the standard library only reads TOML).

Writes the subset scenario files use: text (multi-line policies as literal ''' strings),
whole numbers, booleans, lists of scalars, tables and lists of tables. `tomllib.loads(dumps(d))
== d` for every such dict (a test checks it on every shipped scenario).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


class TomlWriteError(ValueError):
    pass


def dumps(data: Mapping[str, object]) -> str:
    out: list[str] = []
    _table(data, [], out)
    return "\n".join(out).strip() + "\n"


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _path(parts: list[str]) -> str:
    return ".".join(_key(p) for p in parts)


def _is_table_list(v: object) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(i, Mapping) for i in v)


def _table(data: Mapping[str, object], path: list[str], out: list[str]) -> None:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, Mapping) and not _is_table_list(v)]
    nested = [(k, v) for k, v in data.items() if isinstance(v, Mapping) or _is_table_list(v)]
    for k, v in scalars:
        if not isinstance(k, str):
            raise TomlWriteError(f"key `{k!r}` is not text")
        out.append(f"{_key(k)} = {_value(v)}")
    for k, v in nested:
        if isinstance(v, Mapping):
            out.append("")
            out.append(f"[{_path(path + [k])}]")
            _table(v, path + [k], out)
        else:
            assert isinstance(v, list)
            for item in v:
                out.append("")
                out.append(f"[[{_path(path + [k])}]]")
                _table(item, path + [k], out)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise TomlWriteError("NaN and infinity are not supported")
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        if any(isinstance(i, (Mapping, list)) for i in v):
            if all(isinstance(i, (Mapping, list)) for i in v):
                return "[" + ", ".join(_inline(i) for i in v) + "]"
            raise TomlWriteError("a list mixing tables and values cannot be written")
        return "[" + ", ".join(_value(i) for i in v) + "]"
    if v is None:
        raise TomlWriteError("TOML has no null value")
    raise TomlWriteError(f"cannot write a {type(v).__name__}")


def _inline(v: object) -> str:
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(str(k))} = {_inline(i)}" for k, i in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(_inline(i) for i in v) + "]"
    return _value(v)


def _string(s: str) -> str:
    # Multi-line text without ''' and without control characters reads best as a literal string.
    # A literal multi-line string drops one newline right after the opening quotes.
    if "\n" in s and "'''" not in s and not s.endswith("'") and all((" " <= c != "\x7f") or c in "\n\t" for c in s):
        return "'''\n" + s + "'''"
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")
