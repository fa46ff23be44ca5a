"""The scenario page's "Use the AWS CLI" panel in Chromium: the config download works with the
browser's session, and a real CLI call appears in the API calls panel by itself (htmx polling)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from scenarios.loader import load_scenarios
from tests.browser.conftest import SCREENSHOT_DIR, axe_audit, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KEY_ARN = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_aws_cli_panel_shows_a_denied_cli_call_live(page: Page, live_url: str, tmp_path: Path) -> None:
    assert not load_scenarios().errors
    page.goto(f"{live_url}/scenarios/s3-cross-account-upload/")
    cli = page.locator("#aws-cli")
    expect(cli.get_by_role("heading", name="Use the AWS CLI")).to_be_visible()
    expect(cli.get_by_text("No calls yet")).to_be_visible()
    link = cli.get_by_role("link", name="Download AWS config")
    resp = page.request.get(live_url + (link.get_attribute("href") or ""))
    assert resp.ok and "[profile kmslab-bob]" in resp.text()
    config = tmp_path / "kmslab-aws-config"
    config.write_text(resp.text())
    (tmp_path / "report.csv").write_text("a,b\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_MAX_ATTEMPTS="1", HOME=str(tmp_path))
    out = subprocess.run([str(Path(sys.executable).with_name("aws")), "--profile", "kmslab-bob", "s3", "cp", "report.csv",
                          "s3://account-a-reports/report.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode != 0 and "AccessDenied" in out.stderr
    calls = cli.locator("#api-calls")
    expect(calls.get_by_text("s3:PutObject")).to_be_visible(timeout=10_000)  # no reload: htmx polls
    expect(calls.locator("div.ms-3", has_text="kms:GenerateDataKey via s3.us-east-1.amazonaws.com")).to_be_visible()
    expect(calls.locator("code", has_text=re.compile(r"^AccessDenied$"))).to_be_visible()
    cli.get_by_text("Commands for each step").click()
    expect(cli.get_by_text("aws --profile kmslab-bob s3 cp report.csv s3://account-a-reports/report.csv")).to_be_visible()
    cli.scroll_into_view_if_needed()
    expect(page.locator("#result-panel")).to_be_visible()  # the poll swaps only its own list
    screenshot(page, "aws-cli-panel")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    cli.screenshot(path=str(SCREENSHOT_DIR / "aws-cli-panel-only.png"))
    axe_audit(page)
    page.on("dialog", lambda d: d.accept())
    cli.get_by_role("button", name="New keys, empty lab").click()
    expect(page.locator("#aws-cli").get_by_text("New keys issued")).to_be_visible()
    expect(page.locator("#aws-cli").get_by_text("No calls yet")).to_be_visible()
    assert page.request.get(live_url + (link.get_attribute("href") or "")).text() != config.read_text()
