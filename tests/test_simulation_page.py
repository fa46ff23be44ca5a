"""The simulation notes page shows the README's own list, so the two cannot disagree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from kmslab.views import simulation_section

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_simulation_section_is_found_in_the_readme() -> None:
    text = simulation_section(README)
    assert "# SIMULATION:" in text and len(text) > 1000


def test_simulation_section_stops_at_the_next_heading() -> None:
    assert simulation_section("# x\n## Where the simulation differs from AWS\n- a\n## Next\n- b\n") == "- a"
    assert simulation_section("no such heading") == ""


@pytest.mark.django_db
def test_simulation_page_lists_every_readme_bullet(client: Client) -> None:
    response = client.get(reverse("simulation"))
    assert response.status_code == 200
    html = response.content.decode()
    bullets = [m.group(1) for line in simulation_section(README).splitlines()
               if (m := re.match(r"- `([^`]+)`", line))]  # each bullet names its module first
    assert len(bullets) > 10
    for bullet in bullets:
        assert bullet in html


@pytest.mark.django_db
def test_footer_links_to_the_simulation_page(client: Client) -> None:
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("simulation")}"' in html
    assert "see the README" not in html
