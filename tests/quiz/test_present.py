"""Display helpers: Markdown and engine sentences are sanitised; bare AWS doc URLs become links."""

from __future__ import annotations

from kmslab.quiz.present import inline, md


def test_bare_doc_url_becomes_a_link_without_its_trailing_dot():
    html = md("See https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html.")
    assert 'href="https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"' in html and '.html."' not in html


def test_markdown_link_is_not_doubled():
    html = md("[AWS](https://docs.aws.amazon.com/kms/) text")
    assert html.count("<a ") == 1


def test_inline_escapes_html_and_renders_backticks_as_code():
    html = inline("denied: `<script>alert(1)</script>` of the key policy")
    assert "<script>" not in html and "<code>&lt;script&gt;" in html


def test_markdown_drops_raw_script():
    assert "<script" not in md("hi <script>alert(1)</script>")


def test_url_in_parentheses_becomes_a_link():
    html = md("both allow (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#x).")
    assert 'href="https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#x"' in html
