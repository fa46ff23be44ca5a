"""reverse() remembered, and the `{% url %}` tag that uses it (a template builtin: settings.TEMPLATES).

A URL is a pure function of the view name, its arguments, the URLconf and the script prefix, yet
Django's reverse() works it out on every call: about 80 us of CPU on a small machine, and the
scenario page has about fifteen (navigation, footer, panels). `reverse` here keys on all of those
and otherwise is Django's reverse (same errors, same escaping in the tag). Only str and int
arguments are remembered; anything else goes to Django every time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode, url as django_url_tag
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.html import conditional_escape

_MEMO: dict[tuple[object, ...], str] = {}
_MEMO_MAX = 4096  # class codes and slugs: bounded, cleared when full

register = template.Library()


def reverse(viewname: str, args: Sequence[object] = (), kwargs: Mapping[str, object] | None = None,
            current_app: str | None = None) -> str:
    kwargs = kwargs or {}
    plain = all(type(a) in (str, int) for a in args) and all(type(v) in (str, int) for v in kwargs.values())
    if not plain or not isinstance(viewname, str):
        return django_reverse(viewname, args=list(args), kwargs=dict(kwargs), current_app=current_app)
    key = (viewname, tuple(args), tuple(sorted(kwargs.items())), current_app, get_script_prefix(),
           get_urlconf(), settings.ROOT_URLCONF)
    found = _MEMO.get(key)
    if found is None:
        found = django_reverse(viewname, args=list(args), kwargs=dict(kwargs), current_app=current_app)
        if len(_MEMO) >= _MEMO_MAX:
            _MEMO.clear()
        _MEMO[key] = found
    return found


class MemoURLNode(URLNode):
    """Django's URLNode.render with `reverse` above."""

    def render(self, context: template.Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request: Any = getattr(context, "request", None)
        if hasattr(request, "current_app"):
            current_app = request.current_app
        else:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> MemoURLNode:
    node = django_url_tag(parser, token)
    return MemoURLNode(node.view_name, node.args, node.kwargs, node.asvar)
