"""Lesson Markdown rendering: safe by construction, and the index stays consistent."""

from __future__ import annotations

import re

import pytest

from kmslab.lessons.content import DIAGRAM_MARKER, body_html, render_markdown, sections


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="#" style="color:red" onclick="x()">a</a>',
        "<iframe src='https://example.com'></iframe>",
    ],
    ids=["script", "onerror", "javascript-url", "style-onclick", "iframe"],
)
def test_render_markdown_strips_hostile_html(hostile: str) -> None:
    html = render_markdown(hostile).lower()
    for bad in ("<script", "onerror", "javascript:", "onclick", "style=", "<iframe"):
        assert bad not in html


def test_render_markdown_keeps_callouts_details_and_highlighting() -> None:
    html = render_markdown('!!! note "Note"\n    body\n\n<details markdown="1">\n<summary>S</summary>\n\nA\n</details>\n\n```json\n{"a": 1}\n```\n')
    assert 'class="admonition note"' in html
    assert "<details>" in html and "<summary>S</summary>" in html
    assert '<div class="highlight">' in html and 'class="nt"' in html


def test_lesson_big_idea_has_diagram_marker() -> None:
    assert DIAGRAM_MARKER in body_html("big-idea")


@pytest.mark.parametrize("slug", [s.slug for s in sections()], ids=[s.slug for s in sections()])
def test_lesson_every_section_renders_nonempty(slug: str) -> None:
    assert len(body_html(slug)) > 500


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_HOSTILE_PIECES = st.sampled_from([
    "<script>", "</script>", "<img src=x onerror=alert(1)>", "javascript:", "<a href='javascript:x'>",
    "<svg onload=x>", "<style>", "[x](javascript:y)", "<details>", "```json\n", "!!! note\n    ", "\n\n", "<",
    ">", "\"", "'", "onclick=", "<iframe>", "<object>", "<form action=//evil>",
])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_HOSTILE_PIECES, st.text(max_size=12)), max_size=25).map("".join))
def test_render_markdown_never_emits_active_content(text: str) -> None:
    html = render_markdown(text).lower()
    for bad in ("<script", "<iframe", "<object", "<svg", "<style", "<form"):
        assert bad not in html
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html)
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)
