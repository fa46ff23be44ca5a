"""Generated questions: the answer key is the engine's decision; options are distinct; no repeats."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from kmslab.iam.decision import Gate
from kmslab.iam.parse import parse_policy
from kmslab.iam.policy import PolicyKind
from kmslab.kms.authorize import authorize_kms
from kmslab.quiz import engine, generator, scoring

SEEDS = range(120)


def _engine_decision(setup):
    """Ask authorize_kms directly, as the simulator does, without going through the quiz adapter."""
    kp = parse_policy(json.dumps(setup["key_policy"]), PolicyKind.KEY_POLICY).policy
    identity = setup.get("identity_policy")
    ip = (parse_policy(json.dumps(identity), PolicyKind.IDENTITY).policy,) if identity else ()
    return authorize_kms(setup["caller"], setup["action"], setup["key_arn"], key_policy=kp, identity_policies=ip,
                         context=setup.get("context"), encryption_context=setup.get("encryption_context"))


def test_base_cases_come_from_several_scenarios_and_are_allowed():
    bases = generator.base_cases()
    assert len({b.scenario for b in bases}) >= 5
    for b in bases:
        kp, ip = generator._docs(b)
        assert _engine_decision(generator._request(b, kp, ip)).allowed, (b.scenario, b.caller, b.action)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_answer_equals_the_engines_decision(seed):
    q = generator.generate(seed)
    decision = _engine_decision(q["setup"])
    key = engine.predict_key(q["setup"])
    assert key.verdict == decision.verdict.value
    expected = {f"{'key_policy' if r.gate is Gate.KEY_POLICY else 'identity_policy'}:{r.statement.index}"
                for r in decision.determining} or {engine.NONE_CHOICE}
    assert key.statements == expected
    answer = {"verdict": key.verdict, "statements": sorted(key.statements)}
    assert scoring.is_correct(q, answer)
    for other, _ in engine.VERDICT_CHOICES:
        if other != key.verdict:
            assert not scoring.is_correct(q, {**answer, "verdict": other})


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_options_are_distinct_and_include_the_answer(seed):
    q = generator.generate(seed)
    choices = engine.statement_choices(q["setup"])
    ids, labels = [c[0] for c in choices], [c[1] for c in choices]
    assert len(set(ids)) == len(ids) and len(set(labels)) == len(labels)
    assert engine.predict_key(q["setup"]).statements <= set(ids)
    verdict_labels = [label for _, label in engine.VERDICT_CHOICES]
    assert len(set(verdict_labels)) == 3


def test_generated_question_passes_the_bank_checks():
    from kmslab.quiz.bank import check_question

    for seed in range(20):
        q = generator.generate(seed)
        check_question({k: v for k, v in q.items() if k not in ("options", "answer")}, "generated")


def test_generator_is_deterministic_per_seed():
    assert generator.generate(7) == generator.generate(7)


SWEEP = range(1000)


@pytest.fixture(scope="module")
def sweep():
    """1,000 generated questions with the engine's verdict for each."""
    out = []
    for seed in SWEEP:
        q = generator.generate(seed)
        out.append((q, engine.predict_key(q["setup"]).verdict))
    return out


def test_every_mutation_kind_can_produce_more_than_one_verdict(sweep):
    by_kind: dict[str, Counter] = {}
    for q, verdict in sweep:
        by_kind.setdefault(q["topics"][1], Counter())[verdict] += 1
    assert set(by_kind) == set(generator.MUTATIONS)
    for kind, verdicts in by_kind.items():
        assert len(verdicts) >= 2, (kind, verdicts)  # "unchanged" is not always Allowed, and so on
        assert max(verdicts.values()) <= 0.8 * sum(verdicts.values()), (kind, verdicts)


def test_no_verdict_is_more_than_half_of_the_generated_items(sweep):
    verdicts = Counter(v for _, v in sweep)
    assert set(verdicts) == {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}
    assert max(verdicts.values()) <= len(sweep) / 2, verdicts


def test_items_are_drawn_from_every_scenario_and_none_dominates(sweep):
    from scenarios.loader import scenario_files
    from scenarios.spec import load_spec

    shipped = {load_spec(p).slug for p in scenario_files()}
    drawn = Counter(q["practice"]["scenario"] for q, _ in sweep)
    assert set(drawn) == shipped  # CloudTrail (a service principal) included
    assert max(drawn.values()) <= 0.25 * len(sweep), drawn  # EBS was half of all items


def test_encryption_context_only_on_operations_that_take_one(sweep):
    for q, _ in sweep:
        setup = q["setup"]
        if setup.get("encryption_context"):
            assert setup["action"] in generator.EC_ACTIONS, q["prompt"]
        if setup["action"] not in generator.EC_ACTIONS:
            assert "encryption context" not in q["prompt"].split("\n\n")[1] or setup["caller"].endswith(".amazonaws.com"), q["prompt"]
            assert "with no encryption context" not in q["prompt"]


def test_service_routes_only_for_operations_the_service_calls(sweep):
    for q, _ in sweep:
        setup, prompt = q["setup"], q["prompt"].split("\n\n", 1)[1]  # the request (a title may say "through S3")
        via = (setup.get("context") or {}).get("kms:ViaService", "")
        if via.startswith("s3."):
            assert setup["action"] in {"kms:GenerateDataKey", "kms:Decrypt"}, prompt  # never CreateGrant "through S3"
            assert "aws:s3:arn" in setup["encryption_context"]
        if via.startswith("ec2."):
            assert setup["action"] in generator.VIA_ACTIONS["ec2"], prompt
        assert ("through S3" in prompt) == via.startswith("s3."), prompt
        assert ("through EC2" in prompt) == via.startswith("ec2."), prompt
        if setup["action"] == "kms:CreateGrant" and not setup["caller"].endswith(".amazonaws.com"):
            assert setup["context"]["kms:GrantIsForAWSResource"] == ("true" if via else "false")


def _kms_resources(doc):
    out = []
    for s in doc.get("Statement", []):
        if isinstance(s, dict) and generator._mentions_kms(s):
            r = s.get("Resource", [])
            out += [r] if isinstance(r, str) else r
    return out


def test_every_premise_is_true_of_the_documents_shown(sweep):
    for q, _ in sweep:
        setup, prompt, kind = q["setup"], q["prompt"], q["topics"][1]
        change, request = prompt.split("\n\n", 1)
        assert f"`{setup['caller']}`" in request and f"`{setup['action']}`" in request and f"`{setup['key_arn']}`" in request
        ec = setup.get("encryption_context")
        if ec:
            assert json.dumps(ec) in request
        elif setup["action"] in generator.EC_ACTIONS:
            assert "with no encryption context" in request
        if "alias ARN" in change:
            alias_arn = change.split("alias ARN `", 1)[1].split("`", 1)[0]
            resources = _kms_resources(setup["identity_policy"])
            assert alias_arn in resources, prompt  # "names the key by alias" and the policy shown does
            if "only by its alias" in change:
                assert setup["key_arn"] not in resources
        if kind == "drop-iam-statement":
            assert not _kms_resources(setup["identity_policy"]), prompt
        if "now names account" in change or "allows account" in change:
            other = change.split("account `")[-1].split("`", 1)[0]
            assert other in json.dumps(setup["key_policy"]), prompt
        if "was added to" in change and "condition `" in change:
            cond = json.loads(change.split("condition `", 1)[1].split("`", 1)[0])
            assert any(s.get("Condition", {}).get(op, {}).items() >= block.items()
                       for s in setup["key_policy"]["Statement"] for op, block in cond.items()), prompt
        if kind == "unchanged":
            assert setup["key_policy"] in [json.loads(b.key_policy) for b in generator.base_cases()]
        if kind == "aws-s3":
            assert any(st.get("Principal") == {"AWS": "*"} and "kms:ViaService" in json.dumps(st)
                       for st in setup["key_policy"]["Statement"])
        if "`kms:ViaService`" in change and "ec2" in change:
            assert "kms:ViaService" in json.dumps(setup["key_policy"])


def test_fresh_never_repeats_within_a_sitting():
    seen: set[str] = set()
    seed = 1
    for _ in range(60):
        found = generator.fresh(seed, seen)
        assert found is not None
        q, seed = found
        sig = generator.signature(q["setup"])
        assert sig not in seen
        seen.add(sig)


def _conditions(doc):
    return [(i, op, k, json.dumps(v, sort_keys=True)) for i, s in enumerate(doc["Statement"])
            for op, block in (s.get("Condition") or {}).items() for k, v in block.items()]


@pytest.mark.parametrize("mutation", ["add-condition", "add-deny", "drop-iam-statement", "other-account"])
def test_mutations_that_add_keep_everything_that_was_there(mutation):
    """"A condition was added" must not silently replace a condition the solution had."""
    import random

    for b in generator.base_cases():
        for seed in range(8):
            made = generator.MUTATORS[mutation](b, random.Random(seed))
            if made is None:
                continue
            before = set(_conditions(json.loads(b.key_policy)))
            after = set(_conditions(made[0]["key_policy"]))
            if mutation != "other-account":
                assert before <= after, (b.scenario, mutation, made[1])
