"""Generated "predict the decision" questions: scenario reference solutions, mutated.

Responsible for turning each scenario's reference solution (key policy + the caller's IAM
policies, or a service principal's request) into base requests the solution allows, and for
mutating them into question data in the bank's file format. The rules that keep a generated
question from being answerable off its prompt (tests/quiz/test_generator.py checks each over
1,000 seeds):
- every sentence of the prompt is true of the documents and the request shown;
- every request is valid for its operation: an encryption context only on operations that take
  one (Encrypt, Decrypt, GenerateDataKey*; never DescribeKey or CreateGrant), `kms:ViaService`
  only for a service that calls the operation (S3 calls GenerateDataKey and Decrypt; EC2 calls
  CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlaintext and ReEncrypt*);
- every mutation kind has variants that lead to different verdicts, and the scenario is drawn
  first (uniformly), so no scenario dominates and each one (CloudTrail included) appears.
The answer key is never stored here: scoring asks the engine (engine.predict_key) about the
setup, like any predict question.
Must not: decide anything (the engine does) or keep state between requests (a sitting's seen
signatures live in the database).
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kmslab.kms.managed import managed_key_policy
from kmslab.quiz.engine import decide

MUTATIONS = ("unchanged", "drop-iam-statement", "other-account", "add-deny", "aws-s3", "alias-resource",
             "add-condition")
CANDIDATE_ACTIONS = ("kms:GenerateDataKey", "kms:Decrypt", "kms:Encrypt", "kms:DescribeKey", "kms:CreateGrant",
                     "kms:ReEncryptFrom")
# Asked of an unchanged solution: actions it may or may not allow (management actions too).
OTHER_ACTIONS = CANDIDATE_ACTIONS + ("kms:GenerateDataKeyWithoutPlaintext", "kms:ScheduleKeyDeletion",
                                     "kms:PutKeyPolicy")
# AWS: the operations whose request takes an EncryptionContext parameter (ReEncrypt takes a source
# and a destination context; it is left out here so that no prompt has to say which is meant).
EC_ACTIONS = frozenset({"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"})
# Which service calls which KMS operation for its users (SSE-KMS on S3; encrypted EBS volumes).
VIA_ACTIONS = {
    "s3": frozenset({"kms:GenerateDataKey", "kms:Decrypt"}),
    "ec2": frozenset({"kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext",
                      "kms:ReEncryptFrom", "kms:ReEncryptTo"}),
}
SERVICE_NAMES = {"s3": "S3", "ec2": "EC2"}
EBS_VOLUME_ID = "vol-0123456789abcdef0"
FILLER = {"Sid": "UnrelatedS3Access", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"}
OBJECTIVES = {"aws-s3": 1, "other-account": 1, "drop-iam-statement": 2, "alias-resource": 2,
              "add-deny": 3, "add-condition": 4, "unchanged": 3}


@dataclass(frozen=True, slots=True)
class Base:
    scenario: str
    title: str
    lesson: str
    region: str
    key_policy: str  # JSON text
    identity_policy: str  # JSON text (the caller's IAM policies merged into one); "" for a service principal
    caller: str
    caller_label: str
    principal_arn: str  # what a key policy names for this caller (the role, not its session)
    action: str
    key_arn: str
    alias: str
    via_service: str  # "", "s3" or "ec2": the service the base request comes through
    encryption_context: tuple[tuple[str, str], ...] = ()
    context: tuple[tuple[str, str], ...] = ()  # other request context (aws:SourceArn, ...)
    determining_key_statements: tuple[int, ...] = ()
    trails: tuple[tuple[str, str], ...] = field(default=())  # service bases: (trail ARN, account) of the scenario
    s3_object_arn: str = "arn:aws:s3:::example-bucket/report.csv"  # the object S3 names in its encryption context

    @property
    def is_service(self) -> bool:
        return not self.identity_policy


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


def _via_value(service: str, region: str) -> str:
    return f"{service}.{region}.amazonaws.com" if service else ""


def _request(b: Base, kp: dict[str, Any], ip: dict[str, Any] | None, *, action: str | None = None,
             key_arn: str | None = None, via: str | None = None, ec: dict[str, str] | None = None,
             extra: dict[str, str] | None = None, caller: str | None = None) -> dict[str, Any]:
    """A setup: the documents and one request. `via` is "", "s3" or "ec2" (None: the base's)."""
    action = action or b.action
    via = b.via_service if via is None else via
    if via and action not in VIA_ACTIONS[via]:
        via = ""  # the service never calls this operation: the call is direct
    out: dict[str, Any] = {"key_policy": kp}
    if ip is not None:
        out["identity_policy"] = ip
    out.update(caller=caller or b.caller, action=action, key_arn=key_arn or b.key_arn)
    ctx = dict(b.context) if extra is None else dict(extra)
    if via:
        ctx["kms:ViaService"] = _via_value(via, b.region)
        # AWS: S3 and EBS always send their own encryption context (aws:s3:arn, aws:ebs:id).
        # SIMULATION: the object (report.csv) and the volume id are fixed placeholders.
        ec = {"aws:s3:arn": b.s3_object_arn} if via == "s3" else {"aws:ebs:id": EBS_VOLUME_ID}
    if action == "kms:CreateGrant" and not b.is_service:
        # AWS: kms:GrantIsForAWSResource is true when an integrated service creates the grant.
        ctx["kms:GrantIsForAWSResource"] = "true" if via else "false"
    if ctx:
        out["context"] = ctx
    ec = dict(b.encryption_context) if ec is None else ec
    if ec and action in EC_ACTIONS:
        out["encryption_context"] = ec
    return out


def _scenario_bases(spec: Any) -> list[Base]:
    out: list[Base] = []
    texts = {d.name: spec.solution.get(d.name, d.text) for d in spec.documents}
    for key in spec.keys:
        if key.managed or not key.policy or key.policy not in texts:
            continue
        key_policy = json.loads(texts[key.policy])
        bucket = next((bk.name for bk in getattr(spec, "buckets", ()) if bk.default_key == key.name),
                      next((bk.name for bk in getattr(spec, "buckets", ())), "example-bucket"))
        object_arn = f"arn:aws:s3:::{bucket}/report.csv"
        for p in spec.principals:
            if p.type == "service":
                trails = tuple((t.arn, t.account) for t in getattr(spec, "trails", ()) if t.key == key.name)
                for arn, account in trails:
                    b = Base(spec.slug, spec.title, spec.lesson, spec.region, texts[key.policy], "", p.arn,
                             p.label or p.name, p.arn, "kms:GenerateDataKey", key.arn, key.alias, "",
                             (("aws:cloudtrail:arn", arn),), (("aws:SourceArn", arn), ("aws:SourceAccount", account)),
                             (), trails)
                    outcome = decide(_request(b, key_policy, None))
                    if outcome.decision is not None and outcome.decision.allowed:
                        det = tuple(r.statement.index for r in outcome.decision.determining
                                    if r.gate.value == "key-policy")
                        out.append(_with(b, determining_key_statements=det))
                continue
            if p.type not in ("user", "role") or not p.policies:
                continue
            identity = _merge_identity([texts[n] for n in p.policies if n in texts])
            if identity is None:
                continue
            for action in CANDIDATE_ACTIONS:
                for via in ("", "s3", "ec2"):
                    if via and action not in VIA_ACTIONS[via]:
                        continue
                    b = Base(spec.slug, spec.title, spec.lesson, spec.region, texts[key.policy], json.dumps(identity),
                             p.caller_arn, p.label or p.name, p.arn, action, key.arn, key.alias, via,
                             s3_object_arn=object_arn)
                    outcome = decide(_request(b, key_policy, identity))
                    if outcome.decision is None or not outcome.decision.allowed:
                        continue
                    det = tuple(r.statement.index for r in outcome.decision.determining if r.gate.value == "key-policy")
                    out.append(_with(b, determining_key_statements=det))
                    break
    return out


def _with(b: Base, **changes: Any) -> Base:
    values = {f: getattr(b, f) for f in Base.__dataclass_fields__}
    values.update(changes)
    return Base(**values)


@lru_cache(maxsize=1)
def bases_by_scenario() -> dict[str, tuple[Base, ...]]:
    """scenario slug -> every (caller, key, action) its reference solution allows."""
    from scenarios.loader import scenario_files
    from scenarios.spec import ScenarioError, load_spec

    out: dict[str, tuple[Base, ...]] = {}
    for path in scenario_files():
        try:
            spec = load_spec(path)
        except ScenarioError:
            continue
        found = _scenario_bases(spec)
        if found:
            out[spec.slug] = tuple(found)
    return out


def base_cases() -> tuple[Base, ...]:
    return tuple(b for bases in bases_by_scenario().values() for b in bases)


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


def _other_account(rng: random.Random, *avoid: str) -> str:
    while True:
        other = str(rng.randrange(100000000000, 999999999999))
        if other not in avoid:
            return other


def _docs(b: Base) -> tuple[dict[str, Any], dict[str, Any] | None]:
    return json.loads(b.key_policy), (json.loads(b.identity_policy) if b.identity_policy else None)


def _sids(kp: dict[str, Any], indexes: tuple[int, ...]) -> str:
    statements = _statements(kp)
    names = [f"`{statements[i].get('Sid') or f'statement {i + 1}'}`" for i in indexes if 0 <= i < len(statements)]
    return ", ".join(names) or "the key policy's statement"


# Each mutation: (base, rng) -> (setup, sentence describing the change) or None when it does not
# apply to that base. Variants within a kind lead to different verdicts.
Mutation = Callable[[Base, random.Random], "tuple[dict[str, Any], str] | None"]


def _unchanged(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    kp, ip = _docs(b)
    same = "The documents are the scenario's reference solution, unchanged."
    if b.is_service:  # the request is for one of the scenario's trails (some are outside the organization)
        arn, account = rng.choice(b.trails)
        extra = {"aws:SourceArn": arn, "aws:SourceAccount": account}
        return _request(b, kp, None, ec={"aws:cloudtrail:arn": arn}, extra=extra), same
    if rng.random() < 0.5:
        return _request(b, kp, ip), same
    action = rng.choice([a for a in OTHER_ACTIONS if a != b.action])
    return _request(b, kp, ip, action=action), same


def _drop_iam(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    if b.is_service:
        return None
    kp, ip = _docs(b)
    assert ip is not None
    kept = [s for s in _statements(ip) if not _mentions_kms(s)]
    ip["Statement"] = kept or [dict(FILLER)]
    what = "Every statement that allowed KMS actions was removed from the caller's IAM policy."
    if rng.random() < 0.5:
        _statements(kp).append({"Sid": "AllowCallerDirectly", "Effect": "Allow", "Principal": {"AWS": b.principal_arn},
                                "Action": b.action, "Resource": "*"})
        what += (f" A key policy statement `AllowCallerDirectly` was added that names `{b.principal_arn}` itself "
                 f"for `{b.action}`.")
    return _request(b, kp, ip), what


def _cloudtrail_patterns(kp: dict[str, Any], account: str) -> bool:
    """Add `account`'s trails to every aws:cloudtrail:arn condition list. True when one was found."""
    found = False
    for s in _statements(kp):
        for block in (s.get("Condition") or {}).values():
            if not isinstance(block, dict):
                continue
            for key in list(block):
                if "aws:cloudtrail:arn" in key.lower():
                    values = block[key] if isinstance(block[key], list) else [block[key]]
                    block[key] = values + [f"arn:aws:cloudtrail:*:{account}:trail/*"]
                    found = True
    return found


def _other_account_mutation(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    kp, ip = _docs(b)
    owner, caller_account = _account(b.key_arn), _account(b.principal_arn)
    other = _other_account(rng, owner, caller_account)
    if b.is_service:
        arn = f"arn:aws:cloudtrail:{b.region}:{other}:trail/outside-trail"
        extra = {"aws:SourceArn": arn, "aws:SourceAccount": other}
        what = f"CloudTrail now delivers for `{arn}`, a trail in account `{other}`."
        if rng.random() < 0.5 and _cloudtrail_patterns(kp, other):
            what += f" The key policy's `aws:cloudtrail:arn` condition now also lists account `{other}`'s trails."
        return _request(b, kp, None, ec={"aws:cloudtrail:arn": arn}, extra=extra), what
    variant = rng.choice(("replace", "add", "add", "move-caller"))
    if variant == "add":
        _statements(kp).append({"Sid": "AllowOtherAccount", "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{other}:root"}, "Action": b.action, "Resource": "*"})
        return _request(b, kp, ip), (f"A key policy statement `AllowOtherAccount` was added that allows account "
                                     f"`{other}` `{b.action}` as well.")
    if variant == "move-caller":
        moved = b.caller.replace(f"::{caller_account}:", f"::{other}:")
        return (_request(b, kp, ip, caller=moved),
                f"The same request is made by `{moved}`: a principal with the same name and the same IAM policy, "
                f"in account `{other}`.")
    before = json.dumps(kp)
    for s in _statements(kp):
        if "Principal" in s and s.get("Effect") == "Allow":
            s["Principal"] = _replace_in(s["Principal"], f"::{caller_account}:", f"::{other}:")
    if json.dumps(kp) == before:
        return None
    return _request(b, kp, ip), (f"In the key policy's Allow statements, every principal of account "
                                 f"`{caller_account}` now names account `{other}` instead.")


def _add_deny(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    kp, ip = _docs(b)
    owner, caller_account = _account(b.key_arn), _account(b.principal_arn)
    variant = rng.choice(("same-action", "all-kms", "other-action", "other-account", "condition"))
    action = {"same-action": b.action, "all-kms": "kms:*", "other-action": "kms:ScheduleKeyDeletion",
              "other-account": b.action, "condition": b.action}[variant]
    if b.is_service:
        principal: Any = {"Service": b.caller}
    elif variant == "other-account":
        principal = {"AWS": f"arn:aws:iam::{_other_account(rng, owner, caller_account)}:root"}
    else:
        principal = {"AWS": f"arn:aws:iam::{caller_account}:root"}
    stmt: dict[str, Any] = {"Sid": "GuardrailDeny", "Effect": "Deny", "Principal": principal, "Action": action,
                            "Resource": "*"}
    if variant == "condition":
        stmt["Principal"] = "*"
        if b.is_service:
            accounts = sorted({a for _, a in b.trails})
            stmt["Condition"] = {"StringNotEquals": {"aws:SourceAccount": rng.choice(accounts)}}
        else:
            stmt["Condition"] = {"StringNotEquals": {"kms:CallerAccount": rng.choice([owner, caller_account])}}
    _statements(kp).append(stmt)
    return _request(b, kp, ip), "A Deny statement `GuardrailDeny` was added to the key policy."


def _aws_s3(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    if b.is_service:
        return None
    kp, ip = _docs(b)
    owner = _account(b.key_arn)
    new_arn = f"arn:aws:kms:{b.region}:{owner}:key/{rng.randrange(16**8):08x}-a3a3-4a5b-8c9d-{rng.randrange(16**12):012x}"
    kp = json.loads(managed_key_policy("alias/aws/s3", owner, b.region))
    ip = _replace_in(ip, b.key_arn, new_arn)
    action = b.action if b.action in VIA_ACTIONS["s3"] else rng.choice(sorted(VIA_ACTIONS["s3"]))
    via = rng.choice(("", "s3", "s3"))
    what = ("The key is now the AWS managed key `aws/s3` of the key owner's account: its key policy, set by S3, is "
            "shown, and the IAM policy names the new key's ARN wherever it named the old key.")
    caller = None
    caller_account = _account(b.principal_arn)
    if caller_account != owner and rng.random() < 0.5:
        caller = b.caller.replace(f"::{caller_account}:", f"::{owner}:")
        what += f" The caller is `{caller}`: a principal with the same name and IAM policy in the key owner's account."
    return _request(b, kp, ip, action=action, key_arn=new_arn, via=via, ec={}, caller=caller), what


def _covers(resource: Any, arn: str) -> bool:
    patterns = [resource] if isinstance(resource, str) else resource if isinstance(resource, list) else []
    return any(isinstance(p, str) and fnmatch.fnmatchcase(arn, p) for p in patterns)


def _alias_resource(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    if b.is_service:
        return None
    kp, ip = _docs(b)
    assert ip is not None
    alias = b.alias.removeprefix("alias/") or "my-key"
    alias_arn = f"arn:aws:kms:{b.region}:{_account(b.key_arn)}:alias/{alias}"
    kms_statements = [s for s in _statements(ip) if _mentions_kms(s) and s.get("Effect") == "Allow"
                      and _covers(s.get("Resource", []), b.key_arn)]
    if not kms_statements:
        return None
    both = rng.random() < 0.4
    for s in kms_statements:
        s.pop("NotResource", None)
        s["Resource"] = [alias_arn, b.key_arn] if both else alias_arn
    names = ", ".join(f"`{s['Sid']}`" for s in kms_statements)
    if both:
        return _request(b, kp, ip), (f"The IAM policy's KMS statement(s) {names} now list two resources: the alias ARN "
                                     f"`{alias_arn}` and the key ARN.")
    return _request(b, kp, ip), f"The IAM policy's KMS statement(s) {names} now name the key only by its alias ARN `{alias_arn}`."


def _add_to_condition(statement: dict[str, Any], cond: dict[str, Any]) -> None:
    """Add `cond` to the statement's Condition, keeping what was there (the prompt says "added")."""
    block = statement.setdefault("Condition", {})
    for op, keys in cond.items():
        block.setdefault(op, {}).update(copy.deepcopy(keys))


def _add_condition(b: Base, rng: random.Random) -> tuple[dict[str, Any], str] | None:
    kp, ip = _docs(b)
    statements = _statements(kp)
    targets = tuple(i for i in b.determining_key_statements if 0 <= i < len(statements)) or (len(statements) - 1,)
    where = _sids(kp, targets)
    if b.is_service:
        arn, account = rng.choice(b.trails)
        first = b.trails[0][0]
        cond = {"StringEquals": {"aws:SourceArn": first}}
        for i in targets:
            _add_to_condition(statements[i], cond)
        extra = {"aws:SourceArn": arn, "aws:SourceAccount": account}
        return (_request(b, kp, None, ec={"aws:cloudtrail:arn": arn}, extra=extra),
                f"The condition `{json.dumps(cond)}` was added to {where}. CloudTrail delivers a log file for `{arn}`.")
    variants = ["via-ec2"]
    if b.action in EC_ACTIONS:
        variants += ["ec-missing", "ec-match", "ec-match", "ec-wrong-case"]
    if b.action == "kms:CreateGrant":
        variants += ["grant-for-aws-resource"]
    variant = rng.choice(variants)
    if variant == "grant-for-aws-resource":
        cond: dict[str, Any] = {"Bool": {"kms:GrantIsForAWSResource": "true"}}
        via = rng.choice(("", "ec2"))
    elif variant == "via-ec2":
        cond = {"StringEquals": {"kms:ViaService": _via_value("ec2", b.region)}}
        routes = [""] + [s for s, actions in VIA_ACTIONS.items() if b.action in actions]
        via = "ec2" if "ec2" in routes and rng.random() < 0.5 else rng.choice(routes)
    else:
        cond = {"StringEquals": {"kms:EncryptionContext:Department": "Finance"}}
        via = ""  # the caller calls KMS directly, with the encryption context it chooses
    keys = {k.lower() for block in cond.values() for k in block}
    if any(k.lower() in keys for i in targets for block in (statements[i].get("Condition") or {}).values()
           if isinstance(block, dict) for k in block):
        return None  # the statement already conditions on that key: "added" would not be true
    for i in targets:
        _add_to_condition(statements[i], cond)
    ec = {"ec-match": {"Department": "Finance"}, "ec-wrong-case": {"Department": "finance"}}.get(variant, {})
    return (_request(b, kp, ip, via=via, ec=ec),
            f"The condition `{json.dumps(cond)}` was added to the key policy statement(s) that allowed the request: {where}.")


MUTATORS: dict[str, Mutation] = {
    "unchanged": _unchanged, "drop-iam-statement": _drop_iam, "other-account": _other_account_mutation,
    "add-deny": _add_deny, "aws-s3": _aws_s3, "alias-resource": _alias_resource, "add-condition": _add_condition,
}


def describe_request(b: Base, setup: dict[str, Any]) -> str:
    """The request in words, saying exactly what the setup carries (route, encryption context)."""
    ctx = setup.get("context") or {}
    if b.is_service:
        ec = setup.get("encryption_context") or {}
        return (f"{b.caller_label}, as `{setup['caller']}` (calling as itself), calls `{setup['action']}` on "
                f"`{setup['key_arn']}` with encryption context `{json.dumps(ec)}`; the request's `aws:SourceArn` is "
                f"`{ctx.get('aws:SourceArn', '')}` and `aws:SourceAccount` is `{ctx.get('aws:SourceAccount', '')}`.")
    caller = setup["caller"]
    label = b.caller_label if caller == b.caller else "The caller"
    via = str(ctx.get("kms:ViaService", ""))
    service = via.split(".", 1)[0]
    route = (f" through {SERVICE_NAMES.get(service, service)} (`kms:ViaService` = `{via}`)" if via
             else " directly (not through an AWS service)")
    text = f"{label}, as `{caller}`, calls `{setup['action']}` on `{setup['key_arn']}`{route}"
    if setup["action"] in EC_ACTIONS:
        ec = setup.get("encryption_context")
        who = f"; {SERVICE_NAMES.get(service, service)} sends the encryption context" if via else " with encryption context"
        text += f"{who} `{json.dumps(ec)}`" if ec else " with no encryption context"
    if "kms:GrantIsForAWSResource" in ctx:
        text += f" (`kms:GrantIsForAWSResource` = `{ctx['kms:GrantIsForAWSResource']}`)"
    return text + "."


def signature(setup: dict[str, Any]) -> str:
    return "gen:" + hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:32]


def generate(seed: int) -> dict[str, Any] | None:
    """One question in the bank's file format, deterministic for `seed` (None if no base cases).
    The scenario is drawn first, then a base case of it, then a mutation that applies to it."""
    by_scenario = bases_by_scenario()
    if not by_scenario:
        return None
    rng = random.Random(seed)
    b = rng.choice(by_scenario[rng.choice(sorted(by_scenario))])
    order = list(MUTATIONS)
    rng.shuffle(order)
    for mutation in order:
        made = MUTATORS[mutation](b, rng)
        if made is not None:
            break
    else:  # pragma: no cover - "unchanged" and "add-deny" apply to every base
        return None
    setup, change = made
    task = "2.2" if setup.get("encryption_context") and not b.is_service else "2.1"
    return {
        "slug": signature(setup)[4:],
        "type": "predict",
        "objective": OBJECTIVES[mutation],
        "domain": 2,
        "task": task,
        "difficulty": "hard" if mutation in ("add-condition", "aws-s3") else "medium",
        "topics": ["generated", mutation],
        "prompt": (f"Variant of the scenario **{b.title}**. {change}\n\n{describe_request(b, setup)} "
                   "Predict the decision, and which statement(s) decide it."),
        "options": [],
        "answer": [],
        "explanation": f"Generated from the scenario's reference solution (mutation: {mutation}). "
                       f"Try [the scenario itself](/scenarios/{b.scenario}/).",
        "links": [{"url": f"/scenarios/{b.scenario}/", "title": f"Scenario: {b.title}"},
                  {"url": b.lesson or "/lesson/big-idea/", "title": "Lesson"},
                  {"url": "https://docs.aws.amazon.com/kms/latest/developerguide/determining-access.html",
                   "title": "AWS KMS: Determining access to a KMS key"}],
        "practice": {"scenario": b.scenario},
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
