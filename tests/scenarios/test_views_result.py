"""What the result panel shows: gates, errors, explanation, diagram, objectives, CloudTrail,
envelope facts, fixes (risky ones warned) and the simulated notes."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client

from kmslab.iam.decision import Caller, Decision, DenyReason, Gate, GateResult, Request, Verdict
from kmslab.kms.calls import CallRecord
from kmslab.kms.explain import Sentence
from kmslab.kms.fix import Fix
from kmslab.lab.load import load_spec
from kmslab.lab.result import FixOffer, Outcome, RunResult, StepResult
from kmslab.lab.spec import Expect
from scenarios import jinja, present
from tests.lab.builders import SHIPPED
from tests.scenarios.test_views import S3, docs, outcome, post, solution, spec_of  # noqa: F401
from tests.scenarios.test_views import loaded, s3  # noqa: F401  (fixtures)
from scenarios.models import Scenario


def test_failure_shows_gates_error_explanation_diagram_and_denied_trail(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "simulate", docs(s3), htmx=True).content.decode()
    call = re.search(r'<li class="call call-depth-1" data-call-action="kms:GenerateDataKey" data-call-verdict="ImplicitlyDenied">(.*?)</li>', html, re.S)
    assert call, "the KMS call S3 made for bob is in the chain"
    assert 'data-gate="key-policy" data-gate-verdict="ImplicitlyDenied"' in call.group(1)
    assert "because no resource-based policy allows the kms:GenerateDataKey action" in html
    assert re.search(r'<a href="https://docs\.aws\.amazon\.com/[^"]+" rel="noopener noreferrer" target="_blank">AWS docs', html)
    assert 'class="kd-gate kd-denied"' in html  # the diagram, coloured
    denied = re.search(r'data-account="111111111111">.*?<li class="trail-record trail-denied">.*?AccessDeniedException', html, re.S)
    assert denied, "Account B's CloudTrail shows the denied GenerateDataKey"
    assert 'data-objective="steps" data-met="false"' in html
    assert "simulated</span>" in html
    assert "Apply fix to Account A key policy" in html


def test_success_shows_envelope_facts_objectives_and_closing(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()
    assert outcome(html) == "success"
    assert "Envelope encryption that happened" in html and "32 bytes (AES-256-GCM)" in html
    assert "✓ decrypted back to the same bytes" in html
    assert html.count('data-met="true"') == len(re.findall(r'data-objective="', html))
    assert "Why it works" in html  # the closing explanation once solved
    assert 'class="kd-gate kd-allowed"' in html


def test_deciding_statements_are_exposed_for_the_editor_highlight(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "simulate", solution(s3), htmx=True).content.decode()
    marks = re.findall(r'data-mark-doc="(\w+)" data-line-start="(\d+)" data-line-end="(\d+)" data-effect="(\w+)"', html)
    assert ("iam_policy", "10", "15", "Allow") in marks


BOB = "arn:aws:iam::111111111111:user/bob"


def step(fix: FixOffer | None = None, **overrides: object) -> StepResult:
    gate = GateResult(Gate.IAM_POLICY, "111111111111", Verdict.IMPLICITLY_DENIED)
    key = "arn:aws:kms:us-east-1:222222222222:key/k"
    decision = Decision(Request(Caller(BOB, "111111111111", "user", "bob"), "kms:Decrypt", key, "222222222222", {}),
                        Verdict.IMPLICITLY_DENIED, (gate,), (), DenyReason.NO_IDENTITY_POLICY_ALLOWS, "no <script>")
    call = CallRecord("kms", "Decrypt", BOB, key, decisions=(decision,), error_code="AccessDeniedException",
                      error_message="no <script>")
    values: dict[str, object] = dict(
        index=1, title="bob decrypts `x`", caller="bob", service="kms", operation="Decrypt", expect=Expect.SUCCESS,
        outcome=Outcome.FAILURE, calls=(call,), error_code="AccessDeniedException", error_message="no <script>",
        explanation=(Sentence("denied by `IAM`", "cause", "https://docs.aws.amazon.com/kms/x.html"),), fix=fix)
    values.update(overrides)
    return StepResult(**values)  # type: ignore[arg-type]


def render_steps(*steps: StepResult, stale: bool = False) -> str:
    run = RunResult("s3-cross-account-upload", Outcome.FAILURE, (), steps=steps, labels={BOB: "bob <b>"})
    shown = present.show(run, load_spec(SHIPPED[0]))
    return jinja.steps_html(shown, {"fix": "/fix/"}, stale)


def offer(summary: str = "add", *, document: str = "iam_policy", new_text: str = "{}", possible: bool = True,
          reason: str = "", risky: bool = False, warning: str = "") -> FixOffer:
    fix = Fix(Gate.IAM_POLICY, "111111111111", "bob's IAM policy", summary, {}, None, risky, warning, possible, reason)
    return FixOffer(fix, document, new_text, reason)


def test_risky_fix_is_warned_and_still_applicable() -> None:
    fix = offer("allow `kms:*`", risky=True, warning="this allows every KMS action")
    html = render_steps(step(fix))
    assert "fix-risky" in html and "⚠ Too broad:" in html and "this allows every KMS action" in html
    assert 'name="fix" value="1"' in html


@pytest.mark.parametrize(
    ("fix", "stale", "button", "text"),
    [
        (offer("move to a customer managed key", document="", new_text="", possible=False,
               reason="AWS managed keys cannot be shared"), False, False, "AWS managed keys cannot be shared"),
        (offer(), True, False, "Smallest fix"),
        (offer(), False, True, "Smallest fix"),
    ],
    ids=["impossible", "stale-result", "applicable"],
)
def test_fix_button_only_when_the_fix_applies_to_the_current_documents(
        fix: FixOffer, stale: bool, button: bool, text: str) -> None:
    html = render_steps(step(fix), stale=stale)
    assert text in html
    assert ('name="fix"' in html) is button


def test_engine_text_is_escaped_and_backticks_become_code() -> None:
    html = render_steps(step())
    assert "<script>" not in html and "no &lt;script&gt;" in html
    assert "bob &lt;b&gt;" in html
    assert "denied by <code>IAM</code>" in html
    assert 'data-step-outcome="failure"' in html and "not as expected" in html


def test_diagram_says_what_the_iam_policy_is_attached_to(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "simulate", docs(s3), htmx=True).content.decode()
    assert "bob (Account B)" in html  # the failing call is bob's, an IAM user
    assert "identity-based, on the user" in html and "on the role" not in html


@pytest.mark.parametrize(
    ("arn", "kind"),
    [("arn:aws:iam::111111111111:user/bob", "user"), ("arn:aws:iam::111111111111:role/analyst", "role"),
     ("arn:aws:sts::111111111111:assumed-role/operator/restore", "role"),
     ("cloudtrail.amazonaws.com", "caller"), ("arn:aws:iam::111111111111:root", "caller")],
    ids=["user", "role", "role-session", "service", "account"],
)
def test_diagram_caller_kind_comes_from_the_arn(arn: str, kind: str) -> None:
    html = render_to_string("includes/_diagram.html", {"caller_label": "someone", "caller_kind": kind})
    assert f"identity-based, on the {kind}</text>" in html
    from scenarios.templatetags.scenario_tags import caller_kind
    assert caller_kind(arn) == kind


def test_diagram_wraps_long_caller_names_and_keeps_the_full_name_as_a_tooltip() -> None:
    html = render_to_string("includes/_diagram.html", {"caller_label": "analyst role (Account A)"})
    assert '<tspan x="140">analyst role</tspan><tspan x="140" dy="19">(Account A)</tspan>' in html
    assert "<title>analyst role (Account A)</title>" in html
    long = render_to_string("includes/_diagram.html", {"caller_label": "a very long principal name " * 3})
    assert "…</tspan>" in long and "identity-based, on the caller" in long
