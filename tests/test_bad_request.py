"""A request Django refuses before any view (a body over DATA_UPLOAD_MAX_MEMORY_SIZE) gets a page that
says what happened, and loses nothing saved."""

from __future__ import annotations

import html

import pytest
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
SLUG = "s3-cross-account-upload"


def test_a_10_mb_form_is_a_400_that_says_why_and_keeps_the_saved_documents() -> None:
    call_command("loadscenarios", verbosity=0)
    client = Client()
    client.get(f"/scenarios/{SLUG}/")
    saved = client.post(f"/scenarios/{SLUG}/simulate/", {"key_policy": '{"Version": "2012-10-17", "Id": "mine"}',
                                                         "iam_policy": "{}"})
    assert saved.status_code == 200
    body = "key_policy=" + "x" * (10 * 1024 * 1024) + "&iam_policy=%7B%7D"
    for action in ("simulate", "fix", "format"):
        response = client.post(f"/scenarios/{SLUG}/{action}/", body, content_type="application/x-www-form-urlencoded")
        text = response.content.decode()
        assert response.status_code == 400
        assert "larger than this server accepts" in text and "Nothing was saved" in text
    assert '"Id": "mine"' in html.unescape(client.get(f"/scenarios/{SLUG}/").content.decode())  # still saved
