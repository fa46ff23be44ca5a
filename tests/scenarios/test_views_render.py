"""The simulate endpoint's fast paths keep the page and the decisions exactly as they were:
the indented record JSON, the Python-written step cards, the remembered diagram, and the
caches of linted documents and editable names (which must never show a stale result)."""

from __future__ import annotations

import html as htmllib
import json
import math
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import lintdocs, progress
from scenarios.models import Scenario
from scenarios.runner import StepResult
from scenarios.templatetags.jsontext import dumps_pretty
from scenarios.templatetags.scenario_tags import diagram, pretty_json
from tests.scenarios.test_views import S3, docs, outcome, post, solution  # noqa: F401
from tests.scenarios.test_views import loaded, s3  # noqa: F401  (fixtures)


def reference_json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_dumps_pretty_matches_json_dumps_text(value: object) -> None:
    assert dumps_pretty(value) == reference_json(value)


@pytest.mark.parametrize(
    "value",
    [{"b": b"\x00\xff"}, {"when": object}, {"a": math.nan, "b": [-math.inf]}, {1: "x"}, {"é☃\u2028": "<&>\"'"},
     [[[[]]], {}], {"x": {"y": {"z": ()}}}, True, 10**30],
    ids=["bytes-by-str", "object-by-str", "nan-inf", "int-key", "unicode-and-html", "empty-nesting",
         "empty-tuple", "bare-bool", "big-int"],
)
def test_dumps_pretty_matches_json_dumps_on_edge_values(value: object) -> None:
    assert dumps_pretty(value) == reference_json(value)


def test_pretty_json_unencodable_values_fall_back_to_text() -> None:
    cycle: dict[str, object] = {}
    cycle["self"] = cycle
    assert pretty_json(cycle) == str(cycle)  # json.dumps refuses a cycle; the page shows text
    assert pretty_json({1: "a", "b": 2}) == str({1: "a", "b": 2})  # keys json.dumps cannot sort


def test_simulate_record_json_is_the_records_indented_json(s3: Scenario, csrf_client: Client) -> None:
    page = post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()
    blocks = re.findall(r'<pre class="trail-json" tabindex="0"><code>(.*?)</code></pre>', page, re.S)
    assert len(blocks) >= 2, "both accounts' records carry their JSON"
    for block in blocks:
        text = htmllib.unescape(block)
        record = json.loads(text)
        assert text == reference_json(record)
        assert record["eventSource"] == "kms.amazonaws.com"


@pytest.mark.parametrize(
    ("states", "same_account"),
    [(("allowed", "allowed", "allowed"), False), (("denied", "ignored", "denied"), True),
     (("explicit-deny", "unknown", "denied"), False), (("", "", ""), False)],
    ids=["all-allowed", "same-account-ignored", "explicit-deny", "empty-states-default"],
)
def test_diagram_tag_is_the_include_rendered(states: tuple[str, str, str], same_account: bool) -> None:
    kp, ip, cs = states
    values = {"diagram_id": "result-diagram", "key_policy_state": kp, "iam_policy_state": ip, "call_state": cs,
              "same_account": same_account, "caller_label": "bob <Account B>", "operation": "kms:Decrypt"}
    expected = render_to_string("includes/_diagram.html", values)
    assert str(diagram(*values.values())) == expected
    assert str(diagram(*values.values())) == expected  # the remembered copy too
    assert "bob &lt;Account B&gt;" in expected


def test_step_card_escapes_every_learner_and_engine_value() -> None:
    step = StepResult(index=1, title="bob runs `<b>x</b>`", caller="bob", service="kms", operation="Decrypt",
                      expect="failure", outcome="success", why="must <fail>", error_code="",
                      error_message="")
    run = type("Run", (), {"steps": (step,)})()
    page = render_to_string("scenarios/_steps.html", {"run": run, "stale": False, "urls": {"fix": "/fix/"}})
    assert "<b>" not in page and "<fail>" not in page
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in page and "must &lt;fail&gt;" in page
    assert 'data-step-outcome="success"' in page and "step-unexpected" in page
    assert "must fail</span>" in page and "not as expected" in page


def test_simulate_edit_after_cached_run_shows_new_outcome(s3: Scenario, csrf_client: Client) -> None:
    # the same documents twice (the second from the lint cache), then an edit, then back
    assert outcome(post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()) == "success"
    assert outcome(post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()) == "success"
    broken = solution(s3) | {"iam_policy": solution(s3)["iam_policy"].replace('"Allow"', '"Alow"', 1)}
    assert outcome(post(csrf_client, "simulate", broken, htmx=True).content.decode()) == "invalid"
    assert outcome(post(csrf_client, "simulate", docs(s3), htmx=True).content.decode()) == "failure"
    assert outcome(post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()) == "success"


def test_lint_cache_reuses_a_documents_lint_only_for_the_same_text(s3: Scenario) -> None:
    spec = s3.spec()
    texts = solution(s3)
    first = lintdocs.lint_documents(spec, texts)
    again = lintdocs.lint_documents(spec, dict(texts))
    assert again["iam_policy"] is first["iam_policy"]
    edited = texts | {"iam_policy": texts["iam_policy"].replace("kms:GenerateDataKey", "kms:GenerateDataKey*", 1)}
    changed = lintdocs.lint_documents(spec, edited)
    assert changed["iam_policy"] is not first["iam_policy"]
    assert changed["iam_policy"].result.text == edited["iam_policy"]
    assert changed["key_policy"] is first["key_policy"]  # the unchanged document is not linted again
    fresh = lintdocs.lint_document(spec, spec.document("iam_policy"), edited["iam_policy"])  # type: ignore[arg-type]
    assert changed["iam_policy"].result.findings == fresh.result.findings


def test_lint_cache_is_per_scenario_content(s3: Scenario) -> None:
    other = Scenario.objects.exclude(slug=S3).first()
    assert other is not None
    a, b = s3.spec(), other.spec()
    assert lintdocs.spec_fingerprint(a) != lintdocs.spec_fingerprint(b)
    assert lintdocs.spec_fingerprint(a) == lintdocs.spec_fingerprint(Scenario.objects.get(slug=S3).spec())


def test_editable_names_follow_an_admin_edit(s3: Scenario) -> None:
    assert progress.clean_documents(s3, solution(s3)).keys() == {"key_policy", "iam_policy"}
    data = dict(s3.data)  # staff make the IAM policy read-only in the admin
    data["documents"] = [d | {"editable": False} if d.get("name") == "iam_policy" else d for d in data["documents"]]
    data["solution"] = {"key_policy": data["solution"]["key_policy"]}
    s3.data = data
    s3.save()
    row = Scenario.objects.get(pk=s3.pk)
    assert row.spec().document("iam_policy").editable is False  # type: ignore[union-attr]
    assert progress.clean_documents(row, solution(s3)).keys() == {"key_policy"}


def test_step_card_says_a_must_fail_step_that_succeeded_must_be_refused() -> None:
    step = StepResult(index=3, title="a stray trail", caller="trail", service="cloudtrail", operation="DeliverLogFile",
                      expect="failure", outcome="success")
    run = type("Run", (), {"steps": (step,)})()
    page = render_to_string("scenarios/_steps.html", {"run": run, "stale": False, "urls": {"fix": "/fix/"}})
    assert "not as expected: this step must be refused" in page
