"""Objectives read the learner's parsed documents and the engine's step results."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kmslab.iam.decision import Caller, Decision, DenyReason, Gate, Request, StatementResult, Verdict
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import PolicyKind
from kmslab.kms.calls import CallRecord
from kmslab.lab.lint import lint_documents
from kmslab.lab.load import load_spec, spec_from_dict
from kmslab.lab.objectives import (
    Context,
    UsedActions,
    canonical_statements,
    check_objectives,
    objectives_for,
    used_actions,
)
from kmslab.lab.result import Located, Outcome, StepResult
from kmslab.lab.spec import Expect, ScenarioSpec
from tests.lab.builders import KEY_ARN, SHIPPED, make_scenario

BOB = "arn:aws:iam::111111111111:user/bob"


def spec_with(**kw: Any) -> ScenarioSpec:
    return spec_from_dict(make_scenario(**kw))


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


ROOT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"}
B_ENCRYPT = {"Sid": "B", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
             "Action": "kms:Encrypt", "Resource": "*"}
IAM_ENCRYPT = {"Effect": "Allow", "Action": "kms:Encrypt", "Resource": KEY_ARN}

USED = UsedActions(by_caller={BOB: frozenset({"kms:encrypt"})}, on_resource={KEY_ARN: frozenset({"kms:encrypt"})})


def step(outcome: str = "success", expect: str = "success", deciding: tuple[Located, ...] = (),
         calls: tuple[CallRecord, ...] = (), index: int = 1) -> StepResult:
    return StepResult(index, "t", "bob", "kms", "Encrypt", Expect(expect), Outcome(outcome),
                      calls=calls, deciding=deciding, error_code="" if outcome == "success" else "AccessDeniedException")


def decision(action: str, resource: str) -> Decision:
    request = Request(Caller(BOB, "111111111111", "user", "bob"), action, resource, "222222222222", {})
    return Decision(request, Verdict.ALLOWED, (), (), DenyReason.NONE, "")


def check(spec: ScenarioSpec, docs: dict[str, str], steps: tuple[StepResult, ...] = (), used: UsedActions = USED) -> dict[str, tuple[bool, str]]:
    linted = lint_documents(spec, docs)
    start = lint_documents(spec, spec.starting_documents())
    starting = {d.name: frozenset(canonical_statements(start[d.name].data)) for d in spec.editable}
    results = check_objectives(Context(spec, linted, steps or (step(),), used, starting))
    return {r.id: (r.met, r.detail) for r in results}


GOOD = {"key_policy": policy(ROOT, B_ENCRYPT), "iam_policy": policy(IAM_ENCRYPT)}


def test_least_privilege_documents_meet_every_standard_objective() -> None:
    result = check(spec_with(), GOOD)
    assert all(met for met, _ in result.values()), result


CASES = [
    ("kms-star-added", {"key_policy": policy(ROOT, {**B_ENCRYPT, "Action": "kms:*"})}, "no-kms-star", "allows `kms:*`"),
    ("star-in-iam", {"iam_policy": policy({**IAM_ENCRYPT, "Action": "*"})}, "no-kms-star", "allows `*`"),
    ("public-principal", {"key_policy": policy(ROOT, {**B_ENCRYPT, "Principal": {"AWS": "*"}})}, "no-public-principal", "every principal"),
    ("public-bare-star", {"key_policy": policy(ROOT, {**B_ENCRYPT, "Principal": "*"})}, "no-public-principal", "every principal"),
    ("alias-resource", {"iam_policy": policy({**IAM_ENCRYPT, "Resource": "arn:aws:kms:us-east-1:222222222222:alias/k"})}, "exact-key-arn", "not a key ARN"),
    ("star-resource", {"iam_policy": policy({**IAM_ENCRYPT, "Resource": "*"})}, "exact-key-arn", "names `*`"),
    ("unused-action", {"iam_policy": policy({**IAM_ENCRYPT, "Action": ["kms:Encrypt", "kms:Decrypt"]})}, "needed-actions", "`kms:Decrypt`"),
    ("unused-in-key-policy", {"key_policy": policy(ROOT, {**B_ENCRYPT, "Action": ["kms:Encrypt", "kms:ReEncrypt*"]})}, "needed-actions", "`kms:ReEncrypt*`"),
]


@pytest.mark.parametrize(("docs", "objective", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_objective_not_met_names_the_offending_statement(docs: dict[str, str], objective: str, detail: str) -> None:
    result = check(spec_with(), {**GOOD, **docs})
    met, text = result[objective]
    assert not met
    assert detail in text


def test_conditioned_public_principal_is_accepted() -> None:
    conditioned = {**B_ENCRYPT, "Principal": {"AWS": "*"},
                   "Condition": {"StringEquals": {"kms:CallerAccount": "111111111111"}}}
    assert check(spec_with(), {**GOOD, "key_policy": policy(ROOT, conditioned)})["no-public-principal"][0]


def test_starting_kms_star_root_statement_is_not_blamed() -> None:
    # the key owner's root statement (kms:*) was there at the start: not the learner's doing
    assert check(spec_with(), GOOD)["no-kms-star"] == (True, "no wildcard-all actions added")


def test_wildcard_action_that_covers_a_used_action_is_needed() -> None:
    docs = {**GOOD, "iam_policy": policy({**IAM_ENCRYPT, "Action": "kms:Encr*"})}
    assert check(spec_with(), docs)["needed-actions"][0]


def test_describe_key_is_tolerated_as_in_aws_examples() -> None:
    docs = {**GOOD, "iam_policy": policy({**IAM_ENCRYPT, "Action": ["kms:Encrypt", "kms:DescribeKey"]})}
    assert check(spec_with(), docs)["needed-actions"][0]


def test_steps_objective_reports_first_unexpected_step() -> None:
    steps = (step(), step("failure", index=2), step("skipped", index=3))
    met, detail = check(spec_with(), GOOD, steps)["steps"]
    assert not met and detail == "step 2 failed with AccessDeniedException"


def test_step_that_succeeds_but_must_fail_is_reported() -> None:
    met, detail = check(spec_with(), GOOD, (step("success", expect="failure"),))["steps"]
    assert not met and "succeeded but must fail" in detail


def test_used_actions_ignore_steps_meant_to_fail_and_use_authorized_actions() -> None:
    reencrypt = CallRecord("kms", "ReEncrypt", BOB, KEY_ARN, decisions=(
        decision("kms:ReEncryptFrom", KEY_ARN), decision("kms:ReEncryptTo", "arn:other")))
    direct = CallRecord("kms", "GenerateDataKey", BOB, KEY_ARN, decisions=(decision("kms:GenerateDataKey", KEY_ARN),))
    used = used_actions((step(calls=(reencrypt,)), step("failure", expect="failure", calls=(direct,))))
    assert used.by_caller[BOB] == {"kms:reencryptfrom", "kms:reencryptto"}
    assert used.on_resource[KEY_ARN] == {"kms:reencryptfrom"}


GUARD = next(p for p in SHIPPED if "guardrail" in p.name)


def _deny_ref(label: str = "DenyUseOutsideS3", document: str = "key_policy") -> Located:
    parsed = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": label, "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}]}), PolicyKind.KEY_POLICY)
    assert parsed.policy is not None
    return Located(StatementResult(Gate.KEY_POLICY, "Key policy", parsed.policy.statements[0], True, ()), document)


def test_explicit_deny_effective_met_when_the_deny_decides_the_step() -> None:
    spec = load_spec(GUARD)
    steps = (step(), step("failure", expect="failure", deciding=(_deny_ref(),), index=2))
    met, detail = check(spec, dict(spec.solution), steps)["guardrail-kept"]
    assert met and "DenyUseOutsideS3" in detail


def test_explicit_deny_effective_unmet_when_the_deny_is_removed() -> None:
    spec = load_spec(GUARD)
    without = json.loads(spec.solution["key_policy"])
    without["Statement"] = [s for s in without["Statement"] if s.get("Sid") != "DenyUseOutsideS3"]
    steps = (step(), step("success", expect="failure", index=2))
    met, detail = check(spec, {**spec.solution, "key_policy": json.dumps(without)}, steps)["guardrail-kept"]
    assert not met and "no longer in" in detail


def test_explicit_deny_effective_unmet_when_the_step_fails_for_another_reason() -> None:
    spec = load_spec(GUARD)
    steps = (step(), step("failure", expect="failure", index=2))
    met, detail = check(spec, dict(spec.solution), steps)["guardrail-kept"]
    assert not met and "not because of the explicit Deny" in detail


CLOUDTRAIL = next(p for p in SHIPPED if "cloudtrail" in p.name)


def test_service_principal_without_condition_is_not_met() -> None:
    spec = load_spec(CLOUDTRAIL)
    loose = json.loads(spec.solution["key_policy"])
    del loose["Statement"][1]["Condition"]
    result = check(spec, {"key_policy": json.dumps(loose)})
    assert not result["service-principal-conditioned"][0]
    assert check(spec, dict(spec.solution))["service-principal-conditioned"][0]


GRANTS = next(p for p in SHIPPED if "grants" in p.name)


def test_grant_constraint_objective_reads_the_grant_request() -> None:
    spec = load_spec(GRANTS)
    assert check(spec, dict(spec.solution))["grant-constrained"][0]
    assert not check(spec, {})["grant-constrained"][0]


def test_standard_objectives_only_where_they_apply() -> None:
    kinds = [o.kind for o in objectives_for(load_spec(GRANTS))]
    assert "exact-key-arn" not in kinds and "no-public-principal" not in kinds
    assert kinds[0] == "steps" and "grant-constrained" in kinds


def test_adding_the_owner_root_statement_is_not_a_kms_star_violation() -> None:
    d = make_scenario()
    d["documents"][0]["text"] = policy(B_ENCRYPT)  # starts without the root statement
    spec = spec_from_dict(d)
    result = check(spec, {**GOOD, "key_policy": policy(ROOT, B_ENCRYPT)})
    assert result["no-kms-star"][0] and result["needed-actions"][0]
    other_root = {**ROOT, "Principal": {"AWS": "arn:aws:iam::111111111111:root"}}
    assert not check(spec, {**GOOD, "key_policy": policy(other_root, B_ENCRYPT)})["no-kms-star"][0]
