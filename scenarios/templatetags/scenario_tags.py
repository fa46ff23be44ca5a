"""Template filters for the scenario pages: labels for statuses and finding severities, Markdown for
the scenario texts (sanitised by the lesson renderer), backtick code in engine messages, JSON.
The labels come from scenarios.present, the one presentation module.

Everything user- or engine-supplied is escaped before any markup is added.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kmslab.lessons.content import render_markdown
from scenarios.markup import codeify, line_range
from scenarios.present import SEVERITIES, STATUSES

register = template.Library()


@register.filter
def status_label(status: str) -> str:
    return STATUSES.get(status, (status, "secondary"))[0]


@register.filter
def status_color(status: str) -> str:
    return STATUSES.get(status, (status, "secondary"))[1]


@register.filter
def severity_label(severity: object) -> str:
    return SEVERITIES.get(str(severity), (str(severity), "secondary"))[0]


@register.filter
def severity_color(severity: object) -> str:
    return SEVERITIES.get(str(severity), (str(severity), "secondary"))[1]


register.filter(codeify)


@functools.lru_cache(maxsize=256)
def _markdown(text: str) -> str:
    return render_markdown(text)


@register.filter
def markdown(text: object) -> SafeString:
    """Scenario Markdown (narrative, closing, hints), sanitised with nh3 by the lesson renderer."""
    return mark_safe(_markdown(str(text)))  # noqa: S308 - nh3-cleaned


@register.filter
def without_simulated_prefix(text: object) -> str:
    """Notes are shown under a "simulated" badge: drop a leading "Simulated:" they may carry."""
    value = str(text)
    return value[len("simulated:"):].lstrip() if value.lower().startswith("simulated:") else value


@register.filter
def pretty_json(value: object) -> str:
    """Indented, key-sorted JSON (a CloudTrail record). Indenting runs json's pure-Python encoder
    (a CloudTrail panel spent most of its time here); the compact C-encoded text is the key of a
    cache of indented texts, since the same records come back run after run."""
    try:
        compact = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)
    return _indented(compact)


@functools.lru_cache(maxsize=1024)
def _indented(compact: str) -> str:
    return json.dumps(json.loads(compact), indent=2)  # keys already sorted; loads keeps their order


register.filter(line_range)


_DIAGRAM_ARGS = ("diagram_id", "key_policy_state", "iam_policy_state", "call_state", "same_account", "caller_label",
                 "operation", "caller_kind")


@register.filter
def caller_kind(arn: object) -> str:
    """"user", "role" or "caller" (a service, an account, anything else) for the diagram's wording."""
    value = str(arn)
    if ":user/" in value:
        return "user"
    if ":role/" in value or ":assumed-role/" in value:
        return "role"
    return "caller"


@register.filter
def diagram_lines(label: object, size: str = "21,2") -> list[str]:
    """`label` wrapped for an SVG box: at most `chars` characters a line and `lines` lines
    (SVG text does not wrap by itself). A label that does not fit ends in an ellipsis; the
    diagram also gives the full label as a tooltip."""
    chars, _, lines = size.partition(",")
    width, most = int(chars), int(lines or 2)
    # "(Account B)" stays on one line: break before it, not inside it
    text = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\u00a0"), str(label))
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > most:
        wrapped = wrapped[:most]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return [line.replace("\u00a0", " ") for line in wrapped]


@register.simple_tag
def diagram(diagram_id: object, key_policy_state: object, iam_policy_state: object, call_state: object,
            same_account: object, caller_label: object, operation: object, caller_kind: object = "") -> SafeString:
    """includes/_diagram.html for these values. The include reads nothing else, so its text is
    remembered per distinct set of values (a run shows one of a few dozen) instead of walking its
    sixty-odd template conditions on every keystroke."""
    return mark_safe(_diagram(str(diagram_id), str(key_policy_state), str(iam_policy_state), str(call_state),
                              bool(same_account), str(caller_label), str(operation),
                              str(caller_kind)))  # noqa: S308 - a rendered template


@functools.lru_cache(maxsize=256)
def _diagram(*values: object) -> str:
    return str(render_to_string("includes/_diagram.html", dict(zip(_DIAGRAM_ARGS, values))))
