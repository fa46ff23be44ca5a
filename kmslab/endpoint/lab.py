"""One learner's lab world for one request: the scenario, their CURRENT documents, their state.

Responsible for building the simulated world exactly as the simulator does (the scenario's
build step, from the documents last saved in the editor), then laying the learner's persisted
state over it: derived key material (so yesterday's ciphertext decrypts today), key states,
grants, a key policy changed by PutKeyPolicy; and for saving what a call changed back to the
database. The world decides every call through the one engine; nothing here decides access.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from kmslab.endpoint.credentials import derive
from kmslab.endpoint.models import GrantRow, KeyState, Lab
from kmslab.iam.arn import key_arn
from kmslab.iam.policy import PolicyKind
from kmslab.kms.grants import Grant, GrantConstraints
from kmslab.kms.keys import KeyState as State
from kmslab.kms.keys import KmsKey
from kmslab.kms.managed import MANAGED_ALIASES
from kmslab.aws.s3 import S3Service
from kmslab.aws.world import World
from kmslab.kms.world import parse_or_raise
from kmslab.lab.build import Lab as BuiltLab
from kmslab.lab.build import build_world
from kmslab.lab.lint import lint_documents, spec_fingerprint
from kmslab.lab.spec import ScenarioSpec
from scenarios import progress
from scenarios.models import Scenario


class DocumentsInvalid(Exception):
    """The learner's saved documents have errors, so no world can be built from them."""


@dataclass
class LabWorld:
    lab: Lab
    scenario: Scenario
    spec: ScenarioSpec
    world: World
    callers: dict[str, str]  # principal name -> caller ARN
    documents: dict[str, str]
    built: BuiltLab  # the pipeline's lab the world was built in (its document index and texts, for fixes)
    _states: dict[str, tuple[str, datetime | None, int | None, str]] = field(default_factory=dict)
    _grants: set[str] = field(default_factory=set)

    def caller_for(self, principal: str, session: str = "") -> str:
        p = self.spec.principal(principal)
        if p is not None and p.type == "role" and session:
            return self.world.assume_role(p.arn, session)
        return self.callers[principal]


def _material(lab: Lab, arn: str) -> bytes:
    return derive("key-material", str(lab.pk), str(lab.generation), arn)


def _managed_key_id(lab: Lab, account: str, alias: str) -> str:
    return str(uuid.UUID(bytes=derive("managed-key-id", str(lab.pk), str(lab.generation), account, alias)[:16], version=4))


# KMS operations whose KeyId names the one key they touch (grant tokens aside): Decrypt and
# ReEncrypt also touch the key their ciphertext names, ListAliases lists every key.
_ONE_KEY_OPERATIONS = frozenset({
    "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "CreateGrant", "ListGrants",
    "RetireGrant", "RevokeGrant", "GetKeyPolicy", "PutKeyPolicy", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
    "CancelKeyDeletion",
})


def needs_managed_keys(spec: ScenarioSpec, operation: str, params: Mapping[str, object]) -> bool:
    """Whether a KMS call may touch an AWS managed key (or a grant on one), so the world must have
    them. False only when it provably cannot: an operation on the one key its KeyId names, that
    being one of the scenario's customer managed keys (by key ARN, key id, alias name or alias
    ARN), with no grant token (a token is checked against every grant). S3 and EC2 calls, Decrypt,
    ReEncrypt, ListAliases, anything else: True. Building the managed keys parses their policies,
    most of a KMS call's server time; a world without them decides such a call identically."""
    if operation not in _ONE_KEY_OPERATIONS or "GrantTokens" in params or "GrantToken" in params:
        return True
    key_id = params.get("KeyId")
    return not (isinstance(key_id, str) and key_id in _customer_key_names(spec))


def _customer_key_names(spec: ScenarioSpec) -> frozenset[str]:
    names: set[str] = set()
    for k in spec.keys:
        if not k.managed:
            names |= {k.arn, k.key_id}
            if k.alias:
                names |= {k.alias, f"arn:aws:kms:{spec.region}:{k.account}:{k.alias}"}
    return frozenset(names)


def open_world(lab: Lab, scenario: Scenario, *, managed_keys: bool = True) -> LabWorld:
    """The learner's world. `managed_keys=False` (a call `needs_managed_keys` clears) leaves out
    the AWS managed keys and the grants on them."""
    spec = scenario.spec()
    documents = progress.current_documents(lab.learner_key, scenario)
    linted = lint_documents(spec, documents, fingerprint=spec_fingerprint(spec))
    broken = [name for name, d in linted.items() if not d.ok]
    if broken:
        raise DocumentsInvalid(
            f"your saved document `{broken[0]}` has errors, so the lab cannot decide calls: fix it in the "
            "scenario's editor and save (Run) first")
    run = build_world(spec, linted, stable_ids=False)  # ids it stores must not repeat
    w = run.world
    # SIMULATION: the AWS managed keys (aws/s3, aws/ebs) of every account of the scenario exist
    # from the start here, with ids derived per learner, so what they encrypted decrypts later.
    for acct in list(w.accounts) if managed_keys else ():
        for alias in MANAGED_ALIASES:
            if (acct, alias) not in w.aliases:
                key = w.managed_key(acct, alias)
                _refile(w, key, _managed_key_id(lab, acct, alias))
                w.add_alias(acct, alias, key)
    for key in w.keys.values():
        key.material = _material(lab, key.arn)
    # S3's own SSE-S3 key, derived per learner (the world draws a random one)
    w.s3 = S3Service(w, w.kms, buckets=w.s3.buckets, sse_s3_key=derive("sse-s3", str(lab.pk), str(lab.generation)))
    lw = LabWorld(lab, scenario, spec, w, dict(run.callers), documents, run)
    for row in KeyState.objects.filter(lab=lab):
        key = w.keys.get(row.key_arn)
        if key is None:
            continue
        key.state = State(row.state)
        key.deletion_date = row.deletion_date
        key.pending_window_days = row.pending_window_days
        if row.policy_text:
            key.policy = parse_or_raise(row.policy_text, PolicyKind.KEY_POLICY, f"Key policy of key {key.key_id}")
            key.policy_text = row.policy_text
    for g in GrantRow.objects.filter(lab=lab):
        grant = _grant_from(g.grant_id, g.key_arn, g.data)
        if grant.key_arn in w.keys:
            w.grants[grant.grant_id] = grant
    lw._states = {arn: _state_of(k) for arn, k in w.keys.items()}
    lw._grants = set(w.grants)
    return lw


def _refile(w: World, key: KmsKey, key_id: str) -> None:
    del w.keys[key.arn]
    key.key_id = key_id
    key.arn = key_arn(w.region, key.account, key_id, w.partition)
    w.keys[key.arn] = key


def _state_of(k: KmsKey) -> tuple[str, datetime | None, int | None, str]:
    return (k.state.value, k.deletion_date, k.pending_window_days, k.policy_text)


def _grant_from(grant_id: str, arn: str, d: dict[str, object]) -> Grant:
    def pairs(v: object) -> tuple[tuple[str, str], ...] | None:
        return tuple(sorted((str(a), str(b)) for a, b in v.items())) if isinstance(v, dict) else None

    c = d.get("constraints")
    constraints = None
    if isinstance(c, dict):
        constraints = GrantConstraints(pairs(c.get("equals")), pairs(c.get("subset")))
    ops = d.get("operations")
    return Grant(
        grant_id=grant_id, key_arn=arn, grantee_principal=str(d.get("grantee", "")),
        operations=tuple(str(o) for o in ops) if isinstance(ops, list) else (),
        constraints=constraints, retiring_principal=str(d.get("retiring", "")), name=str(d.get("name", "")),
        issuing_account=str(d.get("issuing_account", "")), grant_token=str(d.get("token", "")),
    )


def _grant_data(g: Grant) -> dict[str, object]:
    c = g.constraints
    return {
        "grantee": g.grantee_principal, "operations": list(g.operations), "retiring": g.retiring_principal,
        "name": g.name, "issuing_account": g.issuing_account, "token": g.grant_token,
        "constraints": None if c is None else {
            "equals": dict(c.encryption_context_equals) if c.encryption_context_equals is not None else None,
            "subset": dict(c.encryption_context_subset) if c.encryption_context_subset is not None else None,
        },
    }


def save_world(lw: LabWorld) -> None:
    """Persist what the call changed: key states, key policies, grants."""
    w = lw.world
    spec_policy = {k.arn: k.policy for k in lw.spec.keys if k.policy}
    editable = {d.name for d in lw.spec.editable}
    changed = [(arn, key) for arn, key in w.keys.items() if _state_of(key) != lw._states.get(arn)]
    if not changed and set(w.grants) == lw._grants:
        return  # most calls change nothing: no transaction, no query
    with transaction.atomic():
        for arn, key in changed:
            now = _state_of(key)
            before = lw._states.get(arn)
            doc = spec_policy.get(arn, "")
            policy_override = ""
            if before is not None and now[3] != before[3]:
                if doc in editable:
                    # PutKeyPolicy changes the learner's document: the editor shows it next time
                    progress.record_attempt(lw.lab.learner_key, lw.scenario, {doc: key.policy_text}, None)
                else:
                    policy_override = key.policy_text
            KeyState.objects.update_or_create(lab=lw.lab, key_arn=arn, defaults={
                "state": key.state.value, "deletion_date": key.deletion_date,
                "pending_window_days": key.pending_window_days,
                **({"policy_text": policy_override} if policy_override else {}),
            })
        gone = lw._grants - set(w.grants)
        if gone:
            GrantRow.objects.filter(lab=lw.lab, grant_id__in=gone).delete()
        for gid in set(w.grants) - lw._grants:
            g = w.grants[gid]
            GrantRow.objects.create(lab=lw.lab, grant_id=gid, key_arn=g.key_arn, data=_grant_data(g))
