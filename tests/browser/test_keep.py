"""Keeping work, in Chromium: the footer says how long anonymous work is kept, a learner makes a
recovery link, and another browser (a fresh context: no cookies) carries on with their document.
Also a lone surrogate escape typed in the live editor gives the finding, not a broken page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from scenarios.loader import load_scenarios
from tests.browser.conftest import axe_audit, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

S3 = "s3-cross-account-upload"


@pytest.fixture(autouse=True)
def scenarios_loaded(transactional_db: None) -> None:
    load_scenarios()


def test_a_recovery_link_carries_work_to_another_browser(page_factory: Callable[..., Page], live_url: str) -> None:
    first = page_factory()
    first.goto(f"{live_url}/scenarios/{S3}/")
    box = first.get_by_label("Account B IAM policy", exact=True)
    box.focus()
    first.keyboard.press("Control+A")
    first.keyboard.insert_text('{"Version": "2012-10-17", "Statement": [], "Id": "mine-\\ud800"}')
    expect(first.locator("#result-panel")).to_contain_text("a lone surrogate, which is not valid Unicode", timeout=10_000)
    screenshot(first, "keep-lone-surrogate-finding")
    expect(first.locator("#anonymous-work-note")).to_contain_text("30 days after your last visit")

    first.locator("#anonymous-work-note a").click()
    expect(first.locator("#keep-days")).to_contain_text("30 days after your last visit")
    first.get_by_role("button", name="Make my recovery link").click()
    link = first.locator("#recovery-link").inner_text()
    assert link.startswith(live_url + "/keep/")
    axe_audit(first)
    screenshot(first, "keep-recovery-link")

    second = page_factory()  # another browser: no cookies
    second.goto(link)
    second.get_by_role("button", name="Continue with my saved work").click()
    expect(second.locator(".alert-success")).to_contain_text("Welcome back")
    second.goto(f"{live_url}/scenarios/{S3}/")
    expect(second.get_by_label("Account B IAM policy", exact=True)).to_have_value(
        '{"Version": "2012-10-17", "Statement": [], "Id": "mine-\\ud800"}')
    screenshot(second, "keep-recovered-in-another-browser")
