"""Benchmark: the simulate endpoint's server time (htmx partial) for the S3 and EBS scenarios.

Targets (issue 5, on the 2-core box): median <= 15 ms for `s3-cross-account-upload`, <= 25 ms
for `ebs-snapshot-sharing`. Each round is one POST through Django's test client: CSRF, session,
the run (lint, fresh simulated world, every step, objectives), saving the attempt, rendering.
Each round sends a new text for one document (trailing blank lines, as a learner typing in one
editor), so its lint is never a cache hit; the untouched document's lint is, as in real use.
Under `make test` (--benchmark-disable) each runs once, untimed."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.test import Client

from scenarios.loader import load_scenarios
from scenarios.models import Scenario

CASES = [("s3-cross-account-upload", "starting"), ("s3-cross-account-upload", "solution"),
         ("ebs-snapshot-sharing", "starting"), ("ebs-snapshot-sharing", "solution")]


@pytest.mark.parametrize(("slug", "documents"), CASES, ids=[f"{s}-{d}" for s, d in CASES])
def test_bench_simulate_endpoint(benchmark: Any, db: None, slug: str, documents: str) -> None:
    load_scenarios()
    spec = Scenario.objects.get(slug=slug).spec()
    data = spec.starting_documents() | (dict(spec.solution) if documents == "solution" else {})
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/scenarios/{slug}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    headers = {"HX-Request": "true", "X-CSRFToken": token.group(1)}
    url = f"/scenarios/{slug}/simulate/"
    client.post(url, data, headers=headers)  # warm caches (reference run, parsed read-only docs)
    edited = spec.editable[-1].name
    rounds = itertools.count(1)

    def keystroke() -> Any:
        return client.post(url, data | {edited: data[edited] + "\n" * next(rounds)}, headers=headers)

    response = benchmark(keystroke)
    assert response.status_code == 200
    expected = "success" if documents == "solution" else "failure"
    assert f'data-outcome="{expected}"' in response.content.decode()


@pytest.mark.parametrize("slug", ["s3-cross-account-upload", "ebs-snapshot-sharing"])
def test_bench_scenario_page(benchmark: Any, db: None, slug: str) -> None:
    """The full scenario page (GET): it should cost no more than a simulate keystroke (the
    statement builder's rendering is cached per spec; the rest is the run and the page)."""
    load_scenarios()
    client = Client()
    url = f"/scenarios/{slug}/"
    client.get(url)  # warm caches (reference run, the builder's rendering)
    response = benchmark(client.get, url)
    assert response.status_code == 200 and 'id="statement-builder"' in response.content.decode()
