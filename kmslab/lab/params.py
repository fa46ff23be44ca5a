"""Resolving a step's parameters: document references and earlier steps' outputs.

`"@name"` becomes the parsed JSON of document `name` (a `Request = "@name"` entry is merged
into the call's parameters); `"$stepN.Field"` becomes field `Field` of step N's response
(`$step1.CiphertextBlob`). Strings are encoded to bytes for the byte-valued AWS fields.
Must not: import Django or call any service.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kmslab.lab.lint import LintedDoc

BYTES_FIELDS = frozenset({"Plaintext", "Body"})


class UnresolvedParam(Exception):
    """A `$stepN.Field` reference to a step that did not produce that field."""


def resolve(params: Mapping[str, object], outputs: Sequence[Mapping[str, object] | None],
            docs: Mapping[str, LintedDoc]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in params.items():
        resolved = _value(value, outputs, docs)
        if key == "Request" and isinstance(resolved, Mapping):
            for k, v in resolved.items():
                if k != "KeyId":  # the step names the key; a KeyId in the document is ignored
                    out.setdefault(str(k), v)
            continue
        if key in BYTES_FIELDS and isinstance(resolved, str):
            resolved = resolved.encode("utf-8")
        out[key] = resolved
    return out


def _value(value: object, outputs: Sequence[Mapping[str, object] | None], docs: Mapping[str, LintedDoc]) -> object:
    if isinstance(value, str):
        if value.startswith("@") and value[1:] in docs:
            return docs[value[1:]].data
        if value.startswith("$step"):
            ref, _, field = value[5:].partition(".")
            if not ref.isdigit() or not field:
                raise UnresolvedParam(f"`{value}` is not a `$stepN.Field` reference")
            n = int(ref)
            out = outputs[n - 1] if 1 <= n <= len(outputs) else None
            if out is None or field not in out:
                raise UnresolvedParam(f"step {n} did not return `{field}`")
            return out[field]
        return value
    if isinstance(value, list):
        return [_value(v, outputs, docs) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _value(v, outputs, docs) for k, v in value.items()}
    return value
