"""Generated questions: the answer key is the engine's decision; options are distinct; no repeats."""

from __future__ import annotations

import json

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
    ip = parse_policy(json.dumps(setup["identity_policy"]), PolicyKind.IDENTITY).policy
    return authorize_kms(setup["caller"], setup["action"], setup["key_arn"], key_policy=kp, identity_policies=(ip,),
                         context=setup.get("context"), encryption_context=setup.get("encryption_context"))


def test_base_cases_come_from_several_scenarios_and_are_allowed():
    bases = generator.base_cases()
    assert len({b.scenario for b in bases}) >= 5
    for b in bases:
        setup = {"key_policy": json.loads(b.key_policy), "identity_policy": json.loads(b.identity_policy),
                 "caller": b.caller, "action": b.action, "key_arn": b.key_arn,
                 "context": {"kms:ViaService": b.via_service} if b.via_service else {}}
        assert _engine_decision(setup).allowed, (b.scenario, b.caller, b.action)


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


def test_every_mutation_is_generated_and_verdicts_vary():
    qs = [generator.generate(s) for s in range(300)]
    assert {q["topics"][1] for q in qs} == set(generator.MUTATIONS)
    assert {engine.predict_key(q["setup"]).verdict for q in qs} == {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


@pytest.mark.parametrize(("mutation", "verdicts"), [
    ("none", {"Allowed"}),
    ("drop-iam-statement", {"ImplicitlyDenied", "Allowed"}),
    ("other-account", {"ImplicitlyDenied", "Allowed"}),
], ids=["unchanged-is-allowed", "drop-iam", "other-account"])
def test_mutation_outcomes_are_plausible(mutation, verdicts):
    found = {engine.predict_key(q["setup"]).verdict for q in (generator.generate(s) for s in range(300))
             if q["topics"][1] == mutation}
    assert found and found <= verdicts


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
