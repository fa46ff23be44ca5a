"""Apply fix for a denied real-CLI call: the simulator's fix engine, kept with the call.

Responsible for computing, when a call is logged, the smallest fix of its denied decision
exactly as a step card does (kmslab.lab.steps.fix_offer: the engine's Fix, the editable document
it lands in), storing it with the call as plain JSON (the Fix value and a digest of the text it
was computed against), and for applying it later to the learner's document, only while that
document is still the text the call was decided by. Never secrets: a Fix holds a policy statement.
Must not decide access: the decision is the call's, the fix is the engine's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping

from kmslab.endpoint.lab import LabWorld
from kmslab.iam.decision import Gate
from kmslab.kms.calls import CallRecord
from kmslab.kms.fix import Fix, apply_fix
from kmslab.lab.steps import fix_offer, focus_call

_FIELDS = tuple(f.name for f in dataclasses.fields(Fix))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fix_to_json(fix: Fix) -> dict[str, object]:
    out: dict[str, object] = {name: getattr(fix, name) for name in _FIELDS}
    out["gate"] = fix.gate.value
    # Kept as JSON text: PostgreSQL's jsonb sorts an object's keys, and the statement must be
    # written into the learner's document in the order the step card shows it.
    out["statement"] = json.dumps(_plain(fix.statement))
    out["then"] = fix_to_json(fix.then) if fix.then is not None else None
    return out


def _plain(value: object) -> object:
    """JSON-ready: mappings as dicts, tuples as lists (apply_fix writes them the same)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fix_from_json(data: object) -> Fix | None:
    """The Fix stored by fix_to_json, or None when `data` is not one."""
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        return None
    try:
        then = fix_from_json(data["then"]) if data["then"] is not None else None
        if data["then"] is not None and then is None:
            return None
        statement = json.loads(data["statement"]) if isinstance(data["statement"], str) else data["statement"]
        if not isinstance(statement, dict):
            return None
        return Fix(**(data | {"gate": Gate(data["gate"]), "then": then, "statement": statement}))
    except (TypeError, ValueError, RecursionError):
        return None


def offer(lw: LabWorld, calls: tuple[CallRecord, ...], caller: str) -> dict[str, object] | None:
    """The Apply fix offer of a denied call (None when the call was allowed, or its smallest fix
    cannot be applied to one of the learner's documents). The call that explains it is the one
    a step card would explain (the last failing call of the chain)."""
    focus = focus_call(calls, caller)
    decision = focus.decision if focus is not None else None
    if decision is None or decision.allowed:
        return None
    found = fix_offer(lw.built, decision)
    if found is None or not found.applicable or found.fix is None:
        return None
    doc = lw.spec.document(found.document)
    return {
        "document": found.document, "title": doc.title if doc is not None else found.document,
        "applies": found.applies, "then": found.then,
        "before": digest(lw.built.texts[found.document]), "fix": fix_to_json(found.fix),
    }


def still_applies(apply: object, documents: Mapping[str, str]) -> bool:
    """The offer is still good: its document is the text the call was decided by."""
    if not isinstance(apply, dict):
        return False
    text = documents.get(str(apply.get("document", "")))
    return text is not None and digest(text) == apply.get("before")


def applied(apply: object, documents: Mapping[str, str]) -> tuple[str, str, Fix] | None:
    """(document name, its text with the fix applied, the Fix), or None when the offer no longer
    applies (the document changed since the call) or cannot be read."""
    if not still_applies(apply, documents):
        return None
    assert isinstance(apply, dict)
    fix = fix_from_json(apply.get("fix"))
    if fix is None:
        return None
    name = str(apply["document"])
    try:
        return name, apply_fix(documents[name], fix), fix
    except ValueError:  # FixError: the text cannot take it (never expected for the text it was made for)
        return None
