"""`make loadtest` and the HTTP part of `make bench`, end to end with tiny settings against one
gunicorn of this checkout on a fresh SQLite database (the tools' own start-up): each drives it,
prints its table and reports success. Nothing about speed is asserted."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))

import http_bench  # noqa: E402
import loadtest  # noqa: E402


def test_http_bench_and_loadtest_against_one_server(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(loadtest, "LEARNERS", 3)
    monkeypatch.setattr(loadtest, "DURATION", 6)
    monkeypatch.setattr(loadtest, "RAMP", 1)
    with loadtest.serve(workers=1, threads=2) as port:
        assert http_bench.measure(port, 25, "test") == 0
        bench = capsys.readouterr().out
        monkeypatch.setattr(loadtest, "STATS", loadtest.Stats())  # the load test's figures only
        assert loadtest.drive(port, "SQLite", "gthread") == 0
        load = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in bench.splitlines() if line.split()}
    assert rows["healthz"][3] == "1.00" and rows["healthz"][5] == "1.00", bench
    assert float(rows["simulate"][1]) > 0 and "scenario" in rows, bench
    assert "req/s" in load and "errors (5xx or no answer): 0" in load, load
    assert "last edit stored: " in load and "(lost" not in load and "simulate" in load, load
