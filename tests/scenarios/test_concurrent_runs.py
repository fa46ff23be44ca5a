"""Overlapping simulate requests (htmx cancels and re-sends while a learner types) through a real,
threaded server: each gets its answer and the saved documents are one of the posted versions."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from scenarios.loader import load_scenarios
from scenarios.models import Progress, Scenario

pytestmark = pytest.mark.django_db(transaction=True)


def test_overlapping_simulate_requests_all_succeed(live_server: Any) -> None:
    load_scenarios()
    spec = Scenario.objects.get(slug="ebs-snapshot-sharing").spec()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{live_server.url}/scenarios/ebs-snapshot-sharing/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    edited = spec.editable[-1].name

    def post(n: int) -> int:
        data = spec.starting_documents() | {edited: spec.starting_documents()[edited] + "\n" * n}
        request = urllib.request.Request(
            f"{live_server.url}/scenarios/ebs-snapshot-sharing/simulate/", data=urllib.parse.urlencode(data).encode(),
            headers={"HX-Request": "true", "X-CSRFToken": token.group(1), "Referer": live_server.url + "/"})
        with opener.open(request, timeout=60) as response:
            return int(response.status)

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(post, range(1, 13)))
    assert statuses == [200] * 12
    saved = Progress.objects.get(scenario__slug="ebs-snapshot-sharing").documents[edited]
    assert saved.rstrip("\n") == spec.starting_documents()[edited].rstrip("\n")


def test_parallel_attempts_of_one_learner_are_all_counted() -> None:
    """record_attempt's upsert adds to the stored count, never to a count read earlier: twelve
    attempts in four threads (each its own connection) leave twelve, on SQLite and PostgreSQL."""
    from django.db import connection

    from scenarios import progress
    from scenarios.models import Attempt
    from tests.scenarios.test_progress import make_result

    load_scenarios()
    scenario = Scenario.objects.get(slug="s3-cross-account-upload")

    def one(i: int) -> None:
        try:
            progress.record_attempt("anon:parallel", scenario, {"key_policy": f"v{i}"}, make_result())
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(12)))
    assert Progress.objects.get(learner_key="anon:parallel").attempts == 12
    assert Attempt.objects.filter(learner_key="anon:parallel").count() == 12
