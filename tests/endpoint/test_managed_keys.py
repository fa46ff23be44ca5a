"""A KMS call that names one of the scenario's customer managed keys is decided in a world built
without the AWS managed keys (their policies are most of a call's server time); it must be
decided exactly as in the full world: the same verdict, gates, deciding statements, error and
response, for every shipped scenario, operation, way of naming the key and caller."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from kmslab.endpoint import credentials, kms_api
from kmslab.endpoint.models import GrantRow
from kmslab.endpoint.lab import _ONE_KEY_OPERATIONS, needs_managed_keys, open_world
from kmslab.kms.managed import MANAGED_ALIASES
from scenarios import progress
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db
RANDOM = {"CiphertextBlob", "Plaintext", "GrantId", "GrantToken"}  # fresh on every call, in AWS too


def params_for(op: str, key_id: str, grantee: str) -> dict[str, object]:
    p: dict[str, object] = {"KeyId": key_id}
    if op == "Encrypt":
        p["Plaintext"] = b"invoice 42"
    elif op.startswith("GenerateDataKey"):
        p["KeySpec"] = "AES_256"
    elif op == "CreateGrant":
        p |= {"GranteePrincipal": grantee, "Operations": ["Decrypt"]}
    elif op in ("GetKeyPolicy", "PutKeyPolicy"):
        p["PolicyName"] = "default"
    elif op in ("RetireGrant", "RevokeGrant"):
        p["GrantId"] = "0" * 64
    elif op == "ScheduleKeyDeletion":
        p["PendingWindowInDays"] = 7
    return p


def scrub(value: object) -> object:
    """The value without the fields drawn at random (at any depth: ListGrants lists GrantIds)."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in RANDOM}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def outcome(traced: Any) -> tuple[object, ...]:
    d = traced.record.decision
    decided = None if d is None else (d.verdict, d.reason, d.rule, tuple((g.gate, g.account, g.verdict, g.counted) for g in d.gates),
                                      tuple((r.policy_name, r.statement.index) for r in d.determining))
    response = scrub(traced.response or {})
    error = (traced.error.code, traced.error.message) if traced.error else None
    return decided, error, response, traced.record.error_code


def cases() -> list[tuple[str, str, str, str]]:
    call_command("loadscenarios", stdout=io.StringIO())
    out = []
    for scenario in Scenario.objects.order_by("slug"):
        spec = scenario.spec()
        for k in spec.keys:
            if k.managed:
                continue
            names = [k.arn, k.key_id] + ([k.alias, f"arn:aws:kms:{spec.region}:{k.account}:{k.alias}"] if k.alias else [])
            callers = [p.name for p in spec.principals if p.type in ("user", "root", "role")]
            # every operation and caller with the key ARN; the other ways of naming it with two
            for op in sorted(_ONE_KEY_OPERATIONS):
                out += [(scenario.slug, op, name, c) for name in names
                        for c in callers if name == k.arn or op in ("DescribeKey", "GenerateDataKey")]
    return out


def test_managed_keys_left_out_only_when_no_managed_key_can_be_touched() -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    spec = Scenario.objects.get(slug="s3-cross-account-upload").spec()
    arn = next(k.arn for k in spec.keys if not k.managed)
    assert not needs_managed_keys(spec, "GenerateDataKey", {"KeyId": arn})
    for op, params in [("GenerateDataKey", {"KeyId": "alias/aws/s3"}), ("DescribeKey", {"KeyId": "alias/aws/ebs"}),
                       ("Decrypt", {"KeyId": arn}), ("ReEncrypt", {"DestinationKeyId": arn}), ("ListAliases", {}),
                       ("Encrypt", {"KeyId": arn, "GrantTokens": ["t"]}), ("RetireGrant", {"KeyId": arn, "GrantToken": "t"}),
                       ("Encrypt", {"KeyId": 7}), ("Encrypt", {}), ("DescribeKey", {"KeyId": "ffffffff-0000-0000-0000-000000000000"})]:
        assert needs_managed_keys(spec, op, params), (op, params)


def test_managed_keys_left_out_decide_every_customer_key_call_identically() -> None:
    checked = 0
    by_slug: dict[str, tuple[Any, Any]] = {}
    worlds: dict[str, tuple[Any, Any]] = {}
    for slug, op, name, principal in cases():
        if slug not in by_slug:
            scenario = Scenario.objects.get(slug=slug)
            key = f"anon:managed-{slug}"
            progress.record_attempt(key, scenario, dict(scenario.spec().starting_documents()), None)
            lab = credentials.lab_for(key, scenario)
            s = scenario.spec()
            customer = next(k for k in s.keys if not k.managed)
            grantee_arn = next(p.arn for p in s.principals if p.type in ("user", "role"))
            for arn in (customer.arn, "arn:aws:kms:us-east-1:111111111111:key/ffffffff-0000-4000-8000-000000000000"):
                GrantRow.objects.create(lab=lab, grant_id=f"g-{arn[-4:]}", key_arn=arn, data={
                    "grantee": grantee_arn, "operations": ["Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey"],
                    "retiring": "", "name": "", "issuing_account": customer.account, "token": f"t-{arn[-4:]}", "constraints": None})
            by_slug[slug] = (scenario, lab)
        scenario, lab = by_slug[slug]
        spec = scenario.spec()
        grantee = next(p.arn for p in spec.principals if p.type in ("user", "role"))
        params = params_for(op, name, grantee)
        assert not needs_managed_keys(spec, op, params)
        if slug not in worlds:  # one pair per scenario: the same calls in the same order (state carries over)
            worlds[slug] = (open_world(lab, scenario, managed_keys=True), open_world(lab, scenario, managed_keys=False))
            for lw, managed in zip(worlds[slug], (True, False)):
                assert any((acct, m) in lw.world.aliases for acct in lw.world.accounts for m in MANAGED_ALIASES) is managed
        got = [outcome(kms_api.call(lw.world, lw.caller_for(principal), op, dict(params))) for lw in worlds[slug]]
        assert got[0] == got[1], (slug, op, name, principal)
        checked += 1
    assert checked > 150
