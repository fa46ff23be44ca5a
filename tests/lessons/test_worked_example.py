"""The lesson's diagram is the engine's decision on the worked example's own policies."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from kmslab.lessons.content import body_html, find, render_markdown, sections
from kmslab.lessons.worked import decide, policy_documents, states_for, worked_example_states

WORKED = find("worked-example")[1].path.read_text(encoding="utf-8")  # type: ignore[index]


def test_worked_example_engine_allows_the_pages_policies() -> None:
    states = worked_example_states()
    assert (states.key_policy_state, states.iam_policy_state, states.call_state) == ("allowed", "allowed", "allowed")


def test_worked_example_without_the_iam_statement_is_denied_by_the_iam_gate() -> None:
    docs = policy_documents(WORKED)
    docs[1]["Statement"][0]["Action"] = ["kms:Decrypt"]  # GenerateDataKey dropped from Account B's IAM policy
    text = WORKED
    blocks = re.findall(r"```json\n(.*?)\n```", WORKED, re.DOTALL)
    iam_block = [b for b in blocks if '"Statement"' in b][1]
    text = text.replace(iam_block, json.dumps(docs[1], indent=2))
    states = states_for(decide(text))
    assert (states.key_policy_state, states.iam_policy_state, states.call_state) == ("allowed", "denied", "denied")


def test_worked_example_asks_only_for_what_s3_calls() -> None:
    # S3 calls GenerateDataKey (upload) and Decrypt (download, multipart); never Encrypt.
    for doc in policy_documents(WORKED):
        for statement in doc["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if actions != ["kms:*"]:
                assert set(actions) <= {"kms:GenerateDataKey", "kms:Decrypt"}, actions


@pytest.mark.parametrize("slug", [s.slug for s in sections()], ids=[s.slug for s in sections()])
def test_lesson_json_blocks_are_valid_json(slug: str) -> None:
    text = find(slug)[1].path.read_text(encoding="utf-8")  # type: ignore[index]
    for block in re.findall(r"```json\n(.*?)\n```", text, re.DOTALL):
        json.loads(block)  # a learner copies these: each must be a whole, valid JSON value


def test_lesson_callout_titles_have_no_escaped_quotes() -> None:
    for section in sections():
        assert '\\"' not in body_html(section.slug), section.slug


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["big-idea", "worked-example"])
def test_lesson_diagram_shows_the_worked_examples_states(client: Client, slug: str) -> None:
    html = client.get(reverse("lessons:section", args=[slug])).content.decode()
    assert "Not evaluated" not in html and "Call not run" not in html
    assert "✓ Call allowed" in html


@pytest.mark.django_db
def test_lesson_whole_page_has_every_section_and_marks_nothing_read(client: Client) -> None:
    html = client.get(reverse("lessons:whole")).content.decode()
    for section in sections():
        assert f'id="lesson-{section.slug}"' in html
    assert 'media="print"' in html
    index = client.get(reverse("lessons:index")).content.decode()
    assert f"0 of {len(sections())} sections read" in index


def test_lesson_new_sections_cite_aws_docs() -> None:
    for slug in ("encryption-context-grants", "service-principals", "s3-encryption-types",
                 "cost-and-quotas", "rotation-multi-region"):
        assert 'href="https://docs.aws.amazon.com/' in body_html(slug), slug


def test_lesson_requirements_lists_the_cross_account_grant_operations() -> None:
    html = body_html("requirements")
    for op in ("CreateGrant", "ListGrants", "RetireGrant", "RevokeGrant"):
        assert op in html
