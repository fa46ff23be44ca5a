"""Whole-process benchmark of the JSON Lines CLI (`make bench`): time `python -m kmslab.kms authorize`
deciding COUNT random cross-account requests (tests/bench/gen_requests.py, fixed seed), each with
its own key policy and identity policies, and print requests per second.

The requests are generated once into test-artifacts/ (generation is not timed). The figure is the
whole process: interpreter start, imports, reading, parsing, deciding, explaining and writing.
Prints wall time and the child's CPU time (on a shared machine the CPU time is the steadier one).
Nothing is asserted about speed; the run fails only if the CLI fails or answers a line with Error.

    python -m tests.bench.cli_bench [COUNT] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.gen_requests import main as generate

ROOT = Path(__file__).resolve().parents[2]


def requests_file(count: int) -> Path:
    path = ROOT / "test-artifacts" / f"bench-requests-{count}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as out:
            stdout, sys.stdout = sys.stdout, out
            try:
                generate([str(count)])
            finally:
                sys.stdout = stdout
        tmp.replace(path)
    return path


def run_once(path: Path) -> tuple[float, float, list[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with path.open("rb") as stdin:
        done = subprocess.run([sys.executable, "-m", "kmslab.kms", "authorize"], stdin=stdin,
                              capture_output=True, cwd=ROOT, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.decode("utf-8").splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="time the JSON Lines CLI over generated requests")
    parser.add_argument("count", nargs="?", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    path = requests_file(args.count)
    for _ in range(args.runs):
        wall, cpu, lines = run_once(path)
        verdicts: dict[str, int] = {}
        for line in lines:
            verdict = json.loads(line)["decision"]
            verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if len(lines) != args.count or "Error" in verdicts:
            print(f"cli bench: {len(lines)} answers for {args.count} requests: {verdicts}", file=sys.stderr)
            return 1
        print(f"cli bench: {args.count:,} requests in {wall:.2f} s wall ({args.count / wall:,.0f} requests/s, "
              f"{wall / args.count * 1e6:,.0f} us a request); CPU {cpu:.2f} s ({args.count / cpu:,.0f} requests/s, "
              f"{cpu / args.count * 1e6:,.0f} us a request); {verdicts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
