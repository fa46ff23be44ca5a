"""Generated "predict the decision" questions: scenario reference solutions, mutated.

Responsible for turning each scenario's reference solution (key policy + the caller's IAM
policies) into base requests the solution allows, and for mutating them (drop the IAM statement,
name another account, add a Deny, switch to the `aws/s3` AWS managed key, use an alias ARN in
Resource, add a condition) into question data in the bank's file format. The answer key is never
stored here: scoring asks the engine (engine.predict_key) about the setup, like any predict question.
Must not: decide anything (the engine does) or keep state between requests (a sitting's seen
signatures live in the database).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kmslab.kms.managed import managed_key_policy
from kmslab.quiz.engine import decide

MUTATIONS = ("none", "drop-iam-statement", "other-account", "add-deny", "aws-s3", "alias-resource", "add-condition")
CANDIDATE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt", "kms:DescribeKey", "kms:CreateGrant",
                     "kms:ReEncryptFrom")
FILLER = {"Sid": "UnrelatedS3Access", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"}


@dataclass(frozen=True, slots=True)
class Base:
    scenario: str
    title: str
    lesson: str
    region: str
    key_policy: str  # JSON text
    identity_policy: str  # JSON text (the caller's IAM policies merged into one)
    caller: str
    caller_label: str
    action: str
    key_arn: str
    alias: str
    via_service: str  # "" or the kms:ViaService value the base request carries
    determining_key_statements: tuple[int, ...]


def _merge_identity(texts: list[str]) -> dict[str, Any] | None:
    # SIMULATION: a principal's identity policies are merged into one document for the question
    # (AWS evaluates each attached policy, but the union of their statements decides the same way).
    statements: list[Any] = []
    for text in texts:
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return None
        body = doc.get("Statement") if isinstance(doc, dict) else None
        statements += body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    seen: set[str] = set()
    for i, s in enumerate(statements):
        if not isinstance(s, dict):
            return None
        sid = str(s.get("Sid") or f"Statement{i + 1}")
        while sid in seen:
            sid += "x"
        s["Sid"] = sid
        seen.add(sid)
    return {"Version": "2012-10-17", "Statement": statements or [dict(FILLER)]}


def _setup(b: Base, key_policy: dict[str, Any], identity: dict[str, Any], key_arn: str | None = None,
           context: dict[str, str] | None = None, ec: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"key_policy": key_policy, "identity_policy": identity, "caller": b.caller,
                           "action": b.action, "key_arn": key_arn or b.key_arn}
    ctx = dict(context if context is not None else ({"kms:ViaService": b.via_service} if b.via_service else {}))
    if ctx:
        out["context"] = ctx
    if ec:
        out["encryption_context"] = ec
    return out


@lru_cache(maxsize=1)
def base_cases() -> tuple[Base, ...]:
    """Every (scenario, caller, key, action) the scenario's reference solution allows."""
    from kmslab.lab.load import load_spec
    from kmslab.lab.spec import ScenarioError
    from scenarios.loader import scenario_files

    out: list[Base] = []
    for path in scenario_files():
        try:
            spec = load_spec(path)
        except ScenarioError:
            continue
        texts = {d.name: spec.solution.get(d.name, d.text) for d in spec.documents}
        for key in spec.keys:
            if key.managed or not key.policy or key.policy not in texts:
                continue
            for p in spec.principals:
                if p.type not in ("user", "role") or not p.policies:
                    continue
                identity = _merge_identity([texts[n] for n in p.policies if n in texts])
                if identity is None:
                    continue
                key_policy = json.loads(texts[key.policy])
                for action in CANDIDATE_ACTIONS:
                    # SIMULATION: a "through S3" request carries kms:ViaService only, not the
                    # aws:s3:arn encryption context S3 adds; no shipped policy conditions on it.
                    for via in ("", f"s3.{spec.region}.amazonaws.com"):
                        b = Base(spec.slug, spec.title, spec.lesson, spec.region, texts[key.policy], json.dumps(identity),
                                 p.caller_arn, p.label or p.name, action, key.arn, key.alias, via, ())
                        outcome = decide(_setup(b, key_policy, identity))
                        if outcome.decision is None or not outcome.decision.allowed:
                            continue
                        det = tuple(r.statement.index for r in outcome.decision.determining
                                    if r.gate.value == "key-policy")
                        out.append(Base(*[getattr(b, f) for f in Base.__slots__[:-1]], det))  # type: ignore[arg-type]
                        break
    return tuple(out)


def _account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _replace_in(obj: Any, old: str, new: str) -> Any:
    if isinstance(obj, str):
        return obj.replace(old, new)
    if isinstance(obj, list):
        return [_replace_in(v, old, new) for v in obj]
    if isinstance(obj, dict):
        return {k: _replace_in(v, old, new) for k, v in obj.items()}
    return obj


def _statements(doc: dict[str, Any]) -> list[dict[str, Any]]:
    body = doc.get("Statement")
    if isinstance(body, dict):
        doc["Statement"] = [body]
    return doc["Statement"]  # type: ignore[no-any-return]


def _mentions_kms(stmt: dict[str, Any]) -> bool:
    actions = stmt.get("Action", [])
    actions = [actions] if isinstance(actions, str) else actions
    return any(isinstance(a, str) and (a.lower().startswith("kms:") or a == "*") for a in actions)


def _mutate(b: Base, mutation: str, rng: random.Random) -> tuple[dict[str, Any], str]:
    """(setup, description of what changed)."""
    kp = json.loads(b.key_policy)
    ip = json.loads(b.identity_policy)
    owner = _account(b.key_arn)
    caller_account = _account(b.caller)
    if mutation == "none":
        return _setup(b, kp, ip), "The documents are the scenario's reference solution, unchanged."
    if mutation == "drop-iam-statement":
        kept = [s for s in _statements(ip) if not _mentions_kms(s)]
        ip["Statement"] = kept or [dict(FILLER)]
        return _setup(b, kp, ip), "The IAM statement that allowed KMS actions was removed from the caller's IAM policy."
    if mutation == "other-account":
        other = str(rng.randrange(100000000000, 999999999999))
        for s in _statements(kp):
            if "Principal" in s and s.get("Effect") == "Allow" and caller_account != owner:
                s["Principal"] = _replace_in(s["Principal"], caller_account, other)
            elif "Principal" in s and s.get("Effect") == "Allow" and caller_account == owner:
                s["Principal"] = _replace_in(s["Principal"], f"::{owner}:", f"::{other}:")
        return _setup(b, kp, ip), f"The key policy's Allow statements now name account `{other}` instead of the caller's."
    if mutation == "add-deny":
        variant = rng.choice(("same-action", "all-kms", "other-action", "other-account"))
        action = {"same-action": b.action, "all-kms": "kms:*", "other-action": "kms:ScheduleKeyDeletion",
                  "other-account": b.action}[variant]
        principal: Any = {"AWS": f"arn:aws:iam::{caller_account}:root"} if variant != "other-account" \
            else {"AWS": f"arn:aws:iam::{rng.randrange(100000000000, 999999999999)}:root"}
        stmt = {"Sid": "GuardrailDeny", "Effect": "Deny", "Principal": principal, "Action": action, "Resource": "*"}
        if rng.random() < 0.5:
            stmt["Principal"] = "*"
            stmt["Condition"] = {"StringNotEquals": {"kms:CallerAccount": rng.choice([owner, caller_account])}}
        _statements(kp).append(stmt)
        return _setup(b, kp, ip), "A Deny statement `GuardrailDeny` was added to the key policy."
    if mutation == "aws-s3":
        new_arn = f"arn:aws:kms:{b.region}:{owner}:key/{rng.randrange(16**8):08x}-a3a3-4a5b-8c9d-{rng.randrange(16**12):012x}"
        kp = json.loads(managed_key_policy("alias/aws/s3", owner, b.region))
        ip = _replace_in(ip, b.key_arn, new_arn)
        via = rng.choice(("", f"s3.{b.region}.amazonaws.com"))
        return (_setup(b, kp, ip, key_arn=new_arn, context={"kms:ViaService": via} if via else {}),
                "The key is now the AWS managed key `aws/s3` of the key owner's account (its fixed key policy is shown), "
                + ("called through S3." if via else "called directly, not through S3."))
    if mutation == "alias-resource":
        alias = b.alias.removeprefix("alias/") or "my-key"
        alias_arn = f"arn:aws:kms:{b.region}:{owner}:alias/{alias}"
        ip = _replace_in(ip, b.key_arn, alias_arn)
        return _setup(b, kp, ip), f"The IAM policy's Resource names the key by its alias ARN `{alias_arn}` instead of its key ARN."
    # add-condition: on the key policy statement(s) that allowed the base request
    variant = rng.choice(("ec-missing", "ec-match", "via-ec2", "ec-wrong-case"))
    cond = {"ec-missing": {"StringEquals": {"kms:EncryptionContext:Department": "Finance"}},
            "ec-match": {"StringEquals": {"kms:EncryptionContext:Department": "Finance"}},
            "ec-wrong-case": {"StringEquals": {"kms:EncryptionContext:Department": "Finance"}},
            "via-ec2": {"StringEquals": {"kms:ViaService": f"ec2.{b.region}.amazonaws.com"}}}[variant]
    statements = _statements(kp)
    for i in b.determining_key_statements or (len(statements) - 1,):
        if 0 <= i < len(statements):
            statements[i]["Condition"] = copy.deepcopy(cond)
    ec = {"ec-match": {"Department": "Finance"}, "ec-wrong-case": {"Department": "finance"}}.get(variant)
    what = "with encryption context `" + json.dumps(ec) + "`" if ec else "with no encryption context"
    return (_setup(b, kp, ip, ec=ec),
            f"A condition was added to the key policy statement that allowed the request; the request is made {what}.")


def signature(setup: dict[str, Any]) -> str:
    return "gen:" + hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:32]


def generate(seed: int) -> dict[str, Any] | None:
    """One question in the bank's file format, deterministic for `seed` (None if no base cases)."""
    bases = base_cases()
    if not bases:
        return None
    rng = random.Random(seed)
    b = rng.choice(bases)
    mutation = rng.choice(MUTATIONS)
    setup, change = _mutate(b, mutation, rng)
    via = setup.get("context", {}).get("kms:ViaService")
    how = f" through S3 (`kms:ViaService` = `{via}`)" if via else ""
    objective = {"aws-s3": 1, "other-account": 1, "drop-iam-statement": 2, "alias-resource": 2,
                 "add-deny": 3, "add-condition": 4, "none": 3}[mutation]
    return {
        "slug": signature(setup)[4:],
        "type": "predict",
        "objective": objective,
        "difficulty": "hard" if mutation in ("add-condition", "aws-s3") else "medium",
        "topics": ["generated", mutation],
        "prompt": (f"Variant of the scenario **{b.title}**. {change}\n\n"
                   f"{b.caller_label} (`{b.caller}`) calls `{setup['action']}` on `{setup['key_arn']}`{how}. "
                   "Predict the decision, and which statement(s) decide it."),
        "options": [],
        "answer": [],
        "explanation": f"Generated from the scenario's reference solution (mutation: {mutation}). "
                       f"Try [the scenario itself](/scenarios/{b.scenario}/).",
        "links": [{"url": f"/scenarios/{b.scenario}/", "title": f"Scenario: {b.title}"},
                  {"url": b.lesson or "/lesson/big-idea/", "title": "Lesson"}],
        "setup": setup,
    }


def fresh(seed: int, seen: set[str], attempts: int = 50) -> tuple[dict[str, Any], int] | None:
    """The first generated question from `seed` on whose signature is not in `seen`, and the
    next seed to use. None when the generator has nothing new (or no scenarios)."""
    for offset in range(attempts):
        q = generate(seed + offset)
        if q is None:
            return None
        if signature(q["setup"]) not in seen:
            return q, seed + offset + 1
    return None
