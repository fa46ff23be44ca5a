"""kmslab.urlmemo: the remembered reverse() and the {% url %} builtin give Django's answers."""

from __future__ import annotations

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix
from django.urls import reverse as django_reverse

from kmslab import urlmemo


@pytest.mark.parametrize("name, args", [("home", ()), ("scenarios:simulate", ("s3-cross-account-upload",)),
                                        ("classroom:mine", ("AB12CD",)), ("lessons:section", ("glossary",))])
def test_reverse_is_djangos(name: str, args: tuple[str, ...]) -> None:
    assert urlmemo.reverse(name, args=args) == django_reverse(name, args=args)
    assert urlmemo.reverse(name, args=args) == django_reverse(name, args=args)  # the remembered answer


def test_reverse_follows_the_script_prefix() -> None:
    plain = urlmemo.reverse("scenarios:index")
    try:
        set_script_prefix("/kmslab/")
        assert urlmemo.reverse("scenarios:index") == "/kmslab" + plain
    finally:
        clear_script_prefix()
    assert urlmemo.reverse("scenarios:index") == plain


def test_unknown_names_raise_each_time() -> None:
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            urlmemo.reverse("no-such-view")


def test_url_tag_is_the_remembered_one_and_escapes_as_djangos() -> None:
    template = Template("{% url 'scenarios:simulate' slug %}|{% url 'nope' as missing %}[{{ missing }}]"
                        "|{% url 'scenarios:detail' slug as there %}{{ there }}")
    assert isinstance(template.nodelist[0], urlmemo.MemoURLNode)
    out = template.render(Context({"slug": "s3-cross-account-upload"}))
    assert out == "/scenarios/s3-cross-account-upload/simulate/|[]|/scenarios/s3-cross-account-upload/"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'nope' %}").render(Context())
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_a_changed_urlconf_is_not_answered_from_memory() -> None:
    before = urlmemo.reverse("home")
    with override_settings(ROOT_URLCONF="tests.urls_elsewhere"):
        assert urlmemo.reverse("home") == "/elsewhere/"
    assert urlmemo.reverse("home") == before
