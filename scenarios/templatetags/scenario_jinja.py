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
    values = {name: context.get(name) for name in PANEL_NAMES}
    return mark_safe(jinja.render("scenarios/_result.jinja", **values))  # noqa: S308 - autoescaped by Jinja2
