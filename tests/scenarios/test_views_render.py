"""What the result panel renders: the indented record JSON, the step card partials (escaped),
the remembered diagram, and results that follow every edit (never a stale cached one)."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from kmslab.lab.load import load_spec
from kmslab.lab.result import Outcome, RunResult, StepResult
from kmslab.lab.spec import Expect
from scenarios import jinja, present, progress
from scenarios.models import Scenario
from scenarios.templatetags.scenario_tags import diagram, pretty_json
from tests.lab.builders import SHIPPED
from tests.scenarios.test_views import S3, docs, outcome, post, solution  # noqa: F401
from tests.scenarios.test_views import loaded, s3  # noqa: F401  (fixtures)


def reference_json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


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


def _steps_html(step: StepResult) -> str:
    run = RunResult(S3, Outcome.FAILURE, (), steps=(step,))
    shown = present.show(run, load_spec(SHIPPED[0]))
    return jinja.steps_html(shown, {"fix": "/fix/"}, False)


def test_step_card_escapes_every_learner_and_engine_value() -> None:
    step = StepResult(index=1, title="bob runs `<b>x</b>`", caller="bob", service="kms", operation="Decrypt",
                      expect=Expect.FAILURE, outcome=Outcome.SUCCESS, why="must <fail>", error_code="",
                      error_message="")
    page = _steps_html(step)
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
                      expect=Expect.FAILURE, outcome=Outcome.SUCCESS)
    page = _steps_html(step)
    assert "not as expected: this step must be refused" in page



def test_a_page_views_result_panel_is_rendered_once_per_run(client: Client, loaded: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """scenarios.jinja remembers a page view's panel by its run's key: a reload shows the same
    panel without rendering it again; other saved documents, or a live run, render their own."""
    url = "/scenarios/s3-cross-account-upload/"
    first = client.get(url).content.decode()
    rendered: list[str] = []
    original = jinja.render
    monkeypatch.setattr(jinja, "render", lambda name, **ctx: rendered.append(name) or original(name, **ctx))
    again = client.get(url).content.decode()
    tokens = re.compile(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[A-Za-z0-9]+"')
    assert rendered == [] and tokens.sub("", again) == tokens.sub("", first)
    spec = Scenario.objects.get(slug="s3-cross-account-upload").spec()
    edited = spec.starting_documents()
    name = spec.editable[-1].name
    edited[name] = edited[name].replace("{", '{"Id": "another-version",', 1)
    client.post(url + "simulate/", edited, HTTP_HX_REQUEST="true")
    assert rendered == ["scenarios/_result.jinja"]  # a live run is never answered from memory
    client.get(url)
    assert rendered == ["scenarios/_result.jinja"] * 2  # new saved documents: their own panel
    half = edited | {name: edited[name].rstrip().rstrip("}")}
    client.post(url + "simulate/", half, HTTP_HX_REQUEST="true")
    client.get(url)
    client.get(url)
    assert rendered.count("scenarios/_result.jinja") == 5  # an invalid run's page (stale panel) each time
