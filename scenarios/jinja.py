"""The one Jinja2 environment, for the templates where the Django template language costs too much.

Only the step cards (templates/scenarios/_steps.jinja) are Jinja2: they are most of every simulate
answer, and the Django template language spent about 3 ms (S3 scenario) to 8 ms (EBS) of CPU a
request on them, Jinja2 a fraction of that (`make bench` shows the simulate endpoint's time; the
closing note of the house issue has the figures). Everything else stays in Django templates.

Autoescaping is on, as in Django templates; filters that return markup return Django's
SafeString, which Jinja2 honours (it has `__html__`). Templates are read from the project's
templates/ folder once per process (re-read when changed while DEBUG is on).
"""

from __future__ import annotations

import functools

from django.conf import settings
from jinja2 import Environment, FileSystemLoader, select_autoescape

from scenarios.markup import codeify, line_range


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(settings.BASE_DIR / "templates")),
        autoescape=select_autoescape(["html", "jinja"], default_for_string=True, default=True),
        auto_reload=bool(settings.DEBUG),
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters.update(codeify=codeify, line_range=line_range)
    return env


def render(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)
