"""A live lab for the real AWS CLI and boto3: scenarios loaded, a learner, their config file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

AWS = str(Path(sys.executable).with_name("aws"))


@pytest.fixture
def scenarios(transactional_db: Any) -> None:
    call_command("loadscenarios", stdout=io.StringIO())


class Learner:
    """A browser session of one learner: saves documents, downloads the AWS config, runs `aws`."""

    def __init__(self, live_url: str, tmp: Path, slug: str) -> None:
        self.client = Client()
        self.live_url = live_url
        self.tmp = tmp
        self.slug = slug
        self.client.get(f"/scenarios/{slug}/")
        self.config = tmp / "kmslab-aws-config"
        self.refresh_config()

    def refresh_config(self) -> str:
        resp = self.client.get(f"/scenarios/{self.slug}/aws-config", HTTP_HOST=self.live_url.split("//", 1)[1])
        assert resp.status_code == 200
        text = resp.content.decode()
        self.config.write_text(text)
        return text

    @property
    def key(self) -> str:
        return f"anon:{self.client.session.session_key}"

    def save(self, **documents: str) -> None:
        from scenarios import progress
        from scenarios.models import Scenario

        progress.record_attempt(self.key, Scenario.objects.get(slug=self.slug), documents, None)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=str(self.config), AWS_SHARED_CREDENTIALS_FILE=str(self.tmp / "none"),
                   AWS_EC2_METADATA_DISABLED="true", AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard", HOME=str(self.tmp))
        return env

    def aws(self, profile: str, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([AWS, "--profile", profile, *args], capture_output=True, text=True, env=self.env(),
                              cwd=self.tmp, timeout=120)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    def boto3(self, profile: str) -> Any:
        import boto3
        import botocore.session

        core = botocore.session.Session()
        core.set_config_variable("config_file", str(self.config))
        core.set_config_variable("credentials_file", str(self.tmp / "none"))
        return boto3.Session(botocore_session=core, profile_name=profile)


@pytest.fixture
def learner(scenarios: None, live_server: Any, tmp_path: Path) -> Callable[..., Learner]:
    def make(slug: str = "s3-cross-account-upload", name: str = "a") -> Learner:
        d = tmp_path / name
        d.mkdir()
        return Learner(live_server.url, d, slug)

    return make
