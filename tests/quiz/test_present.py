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


def test_predict_feedback_says_which_half_was_wrong(bank):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from kmslab.quiz import engine
    from kmslab.quiz.present import show
    from tests.quiz.builders import make_sitting

    s = make_sitting("anon:p", ["predict-iam-deny-wins"], started_at=timezone.now())
    item = s.items.get()
    key = engine.predict_key(item.payload["setup"])
    item.response = {"verdict": key.verdict, "statements": [engine.NONE_CHOICE]}
    item.correct = False
    shown = show(item, feedback=True)
    parts = {p["name"]: p for p in shown.parts}
    assert parts["Verdict"]["right"] is True
    assert parts["Deciding statements"]["right"] is False
    assert "missing:" in parts["Deciding statements"]["detail"]
