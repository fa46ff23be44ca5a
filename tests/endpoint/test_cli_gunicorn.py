"""The real CLI against gunicorn (two worker processes) on a file database: state survives a restart,
and the parts of a parallel 20 MB multipart upload land in different workers without losing any."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.endpoint.conftest import Learner
from tests.endpoint.test_cli_s3 import KEY_ARN, solution

pytestmark = pytest.mark.django_db(transaction=True)
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "gunicorn.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # The server uses the test's own database: on SQLite the file (DATABASE_URL would drop the
        # busy timeout), on PostgreSQL the same server as DATABASE_URL with the test database's name.
        sqlite = connection.vendor == "sqlite"
        env = {k: v for k, v in os.environ.items() if not (sqlite and k == "DATABASE_URL")}
        env.update(DEBUG="true", SECRET_KEY=settings.SECRET_KEY, KMSLAB_TESTING="0", ALLOWED_HOSTS="127.0.0.1",
                   DJANGO_SETTINGS_MODULE="tests.endpoint.gunicorn_settings", KMSLAB_TEST_DB=str(connection.settings_dict["NAME"]))
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([GUNICORN, "kmslab.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "2",
                                          "--threads", "4", "--timeout", "120"], env=env, stdout=log, stderr=log,
                                         cwd=settings.BASE_DIR)
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(self.log.read_text())

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    yield s
    s.stop()


def test_gunicorn_restart_in_the_middle_keeps_objects_and_grants(scenarios: None, server: Server, tmp_path: Path) -> None:
    me = Learner(server.url, tmp_path, "s3-cross-account-upload")
    docs = solution(("kms:Decrypt",))
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    server.start()
    data = os.urandom(20 * 1024 * 1024)
    (tmp_path / "big.bin").write_bytes(data)
    (tmp_path / "small.csv").write_text("a,b\n")
    me.aws("kmslab-bob", "s3", "cp", "big.bin", "s3://account-a-reports/big.bin", "--sse", "aws:kms",
           "--sse-kms-key-id", KEY_ARN, check=True)
    me.aws("kmslab-bob", "s3", "cp", "small.csv", "s3://account-a-reports/dir/small csv+1.csv", check=True)
    server.stop()
    server.start()  # a restart: new processes, nothing in memory
    me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/big.bin", "back.bin", check=True)
    assert (tmp_path / "back.bin").read_bytes() == data
    me.aws("kmslab-analyst", "s3", "cp", "s3://account-a-reports/dir/small csv+1.csv", "small-back.csv", check=True)
    assert (tmp_path / "small-back.csv").read_text() == "a,b\n"
    log = server.log.read_text()
    assert "Traceback" not in log, log[-3000:]


def test_gunicorn_serves_boto3_with_raw_paths(scenarios: None, server: Server, tmp_path: Path) -> None:
    me = Learner(server.url, tmp_path, "s3-cross-account-upload")
    docs = solution()
    me.save(key_policy=docs["key_policy"], iam_policy=docs["iam_policy"])
    server.start()
    s3 = me.boto3("kmslab-bob").client("s3")
    key = "weird/ключ ~!$&'()*+,;=:@ %2F.txt"
    s3.put_object(Bucket="account-a-reports", Key=key, Body=b"odd", ServerSideEncryption="aws:kms", SSEKMSKeyId=KEY_ARN)
    got = me.boto3("kmslab-analyst").client("s3").get_object(Bucket="account-a-reports", Key=key)
    assert got["Body"].read() == b"odd" and got["SSEKMSKeyId"] == KEY_ARN
    _ = Any
