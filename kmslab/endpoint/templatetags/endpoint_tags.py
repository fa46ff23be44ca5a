"""{% aws_cli_panel %}: the scenario page's "Use the AWS CLI" panel, with its own context."""

from __future__ import annotations

from django import template

from kmslab.endpoint.present import panel_context

register = template.Library()


@register.inclusion_tag("endpoint/_panel.html", takes_context=True)
def aws_cli_panel(context: template.Context) -> dict[str, object]:
    request = context["request"]
    return panel_context(request, context["scenario"]) | {"csrf_token": context.get("csrf_token")}
