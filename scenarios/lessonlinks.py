"""Where each scenario's idea is taught: links from a scenario page to its lesson section(s) and
the glossary, and back to the learner's classes that assign the scenario.

A small table by scenario slug (lesson section slugs from kmslab/lessons/content/index.toml);
a slug the lesson no longer has is left out rather than linked to a 404 (a test checks the table).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from kmslab.rows import values
from kmslab.urlmemo import reverse

from kmslab.lessons.content import find

GLOSSARY = "glossary"
SECTIONS: dict[str, tuple[str, ...]] = {
    "s3-cross-account-upload": ("worked-example", "requirements"),
    "ebs-snapshot-sharing": ("requirements", "encryption-context-grants"),
    "aws-managed-key-trap": ("requirements", "s3-encryption-types"),
    "cross-account-download": ("requirements", "worked-example"),
    "same-account-no-root-statement": ("big-idea",),
    "guardrail-explicit-deny": ("big-idea",),
    "grants-temporary-decrypt": ("encryption-context-grants",),
    "centralized-cloudtrail": ("service-principals",),
}


def lesson_links(slug: str) -> list[tuple[str, str]]:
    """(title, URL) of the lesson sections that teach this scenario, then the glossary."""
    links = []
    for section_slug in (*SECTIONS.get(slug, ()), GLOSSARY):
        found = find(section_slug)
        if found is not None:
            links.append((found[1].title, reverse("lessons:section", args=[section_slug])))
    return links


def assigning_classes(scenario: object, learner_key: str) -> list[tuple[str, str]]:
    """(class name, URL of the learner's page for it) for each class the learner belongs to that
    assigns this scenario. Reads the classroom tables through the scenario's reverse relation."""
    rows = values("assigning_classes", _assigning, (-7301, "\x00sample-learner"),
                  (getattr(scenario, "pk", None), learner_key))
    return [(name, reverse("classroom:mine", args=[code])) for name, code in rows]


def _assigning(scenario_id: object, learner_key: object) -> QuerySet[Any]:
    """Through the scenario's reverse relation (the scenarios app does not import the classroom)."""
    from scenarios.models import Scenario

    return (Scenario(pk=scenario_id).classrooms.filter(memberships__learner_key=learner_key)
            .values_list("name", "code").distinct())
