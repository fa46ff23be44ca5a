"""The editor page's weight: the JS and CSS it loads (issue 5: under 300 KB, Bootstrap included)."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from scenarios.loader import load_scenarios

BUDGET = 300 * 1024
OWN = ("js/editor.js", "js/scenario.js", "css/editor.css")


def assets(html: str) -> list[str]:
    found = re.findall(r'<script src="/static/([^"?]+)"', html) + re.findall(r'<link rel="stylesheet" href="/static/([^"?]+)"', html)
    assert found, "the page loads its assets from /static/"
    return found


@pytest.mark.django_db
def test_editor_page_js_and_css_stay_within_budget(csrf_client: Client) -> None:
    load_scenarios()
    html = csrf_client.get("/scenarios/s3-cross-account-upload/").content.decode()
    names = assets(html)
    assert set(OWN) <= set(names)
    sizes = {}
    for name in names:
        path = finders.find(name)
        assert path, f"{name} is not a static file"
        data = open(path, "rb").read()  # noqa: SIM115
        sizes[name] = (len(data), len(gzip.compress(data, 9)))
    # Uncompressed bytes, the stricter measure (WhiteNoise serves far less, gzip/brotli, in production).
    assert sum(raw for raw, _ in sizes.values()) <= BUDGET, sizes
    # Our own editor and glue stay small: no editor library, no bundler.
    assert sum(sizes[n][0] for n in OWN) <= 40 * 1024, {n: sizes[n] for n in OWN}
