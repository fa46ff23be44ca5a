"""The relationship diagram component: accessible, and states shown as words, not colour alone."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string


def render(**context: str) -> str:
    return render_to_string("includes/_diagram.html", context)


def test_diagram_is_accessible_svg_with_title_and_description() -> None:
    html = render(diagram_id="d1")
    assert html.count('role="img"') == 2  # wide and stacked layouts; CSS shows exactly one
    assert 'aria-labelledby="d1-title d1-desc"' in html
    assert '<title id="d1-title">' in html and '<desc id="d1-desc">' in html
    assert "Account A (key owner)" in html and "Account B (caller)" in html
    assert "Key policy" in html and "IAM policy" in html and "kms:GenerateDataKey" in html


def test_diagram_defaults_to_unknown_states() -> None:
    html = render()
    assert "? Not evaluated" in html and "? Call not run" in html
    assert "kd-allowed" not in html and "kd-denied" not in html


@pytest.mark.parametrize(
    ("key_policy", "iam_policy", "call", "expected_words", "desc_fragment"),
    [
        ("allowed", "allowed", "allowed", ["✓ Allows", "✓ Call allowed"], "result: allowed"),
        ("allowed", "denied", "denied", ["✓ Allows", "✗ No allow", "✗ Call denied"], "identity-based IAM policy (does not allow the call)"),
        ("denied", "allowed", "denied", ["✗ No allow", "✓ Allows", "✗ Call denied"], "resource-based key policy (does not allow the call)"),
    ],
    ids=["both-allow", "iam-denies", "key-policy-denies"],
)
def test_diagram_colours_each_gate_with_words(key_policy: str, iam_policy: str, call: str,
                                                expected_words: list[str], desc_fragment: str) -> None:
    html = render(key_policy_state=key_policy, iam_policy_state=iam_policy, call_state=call, diagram_id="d2")
    for word in expected_words:
        assert word in html
    assert desc_fragment in html
    assert f"kd-gate kd-{key_policy}" in html and f"kd-gate kd-{iam_policy}" in html
    assert f"kd-call kd-{call}" in html


def test_diagram_ids_are_unique_per_instance() -> None:
    html = render(diagram_id="x") + render(diagram_id="y")
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_diagram_custom_operation_and_caller_label() -> None:
    html = render(operation="kms:Decrypt", caller_label="IAM user")
    assert "kms:Decrypt" in html and "IAM user" in html


def test_diagram_same_account_drops_the_boundary_and_account_b() -> None:
    html = render(diagram_id="d2", same_account=True)  # type: ignore[arg-type]
    assert "Account B" not in re.sub(r"<!--.*?-->", "", html, flags=re.S)
    assert "no account boundary" in html and "Same-account KMS call" in html
    assert "enable IAM policies" in html


def test_diagram_tells_explicit_deny_from_no_allow() -> None:
    html = render(key_policy_state="explicit-deny", iam_policy_state="denied", call_state="denied")
    assert "✗ Denies" in html and "✗ No allow" in html
    assert "explicitly denies the call" in html and "does not allow the call" in html


def test_diagram_shows_an_ignored_iam_policy() -> None:
    html = render(iam_policy_state="ignored", key_policy_state="denied", same_account=True)  # type: ignore[arg-type]
    assert "⊘ Allows, ignored" in html and "kd-boundary" not in html
