"""Runner time per simulate: a fresh world, every step, explanations, fixes, objectives.

Targets on the 2-core machine: <= 15 ms per run for the S3 scenario, <= 25 ms for EBS (the
simulate endpoint adds the view on top). Run with `make bench`; under `make test` each runs once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kmslab.lab.load import load_spec
from kmslab.lab.result import RunResult
from kmslab.lab.run import reference_result, run_scenario

DATA = Path(__file__).resolve().parents[2] / "scenarios" / "data"
S3 = load_spec(DATA / "01-s3-cross-account-upload.toml")
EBS = load_spec(DATA / "02-ebs-snapshot-sharing.toml")

# A learner half-way: the key policy is done, bob's IAM policy is not (fix + explanation path).
S3_HALF = {"key_policy": S3.solution["key_policy"]}
EBS_HALF = {"key_policy": EBS.solution["key_policy"]}

CASES = [
    ("s3-half-done", S3, S3_HALF, "failure"),
    ("s3-solved", S3, dict(S3.solution), "success"),
    ("ebs-half-done", EBS, EBS_HALF, "failure"),
    ("ebs-solved", EBS, dict(EBS.solution), "success"),
]


@pytest.mark.parametrize(("spec", "docs", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bench_run_scenario(benchmark: Callable[..., RunResult], spec: object, docs: dict[str, str], outcome: str) -> None:
    reference_result(spec)  # type: ignore[arg-type]  # cached once per spec, as in the server
    result = benchmark(run_scenario, spec, docs)
    assert result.outcome == outcome
