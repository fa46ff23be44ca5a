"""Benchmarks of the /aws endpoint: server time per KMS call, and MB/s of a 20 MB `aws s3 cp` each way.

The KMS round is one signed GenerateDataKey through Django's test client (signature check, the
learner's world built from their saved documents, the engine's decision, the call logged); the
request is signed in the untimed setup. The `s3 cp` rounds run the real CLI against a live server
(multipart upload in 8 MiB parts, then a ranged download); MB/s is in extra_info. Under
`make test` (--benchmark-disable) each runs once, untimed. Nothing here asserts speed.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.credentials import Credentials
from django.core.management import call_command

from kmslab.endpoint import credentials
from scenarios import progress
from scenarios.models import Scenario
from tests.endpoint.conftest import Learner
from tests.endpoint.test_cli_s3 import KEY_ARN, solution
from tests.endpoint.test_wire import kms

SIZE = 20 * 1024 * 1024


def test_bench_endpoint_kms_generate_data_key(benchmark: Any, db: None) -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")
    progress.record_attempt("anon:bench", scenario, dict(scenario.spec().solution), None)
    lab = credentials.lab_for("anon:bench", scenario)
    bob = next(p for p in credentials.profiles(lab, scenario.spec()) if p.principal == "bob")
    creds = Credentials(bob.access_key_id, bob.secret)
    body = json.dumps({"KeyId": KEY_ARN, "KeySpec": "AES_256"}).encode()

    def run() -> None:
        resp = kms("GenerateDataKey", body, creds)
        assert resp.status_code == 200, resp.content

    benchmark(run)


@pytest.mark.django_db(transaction=True)
def test_bench_endpoint_s3_cp_20_mb(benchmark: Any, live_server: Any, tmp_path: Path) -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    me = Learner(live_server.url, tmp_path, "s3-cross-account-upload")
    docs = solution(("kms:Decrypt",))
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    (tmp_path / "big.bin").write_bytes(os.urandom(SIZE))
    timings: dict[str, float] = {}

    def run() -> None:
        t0 = time.perf_counter()
        me.aws("kmslab-bob", "s3", "cp", "big.bin", "s3://account-a-reports/big.bin", "--sse", "aws:kms",
               "--sse-kms-key-id", KEY_ARN, check=True)
        t1 = time.perf_counter()
        me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/big.bin", "back.bin", check=True)
        t2 = time.perf_counter()
        timings["upload_MB_per_s"] = SIZE / 1e6 / (t1 - t0)
        timings["download_MB_per_s"] = SIZE / 1e6 / (t2 - t1)

    benchmark.pedantic(run, rounds=2, iterations=1)
    benchmark.extra_info.update({k: round(v, 1) for k, v in timings.items()})
    assert (tmp_path / "back.bin").stat().st_size == SIZE
