"""Benchmarks: the JSON Lines CLI's per-request cost over generated cross-account requests
(tests/bench/gen_requests.py): every round decides the same 200 lines, each parsing its own
documents afresh. `make bench` also times the whole process over 20,000 lines (cli_bench.py).
Figures are reported, never asserted."""

from __future__ import annotations

import json
import random

import pytest

from kmslab.kms.cli import decide_line
from tests.bench.gen_requests import make_request

LINES = 200


@pytest.fixture(scope="module")
def lines() -> list[str]:
    rng = random.Random(20_000)
    return [json.dumps(make_request(rng, n)) for n in range(LINES)]


def test_generated_requests_are_decided_with_every_verdict(lines) -> None:
    verdicts = {decide_line(line)["decision"] for line in lines}
    assert verdicts == {"Allowed", "ImplicitlyDenied", "ExplicitlyDenied"}


def test_bench_cli_200_generated_requests(benchmark, lines) -> None:
    out = benchmark(lambda: [decide_line(line) for line in lines])
    assert len(out) == LINES and not any(o["decision"] == "Error" for o in out)
