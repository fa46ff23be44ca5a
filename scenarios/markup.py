"""Markup helpers shared by the Django templates (scenario_tags) and the Jinja2 result panel
(scenarios.jinja). Everything given is escaped before any markup is added."""

from __future__ import annotations

import re

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_CODE = re.compile(r"`([^`\n]{1,400})`")


def codeify(text: object) -> SafeString:
    """Escape `text`, then show `backticked` parts as <code>."""
    escaped = str(conditional_escape(str(text)))
    return mark_safe(_CODE.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above


def line_range(span: object) -> str:
    line = getattr(span, "line", 0) or 0
    end = getattr(span, "end_line", 0) or line
    if not line:
        return ""
    return f"line {line}" if end <= line else f"lines {line}–{end}"
