"""The API calls list polls slowly until the learner has keys, then every 4 s: every open scenario
page polls, and most learners never use the CLI."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
SLUG = "s3-cross-account-upload"


def trigger(html: str) -> str:
    match = re.search(r'<div id="api-calls"[^>]*hx-trigger="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def test_the_poll_is_slow_without_keys_and_every_4_s_once_the_config_is_downloaded() -> None:
    call_command("loadscenarios", verbosity=0)
    client = Client()
    page = client.get(f"/scenarios/{SLUG}/").content.decode()
    assert trigger(page).startswith("every 30s")
    assert 'data-fast-trigger="every 4s, kl-calls-changed from:body"' in page  # what scenario.js switches to on download
    answer = client.get(f"/scenarios/{SLUG}/aws-calls/", HTTP_HX_REQUEST="true").content.decode()
    assert answer.lstrip().startswith('<div id="api-calls"') and trigger(answer).startswith("every 30s")  # itself (outerHTML)
    assert client.get(f"/scenarios/{SLUG}/aws-config").status_code == 200  # issues this learner's keys
    assert trigger(client.get(f"/scenarios/{SLUG}/aws-calls/", HTTP_HX_REQUEST="true").content.decode()).startswith("every 4s")
    assert trigger(client.get(f"/scenarios/{SLUG}/").content.decode()).startswith("every 4s")
    assert "kl-calls-changed from:body" in trigger(client.get(f"/scenarios/{SLUG}/").content.decode())
    other = Client()  # another learner's page still polls slowly
    assert trigger(other.get(f"/scenarios/{SLUG}/").content.decode()).startswith("every 30s")
