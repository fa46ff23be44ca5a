"""Lesson Markdown rendering: safe by construction, and the index stays consistent."""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


class _ActiveContent(HTMLParser):
    """Collects what a browser would act on: tags and attributes, not escaped text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)


def _active(html: str) -> _ActiveContent:
    parser = _ActiveContent()
    parser.feed(html)
    parser.close()
    return parser


def test_active_content_check_sees_tags_not_escaped_text() -> None:
    assert _active("<a href='javascript:x'>").attrs == [("href", "javascript:x")]
    assert _active("&lt;a href='javascript:x'&gt;").attrs == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_HOSTILE_PIECES, st.text(max_size=12)), max_size=25).map("".join))
def test_render_markdown_never_emits_active_content(text: str) -> None:
    found = _active(render_markdown(text))
    assert not {"script", "iframe", "object", "svg", "style", "form", "embed"} & set(found.tags)
    for name, value in found.attrs:
        assert not name.startswith("on"), (name, value)
        assert name != "style", value
        if name in ("href", "src", "action", "formaction"):
            assert not re.sub(r"[\x00-\x20]", "", value).lower().startswith(("javascript:", "data:", "vbscript:")), value
