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
    calls = cli.locator("#api-calls")
    expect(calls).to_have_attribute("hx-trigger", re.compile(r"^every 30s"))  # no keys yet: a slow poll
    with page.expect_download() as download:
        link.click()
    config = tmp_path / "kmslab-aws-config"
    download.value.save_as(config)
    assert "[profile kmslab-bob]" in config.read_text()
    expect(calls).to_have_attribute("hx-trigger", re.compile(r"^every 4s"))  # keys issued: every 4 s
    (tmp_path / "report.csv").write_text("a,b\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_MAX_ATTEMPTS="1", HOME=str(tmp_path))
    out = subprocess.run([str(Path(sys.executable).with_name("aws")), "--profile", "kmslab-bob", "s3", "cp", "report.csv",
                          "s3://account-a-reports/report.csv", "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode != 0 and "AccessDenied" in out.stderr
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


def run_cli(tmp_path: Path, config_text: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "kmslab-aws-config"
    config.write_text(config_text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_MAX_ATTEMPTS="1", HOME=str(tmp_path))
    return subprocess.run([str(Path(sys.executable).with_name("aws")), *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_aws_cli_panel_apply_fix_edits_the_document_and_reset_empties_the_lab(page: Page, live_url: str, tmp_path: Path) -> None:
    assert not load_scenarios().errors
    page.goto(f"{live_url}/scenarios/s3-cross-account-upload/")
    cli = page.locator("#aws-cli")
    with page.expect_download() as download:
        cli.get_by_role("link", name="Download AWS config").click()
    config = Path(download.value.path()).read_text()
    (tmp_path / "report.csv").write_text("a,b\n")
    upload = ("--profile", "kmslab-bob", "s3", "cp", "report.csv", "s3://account-a-reports/report.csv",
              "--sse", "aws:kms", "--sse-kms-key-id", KEY_ARN)
    assert "AccessDenied" in run_cli(tmp_path, config, *upload).stderr
    button = cli.locator("#api-calls").get_by_role("button", name="Apply fix to Account A key policy")
    expect(button).to_be_visible(timeout=10_000)  # arrives with the poll
    key_policy = page.locator("#id_key_policy")
    assert "arn:aws:iam::111111111111:root" not in key_policy.input_value()
    button.scroll_into_view_if_needed()
    screenshot(page, "aws-cli-apply-fix-offered")
    cli.screenshot(path=str(SCREENSHOT_DIR / "aws-cli-apply-fix-panel.png"))
    button.click()
    applied = page.locator("#result-panel .applied-change")
    expect(applied).to_contain_text("Applied fix for s3:PutObject by bob")
    expect(applied).to_contain_text("Still needed")
    expect(key_policy).to_have_value(re.compile(r"arn:aws:iam::111111111111:root"))
    expect(button).to_have_count(0)  # the panel reloads at once: the fix is used
    applied.scroll_into_view_if_needed()
    screenshot(page, "aws-cli-apply-fix-applied")
    axe_audit(page)
    page.reload()  # saved: the editor shows it on the next load
    expect(page.locator("#id_key_policy")).to_have_value(re.compile(r"arn:aws:iam::111111111111:root"))
    # the IAM half from the next denied call, then the upload goes through
    assert "AccessDenied" in run_cli(tmp_path, config, *upload).stderr
    cli.locator("#api-calls").get_by_role("button", name="Apply fix to Account B IAM policy").click()
    expect(page.locator("#result-panel .applied-change")).to_contain_text("Applied fix")
    assert run_cli(tmp_path, config, *upload).returncode == 0
    expect(cli.locator("#api-calls .badge", has_text="200").first).to_be_visible(timeout=10_000)
    # the page's Reset: its confirmation names the lab, and the old keys stop working
    messages: list[str] = []
    page.on("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.get_by_role("button", name="Reset to start").click()
    expect(page.locator("#result-panel")).to_contain_text("Your AWS CLI lab was emptied and its keys replaced")
    expect(cli.get_by_text("No calls yet")).to_be_visible()
    assert messages and "new AWS CLI keys" in messages[0]
    page.allowed_failures.append("/aws")  # type: ignore[attr-defined]
    stale = run_cli(tmp_path, config, "--profile", "kmslab-bob", "sts", "get-caller-identity")
    assert stale.returncode != 0 and "InvalidClientTokenId" in stale.stderr
