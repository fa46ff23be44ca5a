"""`make loadtest`: learners typing in the live simulator, against a server this script starts.

Starts the app with gunicorn on 127.0.0.1 (a free port; traffic never leaves the machine) on a
fresh database (SQLite in a temporary directory by default; the PostgreSQL of DATABASE_URL when
set, e.g. under tests/tools/with-postgres), then simulates LEARNERS learners for DURATION seconds.
Each learner loads a scenario page, then every 2-5 s sends a live simulate (htmx, as the editor
does while typing: every document, one edited, one edit in six half-typed), polls its API calls
list every 30 s as the open page does, and now and then loads a page or answers a quiz question.
Stops by itself, prints throughput, p50/p95/p99 per endpoint, errors, and checks that every
learner's last edit is stored (their scenario page, loaded again, shows it). Exit status 1 on any
server error or lost edit.

Settings (environment): LEARNERS (default 60), DURATION seconds (30), WEB_CONCURRENCY workers (2),
GUNICORN_THREADS per worker (4; 1 = sync workers), RAMP seconds to start all learners (5).
Uses only the standard library on the client side (threads and http.client).
"""

from __future__ import annotations

import contextlib
import html as html_lib
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SLUGS = ["s3-cross-account-upload", "grants-temporary-decrypt", "cross-account-download"]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TEXTAREA = re.compile(r'<textarea[^>]*\bname="([a-z_0-9]+)"[^>]*>(.*?)</textarea>', re.S)


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"{name}={raw!r} is not an integer")
    if value < 1:
        sys.exit(f"{name}={raw!r} must be at least 1")
    return value


LEARNERS = env_int("LEARNERS", 60)
DURATION = env_int("DURATION", 30)
WORKERS = env_int("WEB_CONCURRENCY", 2)
POLL_SECONDS = 30  # templates/endpoint/_api_calls.html: a page without CLI keys polls its API calls list this often
THREADS = env_int("GUNICORN_THREADS", 4)
RAMP = env_int("RAMP", 5)


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []

    def add(self, name: str, seconds: float, status: int) -> None:
        with self.lock:
            self.times[name].append(seconds)
            if status >= 500 or status == 0:
                self.errors[f"{name} {status or 'connection'}"] += 1


STATS = Stats()


class Learner:
    def __init__(self, port: int, number: int) -> None:
        self.port = port
        self.number = number
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.slug = SLUGS[number % len(SLUGS)]
        self.fields: dict[str, str] = {}
        self.edit_field = ""
        self.last_edit = ""
        self.conn: http.client.HTTPConnection | None = None

    def request(self, name: str, method: str, path: str, body: dict[str, str | list[str]] | None = None,
                htmx: bool = False) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.csrf
        if htmx:
            headers["HX-Request"] = "true"
        start = time.perf_counter()
        status, text = 0, ""
        for _ in range(2):  # one reconnect if the keep-alive connection was closed
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                status = response.status
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie":
                        name_value = value.split(";", 1)[0]
                        cname, _, cvalue = name_value.partition("=")
                        self.cookies[cname.strip()] = cvalue.strip()
                break
            except (OSError, http.client.HTTPException):
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
        STATS.add(name, time.perf_counter() - start, status)
        return status, text

    def load_scenario(self) -> None:
        status, html = self.request("scenario page", "GET", f"/scenarios/{self.slug}/")
        match = TOKEN.search(html)
        if match:
            self.csrf = match.group(1)
        if not self.fields:  # the documents as the editor holds them (the starting ones)
            self.fields = {name: html_lib.unescape(text).lstrip("\n") for name, text in TEXTAREA.findall(html)}
            self.edit_field = next(iter(self.fields), "")

    def simulate(self, n: int) -> None:
        """What the editor sends after a pause in typing: every document, one of them edited. Most
        edits keep the JSON valid (a new policy Id, so the run is a full one with every step card);
        one in six is caught half-typed (a missing brace: an invalid run, as a learner sees mid-edit)."""
        self.last_edit = f"learner-{self.number}-edit-{n}-{secrets.token_hex(3)}"
        docs = dict(self.fields)
        text = docs[self.edit_field]
        edited = text.replace("{", '{"Id": "' + self.last_edit + '", ', 1) if text.lstrip().startswith("{") else \
            '{"Version": "2012-10-17", "Statement": [], "Id": "' + self.last_edit + '"}'
        if random.random() < 1 / 6:
            edited = edited.rstrip().rstrip("}")
        docs[self.edit_field] = edited
        self.request("simulate", "POST", f"/scenarios/{self.slug}/simulate/", docs, htmx=True)

    def quiz(self) -> None:
        status, _ = self.request("quiz start", "POST", "/quiz/start/", {"mode": "practice", "csrfmiddlewaretoken": self.csrf})
        status, html = self.request("quiz question", "GET", "/quiz/")
        match = re.search(r'href="(/quiz/s/\d+/)"', html)
        if not match:
            return
        status, html = self.request("quiz question", "GET", match.group(1))
        action = re.search(r'action="(/quiz/s/\d+/item/\d+/answer/)"', html)
        choices = re.findall(r'name="choice" value="([^"]+)"', html)
        select = re.search(r'data-select="(\d+)"', html)  # a multiple-response item takes exactly that many
        if action and choices:  # predict and fix items (other fields) are left unanswered
            picked = random.sample(choices, min(len(choices), int(select.group(1)) if select else 1))
            self.request("quiz answer", "POST", action.group(1), {"choice": picked, "csrfmiddlewaretoken": self.csrf})

    def run(self, stop_at: float) -> None:
        self.load_scenario()
        n = 0
        next_poll = time.time() + random.uniform(0, POLL_SECONDS)
        while time.time() < stop_at:
            time.sleep(random.uniform(2, 5))
            if time.time() >= stop_at:
                break
            if time.time() >= next_poll:  # the open page's API calls list (no CLI keys: every 30 s)
                next_poll += POLL_SECONDS
                self.request("calls poll", "GET", f"/scenarios/{self.slug}/aws-calls/", htmx=True)
            roll = random.random()
            if roll < 0.80 and self.edit_field:
                n += 1
                self.simulate(n)
            elif roll < 0.92:
                self.request("page load", "GET", random.choice(["/", "/scenarios/", "/lesson/", f"/scenarios/{self.slug}/"]))
            else:
                self.quiz()

    def last_edit_stored(self) -> bool:
        if not self.last_edit:
            return True
        for _ in range(3):
            status, html = self.request("final check", "GET", f"/scenarios/{self.slug}/")
            if status == 200:
                return self.last_edit in html
            time.sleep(1)
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class ServerDidNotStart(Exception):
    pass


@contextlib.contextmanager
def serve(workers: int = WORKERS, threads: int = THREADS) -> Iterator[int]:
    """A gunicorn of this checkout on 127.0.0.1 (a free port) over a fresh database with the
    content loaded, warmed up (each worker builds its caches on first use); yields the port."""
    work = Path(tempfile.mkdtemp(prefix="kmslab-load-"))
    env = dict(os.environ)
    env.update({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(60), "ALLOWED_HOSTS": "127.0.0.1",
                "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0", "LOG_LEVEL": "WARNING",
                "LOGIN_MAX_FAILURES": "1000", "CLASSROOM_JOIN_MAX_ATTEMPTS": "100000"})
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{work / 'load.sqlite3'}"
    port = free_port()
    server = None
    try:
        manage(env, "migrate", "--noinput")
        manage(env, "loadscenarios")
        manage(env, "loadquestions")
        manage(env, "collectstatic", "--noinput")
        worker_class = "sync" if threads == 1 else "gthread"
        server = subprocess.Popen(
            [str(GUNICORN), "kmslab.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--worker-class", worker_class, "--threads", str(threads), "--log-level", "warning"],
            cwd=ROOT, env=env)
        deadline = time.time() + 60
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise ServerDidNotStart("the server did not start")
            time.sleep(0.3)
        warm = Learner(port, 0)
        for slug in SLUGS * (workers * 2):
            warm.slug = slug
            warm.request("warm-up", "GET", f"/scenarios/{slug}/")
        STATS.times.pop("warm-up", None)
        yield port
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    database = "PostgreSQL (DATABASE_URL)" if os.environ.get("DATABASE_URL") else "SQLite"
    worker_class = "sync" if THREADS == 1 else "gthread"
    print(f"preparing the database ({database}) ...", flush=True)
    try:
        with serve() as port:
            return drive(port, database, worker_class)
    except ServerDidNotStart as exc:
        print(exc, file=sys.stderr)
        return 1


def server_cpu() -> dict[str, float]:
    """CPU seconds so far of this machine's app server (gunicorn) and database (postgres)
    processes, from Linux /proc (empty elsewhere): where the server's share of the cores goes."""
    totals = {"app server": 0.0, "database": 0.0}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes()
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kind = "app server" if b"gunicorn" in cmd else "database" if b"postgres" in cmd else ""
        if kind:
            totals[kind] += (int(fields[11]) + int(fields[12])) / tick
    return totals


def drive(port: int, database: str, worker_class: str) -> int:
    """LEARNERS learners against the server on `port` for DURATION seconds; prints the figures."""
    print(f"{LEARNERS} learners for {DURATION} s against gunicorn ({WORKERS} {worker_class} workers"
          f"{'' if THREADS == 1 else f' x {THREADS} threads'}) on 127.0.0.1:{port}, {database}", flush=True)
    learners = [Learner(port, i) for i in range(LEARNERS)]
    started = time.time()
    client_cpu_start = time.process_time()
    server_start = server_cpu()
    stop_at = started + DURATION
    threads = []
    for i, learner in enumerate(learners):
        t = threading.Thread(target=learner.run, args=(stop_at,), daemon=True)
        t.start()
        threads.append(t)
        time.sleep(RAMP / LEARNERS)
    for t in threads:
        t.join(DURATION + 120)
    elapsed = time.time() - started
    server_used = {k: v - server_start.get(k, 0.0) for k, v in server_cpu().items()}
    lost = [l.number for l in learners if not l.last_edit_stored()]
    total = sum(len(v) for k, v in STATS.times.items() if k != "final check")
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} req/s")
    client_cpu = time.process_time() - client_cpu_start  # the learners' threads share the server's cores
    print(f"the load generator itself used {client_cpu:.1f} CPU seconds ({client_cpu / elapsed:.2f} cores)")
    if total and any(server_used.values()):
        print("server CPU: " + ", ".join(f"{k} {v:.1f} s ({v / elapsed:.2f} cores, {v / total * 1000:.1f} ms a request)"
                                         for k, v in server_used.items() if v))
    print(f"{'endpoint':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name in sorted(STATS.times):
        values = sorted(STATS.times[name])
        q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values * 99
        print(f"{name:<16}{len(values):>7}{q[49] * 1000:>9.0f}{q[94] * 1000:>9.0f}{q[98] * 1000:>9.0f}"
              f"{values[-1] * 1000:>9.0f}")
    errors = sum(STATS.errors.values())
    print(f"errors (5xx or no answer): {errors}" + (f" {dict(STATS.errors)}" if errors else ""))
    edited = sum(1 for l in learners if l.last_edit)
    print(f"last edit stored: {edited - len(lost)}/{edited} learners" + (f" (lost: {lost[:20]})" if lost else ""))
    return 1 if errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
