"""`make bench` (last part): the simulate endpoint, the scenario page and `/healthz` timed side by
side through a real gunicorn, one request at a time (what one learner's keystroke costs the server).

Starts the app as `make loadtest` does (gunicorn on 127.0.0.1, a fresh SQLite database, or the
PostgreSQL of DATABASE_URL), then sends ROUNDS requests of each, in blocks of 25: `GET /healthz`, a live simulate
of the S3 scenario (htmx, the starting documents with a new edit each time, so no document
repeats), and a full `GET` of the scenario page. Prints the median and p90 of each and the ratios to
`/healthz`, which carries the same HTTP, WSGI and middleware costs and nothing else. Nothing is
asserted about speed; the run fails only on a non-200 answer.

Also prints the worker's CPU time per request of each endpoint (blocks of 25 requests of one
endpoint in turn; Linux /proc), which a busy machine disturbs less than the wall time.

Settings (environment): ROUNDS (default 300), SLUG (s3-cross-account-upload), GUNICORN_THREADS
(1: a sync worker). One worker.
"""

from __future__ import annotations

import html
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadtest  # noqa: E402  (the server start-up and the HTTP client of `make loadtest`)

ROUNDS = loadtest.env_int("ROUNDS", 300)
SLUG = os.environ.get("SLUG", "s3-cross-account-upload")
BLOCK = 25
TEXTAREA = loadtest.TEXTAREA


def worker_pid(port: int) -> int:
    """The pid of the gunicorn worker serving `port` (the bench runs one worker)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(b"gunicorn" in c for c in cmd[:2]) and f"127.0.0.1:{port}".encode() in cmd:
                children = [int(p) for p in (entry / "task" / entry.name / "children").read_text().split()]
                if children:
                    return children[0]
    raise SystemExit("no gunicorn worker found")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    threads = loadtest.env_int("GUNICORN_THREADS", 1)
    with loadtest.serve(workers=1, threads=threads) as port:  # one worker, so its CPU time is the endpoint's
        return measure(port, ROUNDS, f"gunicorn 1 worker x {threads} thread(s)")


def measure(port: int, rounds: int, server: str) -> int:
    """`rounds` requests of each endpoint against the one-worker server on `port`; prints the table."""
    client = loadtest.Learner(port, 0)
    client.slug = SLUG
    status, page = client.request("page", "GET", f"/scenarios/{SLUG}/")
    token = loadtest.TOKEN.search(page)
    if status != 200 or token is None:
        print(f"the scenario page answered {status}", file=sys.stderr)
        return 1
    client.csrf = token.group(1)
    documents = {name: html.unescape(text).lstrip("\n") for name, text in TEXTAREA.findall(page)}
    edited = list(documents)[-1]
    worker = worker_pid(port)
    names = ("healthz", "simulate", "half-typed", "scenario page")
    times: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, float] = dict.fromkeys(names, 0.0)
    failures, n = 0, 0
    for _ in range(max(1, rounds // BLOCK)):  # blocks of each endpoint in turn: the worker's CPU per endpoint
        for name in names:
            before = cpu_seconds(worker)
            for _ in range(BLOCK):
                n += 1
                start = time.perf_counter()
                if name == "healthz":
                    status, _ = client.request(name, "GET", "/healthz")
                elif name in ("simulate", "half-typed"):
                    edit = documents[edited] + "\n" * (n % 50 + 1) + " " * (n // 50)
                    if name == "half-typed":  # a closing brace not typed yet: the invalid-documents panel
                        edit = edit.rstrip().rstrip("}")
                    status, _ = client.request(name, "POST", f"/scenarios/{SLUG}/simulate/",
                                               documents | {edited: edit}, htmx=True)
                else:
                    status, _ = client.request(name, "GET", f"/scenarios/{SLUG}/")
                times[name].append(time.perf_counter() - start)
                failures += status != 200
            cpu[name] += cpu_seconds(worker) - before
    base = statistics.median(times["healthz"])
    base_cpu = cpu["healthz"] / len(times["healthz"])
    print(f"{SLUG}: {len(times['healthz'])} requests of each endpoint, one at a time, {server}")
    print(f"{'endpoint':<16}{'median ms':>10}{'p90 ms':>9}{'x healthz':>11}{'CPU ms':>9}{'x healthz':>11}")
    for name, values in times.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        per = cpu[name] / len(values)
        print(f"{name:<16}{median * 1000:>10.2f}{p90 * 1000:>9.2f}{median / base:>11.2f}"
              f"{per * 1000:>9.2f}{per / base_cpu if base_cpu else 0:>11.2f}")
    if failures:
        print(f"{failures} answers were not 200", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
