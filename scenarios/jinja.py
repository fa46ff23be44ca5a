"""The one Jinja2 environment, for the templates where the Django template language costs too much.

Only the result panel is Jinja2 (templates/scenarios/_result.jinja, with the step cards in
_steps.jinja): it is every simulate answer, and the Django template language spent about 5 ms
(S3 scenario) to 12 ms (EBS) of CPU a request on it, Jinja2 a fraction of that (`make bench` shows
the simulate endpoint's time; the README has the figures). Everything else stays in Django
templates, which include the panel with {% result_panel %} (scenarios/templatetags/scenario_jinja.py).
Undefined values are chainable and render as nothing, as a missing value does in a Django template.

Autoescaping is on, as in Django templates; filters that return markup return Django's
SafeString, which Jinja2 honours (it has `__html__`). Templates are read from the project's
templates/ folder once per process (re-read when changed while DEBUG is on).
"""

from __future__ import annotations

import functools

from django.conf import settings
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, select_autoescape

from scenarios.markup import codeify, line_range
from scenarios.templatetags import scenario_tags as tags


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(settings.BASE_DIR / "templates")),
        autoescape=select_autoescape(["html", "jinja"], default_for_string=True, default=True),
        auto_reload=bool(settings.DEBUG),
        undefined=ChainableUndefined,
    )
    env.filters.update(codeify=codeify, line_range=line_range, markdown=tags.markdown, pretty_json=tags.pretty_json,
                       severity_label=tags.severity_label, severity_color=tags.severity_color,
                       without_simulated_prefix=tags.without_simulated_prefix, caller_kind=tags.caller_kind)
    env.globals.update(diagram=tags.diagram)
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


# The result panel of a page view, by what it is a function of (the scenario page of a learner's
# saved documents: the run's key and the page's URLs). A learner reloading or coming back, and the
# page after a live run of the same text, show a panel already rendered once (1 ms and more).
_PANELS: dict[object, str] = {}
_PANELS_MAX = 128


def remembered_panel(key: object) -> str | None:
    return _PANELS.get(key)


def remember_panel(key: object, html: str) -> None:
    if len(_PANELS) >= _PANELS_MAX:
        _PANELS.clear()  # bounded as kmslab.lab's caches (safe between a worker's threads)
    _PANELS[key] = html


def steps_html(shown: object, urls: object, stale: object) -> str:
    """The step list of a run alone (the macro the result panel calls), for tests and reuse."""
    return str(environment().get_template("scenarios/_steps.jinja").module.steps_list(shown, urls, stale))  # type: ignore[attr-defined]
