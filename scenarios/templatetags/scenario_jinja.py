"""{% result_panel %}: the scenario page's result panel, rendered by Jinja2 (scenarios/jinja.py
says why) from the page's context."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from scenarios import jinja

register = template.Library()

PANEL_NAMES = ("result", "shown", "stale", "problems", "changed", "oob", "spec", "notes", "urls", "Outcome")


@register.simple_tag(takes_context=True)
def result_panel(context: template.Context) -> SafeString:
    """A page view passes `panel_key` (scenarios.views._context): the panel is rendered once per key."""
    key = context.get("panel_key")
    html = jinja.remembered_panel(key) if key is not None else None
    if html is None:
        html = jinja.render("scenarios/_result.jinja", **{name: context.get(name) for name in PANEL_NAMES})
        if key is not None:
            jinja.remember_panel(key, html)
    return mark_safe(html)  # noqa: S308 - autoescaped by Jinja2
