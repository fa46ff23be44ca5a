"""Command line: `python -m kmslab.kms authorize` decides KMS requests read as JSON Lines.

Responsible for reading one JSON object per input line, turning it into policies and grants,
calling the one authorizer, and writing one JSON line per input, in order, flushed. A malformed
line gets `"decision": "Error"` with a clear message and the run continues. Subcommands use
argparse so other commands can be added next to `authorize`.
Must not: decide anything itself.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from kmslab.iam.parse import parse_policy_object
from kmslab.iam.policy import Policy, PolicyKind
from kmslab.iam.principals import InvalidCallerError
from kmslab.kms.authorize import KeyArnError, authorize_kms
from kmslab.kms.explain import explain
from kmslab.kms.grants import Grant, GrantConstraints

MAX_LINE = 1_000_000  # characters; larger lines are refused with an Error
_ANSWER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(answer, ensure_ascii=False), built once


class InputError(ValueError):
    """A request line that cannot be decided; the message names the field."""


def _str(obj: dict[str, object], field: str) -> str:
    value = obj.get(field)
    if not isinstance(value, str) or not value:
        raise InputError(f"`{field}` must be a non-empty string")
    return value


def _policy(obj: object, kind: PolicyKind, where: str, name: str) -> Policy:
    if not isinstance(obj, dict):
        raise InputError(f"`{where}` must be a JSON object (a policy document)")
    # no highlights here: a valid policy is built without positions (an invalid one is parsed
    # with them, for the finding's pointer)
    result = parse_policy_object(obj, kind, name=name, positions=False)
    if result.policy is None:
        first = next((f for f in result.findings if f.is_error), None)
        detail = f"{first.message}" + (f" at {first.span.pointer}" if first and first.span.pointer else "") \
            if first else "unreadable"
        raise InputError(f"`{where}` is not a valid policy: {detail}")
    return result.policy


def _context(obj: object) -> dict[str, str | list[str]]:
    if obj is None:
        return {}
    if not isinstance(obj, dict):
        raise InputError("`context` must be an object of condition keys to a string or a list of strings")
    out: dict[str, str | list[str]] = {}
    for k, v in obj.items():
        if isinstance(v, str):
            out[k] = v
        elif isinstance(v, list) and all(isinstance(x, str) for x in v):
            out[k] = list(v)
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, (int, float)):
            out[k] = json.dumps(v)
        else:
            raise InputError(f"context key `{k}` must be a string or a list of strings")
    return out


def _pairs(obj: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in obj.values()):
        raise InputError(f"`{where}` must be an object of strings")
    return tuple((str(k), str(v)) for k, v in obj.items())


def _grant(obj: object, i: int, key_arn: str) -> Grant:
    where = f"grants[{i}]"
    if not isinstance(obj, dict):
        raise InputError(f"`{where}` must be an object")
    grantee = obj.get("grantee_principal", obj.get("GranteePrincipal"))
    if not isinstance(grantee, str) or not grantee:
        raise InputError(f"`{where}.grantee_principal` must be a non-empty string")
    ops = obj.get("operations", obj.get("Operations"))
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise InputError(f"`{where}.operations` must be a list of operation names")
    cons = obj.get("constraints", obj.get("Constraints"))
    constraints = None
    if cons is not None:
        if not isinstance(cons, dict):
            raise InputError(f"`{where}.constraints` must be an object")
        eq = cons.get("encryption_context_equals", cons.get("EncryptionContextEquals"))
        sub = cons.get("encryption_context_subset", cons.get("EncryptionContextSubset"))
        constraints = GrantConstraints(
            _pairs(eq, f"{where}.constraints.encryption_context_equals") if eq is not None else None,
            _pairs(sub, f"{where}.constraints.encryption_context_subset") if sub is not None else None)
    gid = obj.get("grant_id", obj.get("GrantId", f"grant-{i + 1}"))
    return Grant(str(gid), key_arn, grantee, tuple(o.removeprefix("kms:") for o in ops), constraints)


def decide_line(line: str) -> dict[str, object]:
    """One input line to one output object. Never raises."""
    rid: object = None
    try:
        if len(line) > MAX_LINE:
            raise InputError(f"the line is {len(line):,} characters; at most {MAX_LINE:,} are read")
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise InputError(f"the line is not valid JSON ({exc})") from None
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object")
        rid = obj.get("id")
        principal, action, resource = _str(obj, "principal"), _str(obj, "action"), _str(obj, "resource")
        if "key_policy" not in obj:
            raise InputError("`key_policy` is required (an object, or null when the key policy is unknown)")
        kp = obj["key_policy"]
        key_policy = None if kp is None else _policy(kp, PolicyKind.KEY_POLICY, "key_policy", "key policy")
        ids = obj.get("identity_policies")
        ids = [] if ids is None else ids
        if not isinstance(ids, list):
            raise InputError("`identity_policies` must be a list of policy objects")
        identity = [_policy(p, PolicyKind.IDENTITY, f"identity_policies[{i}]", f"IAM policy {i + 1}")
                    for i, p in enumerate(ids)]
        grants_raw = obj.get("grants")
        grants_raw = [] if grants_raw is None else grants_raw
        if not isinstance(grants_raw, list):
            raise InputError("`grants` must be a list of grant objects")
        grants = [_grant(g, i, resource) for i, g in enumerate(grants_raw)]
        decision = authorize_kms(principal, action, resource, key_policy=key_policy, identity_policies=identity,
                                 grants=grants, context=_context(obj.get("context")))
        return {"id": rid, "decision": decision.verdict.value, "message": decision.message,
                "explanation": [s.text for s in explain(decision)]}
    except (InputError, InvalidCallerError, KeyArnError) as exc:
        return {"id": rid, "decision": "Error", "message": str(exc), "explanation": []}
    except Exception as exc:  # noqa: BLE001 - one bad line must never stop the run
        return {"id": rid, "decision": "Error", "message": f"internal error ({type(exc).__name__})",
                "explanation": []}


def run_authorize(stdin: TextIO, stdout: TextIO) -> int:
    for line in stdin:
        if not line.strip():
            continue
        out = decide_line(line)
        try:
            text = _ANSWER.encode(out)
        except (TypeError, ValueError):
            out["id"] = None
            text = _ANSWER.encode(out)
        stdout.write(text + "\n")
        stdout.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kmslab.kms", description="KMS Lab command line")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("authorize", help="decide KMS requests: JSON Lines on stdin, one JSON line out per input")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "authorize":
        try:
            return run_authorize(sys.stdin, sys.stdout)
        except BrokenPipeError:
            # The reader went away (`... | head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
    return 2
