"""{% aws_cli_panel %}: the scenario page's "Use the AWS CLI" panel, with its own context."""

from __future__ import annotations

from django import template

from kmslab.endpoint.present import panel_context

register = template.Library()


@register.inclusion_tag("endpoint/_panel.html", takes_context=True)
def aws_cli_panel(context: template.Context) -> dict[str, object]:
    request = context["request"]
    return panel_context(request, context["scenario"]) | {"csrf_token": context.get("csrf_token")}


@register.inclusion_tag("endpoint/_drilldown_calls.html")
def learner_api_calls(learner_key: str, scenario: object) -> dict[str, object]:
    """The instructor's drill-down: a learner's recent real-CLI calls in one scenario (never secrets)."""
    from kmslab.endpoint.models import Lab
    from kmslab.endpoint.present import recent_calls

    lab = Lab.objects.filter(learner_key=learner_key, scenario=scenario).first()
    return {"calls": recent_calls(lab.pk if lab else None, limit=10), "has_lab": lab is not None}
