"""Benchmarks: one generated question with its engine answer key, and scoring a predict answer.
No timing asserted (pytest-benchmark records it; `make bench` prints it)."""

from __future__ import annotations

import itertools

from kmslab.quiz import engine, generator, scoring


def test_bench_generate_and_key_one_question(benchmark):  # type: ignore[no-untyped-def]
    generator.base_cases()  # built once per process from the scenario files
    seeds = itertools.count()

    def run() -> str:
        q = generator.generate(next(seeds))
        assert q is not None
        return engine.predict_key(q["setup"]).verdict

    assert benchmark(run) in {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_bench_score_predict_answer(benchmark):  # type: ignore[no-untyped-def]
    q = generator.generate(3)
    assert q is not None
    key = engine.predict_key(q["setup"])
    answer = {"verdict": key.verdict, "statements": sorted(key.statements)}
    assert benchmark(scoring.is_correct, q, answer) is True
