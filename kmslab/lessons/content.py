"""The lesson's sections: read the index and the Markdown files, render them to safe HTML.

Authors edit kmslab/lessons/content/index.toml (order and titles) and one Markdown file per
section; no Python changes needed. Markdown is rendered with fenced code (JSON highlighted by
Pygments, server-side), tables, admonitions ("!!! note" callouts) and Markdown inside <details>,
then sanitised with nh3 so a content file can never inject script. A paragraph holding only
`[[diagram]]` is replaced after sanitising by the relationship diagram component.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3

CONTENT_DIR = Path(__file__).resolve().parent / "content"
DIAGRAM_MARKER = "<p>[[diagram]]</p>"
RESERVED_SLUGS = frozenset({"all", "reset"})  # /lesson/all/ and /lesson/reset/

_ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "hr", "li", "ol", "p", "pre", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "p": {"class"},
    "td": {"class"},
    "th": {"class", "scope"},
    "h2": {"id"},
    "h3": {"id"},
}


class LessonContentError(Exception):
    """The content files are inconsistent (missing file, duplicate slug, bad index)."""


@dataclass(frozen=True, slots=True)
class Section:
    slug: str
    title: str
    source: str  # file name under CONTENT_DIR

    @property
    def path(self) -> Path:
        return CONTENT_DIR / self.source


def render_markdown(text: str) -> str:
    """Markdown -> sanitised HTML. Safe for any input: raw HTML outside the allow-list is dropped."""
    html = markdown.markdown(
        text,
        extensions=["extra", "admonition", "codehilite", "toc", "sane_lists"],
        extension_configs={
            "codehilite": {"css_class": "highlight", "guess_lang": False},
            "toc": {"permalink": False},
        },
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Code blocks scroll sideways on narrow screens; keyboard users must be able to scroll them
    # too (axe: scrollable-region-focusable). Added after sanitising, on our own markup only.
    return (clean.replace("<pre>", '<pre tabindex="0">')
            .replace('<div class="table-wrap">', '<div class="table-wrap" tabindex="0" role="region" aria-label="Table">'))


@functools.cache
def sections() -> tuple[Section, ...]:
    index_path = CONTENT_DIR / "index.toml"
    try:
        data = tomllib.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LessonContentError(f"cannot read lesson index `{index_path}`: {exc}") from None
    entries = data.get("section")
    if not isinstance(entries, list) or not entries:
        raise LessonContentError("lesson index needs at least one [[section]] table")
    result: list[Section] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("slug", "title", "file")):
            raise LessonContentError(f"lesson index entry {entry!r} needs string slug, title and file")
        section = Section(slug=entry["slug"], title=entry["title"], source=entry["file"])
        if section.slug in RESERVED_SLUGS:
            raise LessonContentError(f"lesson slug `{section.slug}` is taken by a lesson page URL")
        if section.slug in seen:
            raise LessonContentError(f"duplicate lesson slug `{section.slug}`")
        if not section.path.is_file():
            raise LessonContentError(f"lesson file `{section.source}` for `{section.slug}` is missing")
        seen.add(section.slug)
        result.append(section)
    return tuple(result)


def find(slug: str) -> tuple[int, Section] | None:
    for position, section in enumerate(sections()):
        if section.slug == slug:
            return position, section
    return None


@functools.cache
def body_html(slug: str) -> str:
    found = find(slug)
    if found is None:
        raise LessonContentError(f"no lesson section `{slug}`")
    return render_markdown(found[1].path.read_text(encoding="utf-8"))
