"""The scenario pages: list, editor page, simulate and the form actions (full page and htmx)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from scenarios.loader import load_scenarios
from scenarios.models import Attempt, Progress, Scenario
from kmslab.lab.run import run_scenario
from kmslab.lab.spec import ScenarioSpec

S3 = "s3-cross-account-upload"
POST_ENDPOINTS = ["simulate", "statement", "format", "reset", "hint", "solution", "fix"]


@pytest.fixture
def loaded(db: None) -> None:
    report = load_scenarios()
    assert not report.errors, report.errors


@pytest.fixture
def s3(loaded: None) -> Scenario:
    return Scenario.objects.get(slug=S3)


def spec_of(scenario: Scenario) -> ScenarioSpec:
    return scenario.spec()


def docs(scenario: Scenario, **overrides: str) -> dict[str, str]:
    data = spec_of(scenario).starting_documents()
    data.update(overrides)
    return data


def solution(scenario: Scenario) -> dict[str, str]:
    return docs(scenario, **dict(spec_of(scenario).solution))


def csrf_token(client: Client, slug: str = S3) -> str:
    response = client.get(f"/scenarios/{slug}/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page carries a CSRF token"
    return match.group(1)


def post(client: Client, endpoint: str, data: dict[str, str], slug: str = S3, htmx: bool = False):  # type: ignore[no-untyped-def]
    token = csrf_token(client, slug)
    headers = {"HX-Request": "true", "X-CSRFToken": token} if htmx else {}
    payload = dict(data) if htmx else {**data, "csrfmiddlewaretoken": token}
    return client.post(f"/scenarios/{slug}/{endpoint}/", payload, headers=headers)


def outcome(html: str) -> str:
    match = re.search(r'id="result-panel"[^>]*data-outcome="([^"]+)"', html)
    assert match, "the result panel carries data-outcome"
    return match.group(1)


def saved(scenario: Scenario) -> dict[str, str]:
    row = Progress.objects.get(scenario=scenario)
    return dict(row.documents)


# --------------------------------------------------------------------------- list and page


def test_index_lists_every_scenario_as_not_started(loaded: None, csrf_client: Client) -> None:
    html = csrf_client.get("/scenarios/").content.decode()
    for scenario in Scenario.objects.all():
        assert f'href="/scenarios/{scenario.slug}/"' in html
    assert html.count('data-status="not-started"') == Scenario.objects.count()


def test_index_shows_solved_and_in_progress(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", solution(s3))
    other = Scenario.objects.exclude(slug=S3).first()
    assert other is not None
    post(csrf_client, "simulate", docs(other), slug=other.slug)
    html = csrf_client.get("/scenarios/").content.decode()
    assert re.search(rf'data-status="solved">\s*<div[^>]*>\s*<h2[^>]*><a href="/scenarios/{S3}/"', html)
    assert re.search(rf'data-status="in-progress">\s*<div[^>]*>\s*<h2[^>]*><a href="/scenarios/{other.slug}/"', html)


def test_detail_renders_labelled_editors_and_readonly_documents(s3: Scenario, csrf_client: Client) -> None:
    html = csrf_client.get(f"/scenarios/{S3}/").content.decode()
    for name, title in (("key_policy", "Account A key policy"), ("iam_policy", "Account B IAM policy")):
        assert f'<label class="form-label fw-semibold mb-1" for="id_{name}">{title}</label>' in html
        assert re.search(rf'<textarea id="id_{name}" name="{name}"', html)
    assert f'<form id="scenario-form" method="post" action="/scenarios/{S3}/simulate/"' in html
    assert "Account A bucket policy" in html  # read-only context document
    assert outcome(html) == "failure"  # the starting documents, run on load (not recorded)
    assert not Attempt.objects.exists()


def test_detail_unknown_slug_is_404(loaded: None, csrf_client: Client) -> None:
    assert csrf_client.get("/scenarios/no-such-scenario/").status_code == 404
    assert csrf_client.post("/scenarios/no-such-scenario/simulate/", {}).status_code in (403, 404)


def test_unpublished_scenario_is_404_for_learners(s3: Scenario, csrf_client: Client) -> None:
    Scenario.objects.filter(pk=s3.pk).update(is_published=False)
    assert csrf_client.get(f"/scenarios/{S3}/").status_code == 404


# --------------------------------------------------------------------------- simulate


def test_simulate_plain_post_renders_full_page_with_results(s3: Scenario, csrf_client: Client) -> None:
    response = post(csrf_client, "simulate", docs(s3))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html and 'id="scenario-form"' in html
    assert outcome(html) == "failure"
    assert 'data-step-outcome="failure"' in html
    assert "AccessDeniedException" in html


def test_simulate_htmx_returns_only_the_result_partial(s3: Scenario, csrf_client: Client) -> None:
    response = post(csrf_client, "simulate", solution(s3), htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="result-panel"')
    assert "<html" not in html and 'id="scenario-form"' not in html
    assert outcome(html) == "success"
    assert html.count('data-step-outcome="success"') == len(spec_of(s3).steps)
    assert response["Vary"].lower().count("hx-request") == 1


def test_simulate_saves_documents_and_reload_shows_them(s3: Scenario, csrf_client: Client) -> None:
    mine = solution(s3)
    post(csrf_client, "simulate", mine, htmx=True)
    assert saved(s3) == mine
    attempt = Attempt.objects.get()
    assert attempt.outcome == "success" and attempt.solved
    html = csrf_client.get(f"/scenarios/{S3}/").content.decode()
    assert "AllowAccountBToGenerateDataKeys" in html
    assert outcome(html) == "success"


def test_simulate_invalid_json_shows_findings_and_keeps_last_good_result_stale(
        s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", docs(s3), htmx=True)  # a good (failing) run first
    html = post(csrf_client, "simulate", docs(s3, iam_policy='{"Version": "2012-10-17", "Statement": ['),
                htmx=True).content.decode()
    assert outcome(html) == "invalid"
    assert re.search(r'data-finding-doc="iam_policy" data-line="\d+"', html)
    assert 'data-severity="error"' in html
    assert "is-stale" in html and ">stale<" in html
    assert 'data-step-outcome="failure"' in html  # the last good run's steps stay visible
    assert saved(s3)["iam_policy"].startswith('{"Version"')  # what they typed is saved


def test_simulate_invalid_without_a_previous_good_run_shows_no_stale_result(
        s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "simulate", docs(s3, key_policy="not json"), htmx=True).content.decode()
    assert outcome(html) == "invalid"
    assert "is-stale" not in html and "data-step-outcome" not in html
    assert 'data-finding-doc="key_policy"' in html


def test_simulate_oversized_document_is_refused_in_page_and_saved_work_kept(
        s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", solution(s3), htmx=True)
    huge = "{" + " " * 70_000 + "}"
    response = post(csrf_client, "simulate", docs(s3, iam_policy=huge), htmx=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "over the 65,536-character limit" in html
    assert outcome(html) == "not-run"
    assert "is-stale" in html
    assert saved(s3)["iam_policy"] == spec_of(s3).solution["iam_policy"]
    assert 'hx-swap-oob="true"' in html  # the editors come back with the saved text
    assert Attempt.objects.count() == 1  # no attempt for a run that did not happen


def test_simulate_missing_field_uses_saved_text_with_a_message(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", solution(s3), htmx=True)
    html = post(csrf_client, "simulate", {"key_policy": spec_of(s3).solution["key_policy"]},
                htmx=True).content.decode()
    assert "Account B IAM policy was not sent with the form" in html
    assert outcome(html) == "success"


def test_simulate_escapes_hostile_document_text(s3: Scenario, csrf_client: Client) -> None:
    hostile = '</textarea><script>alert(1)</script>'
    html = post(csrf_client, "simulate", docs(s3, iam_policy=hostile)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html


def test_simulate_runner_crash_is_a_message_not_a_500(
        s3: Scenario, csrf_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr("scenarios.views.run_scenario", boom)
    response = post(csrf_client, "simulate", docs(s3, iam_policy="{}"), htmx=True)
    assert response.status_code == 200
    assert "The simulator failed on these documents" in response.content.decode()
    assert saved(s3)["iam_policy"] == "{}"


def test_simulate_crlf_line_endings_are_normalised(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", docs(s3, iam_policy=spec_of(s3).solution["iam_policy"].replace("\n", "\r\n")))
    assert "\r" not in saved(s3)["iam_policy"]


def test_request_body_over_djangos_limit_is_400_not_500(s3: Scenario) -> None:
    client = Client()
    response = client.post(f"/scenarios/{S3}/simulate/", {"key_policy": "x" * 3_000_000})
    assert response.status_code == 400


# --------------------------------------------------------------------------- method and CSRF


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS, ids=POST_ENDPOINTS)
def test_post_endpoint_without_csrf_token_is_403(s3: Scenario, csrf_client: Client, endpoint: str) -> None:
    csrf_client.get(f"/scenarios/{S3}/")  # a session and CSRF cookie, but no token sent
    response = csrf_client.post(f"/scenarios/{S3}/{endpoint}/", docs(s3))
    assert response.status_code == 403
    assert not Attempt.objects.exists()


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS, ids=POST_ENDPOINTS)
def test_post_endpoint_refuses_get_with_405(s3: Scenario, csrf_client: Client, endpoint: str) -> None:
    assert csrf_client.get(f"/scenarios/{S3}/{endpoint}/").status_code == 405


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS, ids=POST_ENDPOINTS)
def test_post_endpoint_with_no_fields_is_not_a_500(s3: Scenario, csrf_client: Client, endpoint: str) -> None:
    response = post(csrf_client, endpoint, {})
    assert response.status_code in (200, 302)


# --------------------------------------------------------------------------- form actions


def builder_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "sb-document": "iam_policy", "sb-effect": "Allow", "sb-principal": "",
        "sb-actions": ["kms:GenerateDataKey"],
        "sb-resource": "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "sb-sid": "", "sb-condition_operator": "", "sb-condition_key": "", "sb-condition_value": "",
    }
    data.update(overrides)
    return data


def test_statement_htmx_inserts_into_the_document_and_reruns(s3: Scenario, csrf_client: Client) -> None:
    response = post(csrf_client, "statement", {**docs(s3), **builder_data()}, htmx=True)  # type: ignore[dict-item]
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="statement-builder"')
    assert '<div id="editors" class="row g-3 editors" hx-swap-oob="true">' in html
    assert 'id="result-panel"' in html and "Inserted a statement into Account B IAM policy." in html
    text = saved(s3)["iam_policy"]
    assert '"Sid": "AllowGenerateDataKey"' in text and '"kms:GenerateDataKey"' in text
    assert text.count('"Effect"') == 2


def test_statement_plain_post_renders_the_page_with_the_statement(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "statement", {**docs(s3), **builder_data(  # type: ignore[dict-item]
        **{"sb-document": "key_policy", "sb-principal": "arn:aws:iam::111111111111:root", "sb-resource": "*"})}
    ).content.decode()
    assert "<html" in html
    assert "arn:aws:iam::111111111111:root" in saved(s3)["key_policy"]
    assert "&quot;AllowGenerateDataKey&quot;" in html  # in the editor textarea


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sb-principal": "arn:aws:iam::111111111111:root"}, "an IAM (identity) policy has no Principal"),
        ({"sb-document": "key_policy", "sb-principal": ""}, "needs a Principal"),
        ({"sb-actions": ["kms:NotAnAction"]}, "Select a valid choice"),
        ({"sb-condition_operator": "StringEquals"}, "a condition needs an operator, a key and a value"),
        ({"sb-document": "bucket_policy"}, "Select a valid choice"),  # read-only document
    ],
    ids=["principal-in-iam", "no-principal-in-key-policy", "forged-action", "half-condition", "readonly-doc"],
)
def test_statement_bad_builder_input_is_an_in_page_error(
        s3: Scenario, csrf_client: Client, overrides: dict[str, object], message: str) -> None:
    before = docs(s3)
    response = post(csrf_client, "statement", {**before, **builder_data(**overrides)}, htmx=True)  # type: ignore[dict-item]
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"')
    assert saved(s3) == before


def test_statement_into_invalid_json_says_fix_it_first(s3: Scenario, csrf_client: Client) -> None:
    html = post(csrf_client, "statement", {**docs(s3, iam_policy="{oops"), **builder_data()},  # type: ignore[dict-item]
                htmx=True).content.decode()
    assert "is not valid JSON" in html and "fix or reset it first" in html
    assert saved(s3)["iam_policy"] == "{oops"


def test_format_pretty_prints_every_valid_document(s3: Scenario, csrf_client: Client) -> None:
    compact = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}'
    html = post(csrf_client, "format", docs(s3, iam_policy=compact, key_policy="{bad"), htmx=True).content.decode()
    assert saved(s3)["iam_policy"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n')
    assert saved(s3)["key_policy"] == "{bad"
    assert "Account A key policy was not formatted" in html
    assert 'id="editors"' in html


def test_reset_restores_the_starting_documents(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", solution(s3))
    response = post(csrf_client, "reset", {})
    assert response.status_code == 302 and response["Location"] == f"/scenarios/{S3}/"
    html = csrf_client.get(f"/scenarios/{S3}/").content.decode()
    assert "AllowAccountBToGenerateDataKeys" not in html
    assert Attempt.objects.count() == 1  # history kept


def test_reset_htmx_returns_result_and_starting_editors(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", solution(s3))
    html = post(csrf_client, "reset", {}, htmx=True).content.decode()
    assert outcome(html) == "failure"
    assert 'hx-swap-oob="true"' in html and "AllowAccountBToGenerateDataKeys" not in html


def test_hint_reveals_one_more_hint_each_time(s3: Scenario, csrf_client: Client) -> None:
    hints = spec_of(s3).hints
    first = post(csrf_client, "hint", docs(s3), htmx=True).content.decode()
    assert first.lstrip().startswith('<section id="hints"')
    assert first.count("<li>") == 1
    second = post(csrf_client, "hint", docs(s3), htmx=True).content.decode()
    assert second.count("<li>") == 2
    assert f"(2 of {len(hints)})" in second
    plain = post(csrf_client, "hint", docs(s3))
    assert plain.status_code == 302 and plain["Location"].endswith("#hints")
    assert Progress.objects.get(scenario=s3).hints_shown == 3


def test_hints_stop_at_the_last_one(s3: Scenario, csrf_client: Client) -> None:
    for _ in range(len(spec_of(s3).hints) + 2):
        html = post(csrf_client, "hint", docs(s3), htmx=True).content.decode()
    assert "No more hints." in html and "Next hint" not in html


def test_solution_is_locked_until_an_attempt(s3: Scenario, csrf_client: Client) -> None:
    page = csrf_client.get(f"/scenarios/{S3}/").content.decode()
    assert "Show solution" not in page
    html = post(csrf_client, "solution", {**docs(s3), "show": "solution"}, htmx=True).content.decode()
    assert "Run the simulation at least once" in html
    assert "AllowAccountBToGenerateDataKeys" not in html


def test_first_simulate_unlocks_the_solution_buttons_in_place(s3: Scenario, csrf_client: Client) -> None:
    first = post(csrf_client, "simulate", docs(s3), htmx=True).content.decode()
    assert '<div id="solution-controls" hx-swap-oob="true">' in first and "Show solution" in first
    second = post(csrf_client, "simulate", docs(s3), htmx=True).content.decode()
    assert '<div id="solution-controls" hx-swap-oob="true">' in second and "Show solution" in second


@pytest.mark.parametrize("endpoint", ["fix", "format", "statement"])
def test_a_first_run_by_any_button_unlocks_the_solution_in_place(
        s3: Scenario, csrf_client: Client, endpoint: str) -> None:
    data = {**docs(s3), "fix": "1", "sb-document": "key_policy", "sb-effect": "Allow",
            "sb-principal": "arn:aws:iam::111111111111:root", "sb-actions": "kms:GenerateDataKey", "sb-resource": "*"}
    html = post(csrf_client, endpoint, data, htmx=True).content.decode()
    assert '<div id="solution-controls" hx-swap-oob="true">' in html
    assert "Show solution" in html and "Diff against the solution" in html


def test_the_locked_solution_does_not_ask_for_a_run_on_a_page_showing_one(s3: Scenario, csrf_client: Client) -> None:
    page = csrf_client.get(f"/scenarios/{S3}/").content.decode()
    assert outcome(page) == "failure"  # a result is on the page...
    assert "Run the simulation at least once" not in page  # ...so do not say none was run
    assert "The result shown is for the starting documents" in page


def test_solution_after_an_attempt_shows_text_and_diff(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", docs(s3))
    shown = post(csrf_client, "solution", {**docs(s3), "show": "solution"}, htmx=True).content.decode()
    assert shown.lstrip().startswith('<div id="solution-panel"')
    assert "AllowAccountBToGenerateDataKeys" in shown
    diff = post(csrf_client, "solution", {**docs(s3), "show": "diff"}, htmx=True).content.decode()
    assert re.search(r'<span class="diff-line diff-add">.*\+.*AllowAccountBToGenerateDataKeys', diff)
    assert "<html" in post(csrf_client, "solution", {**docs(s3), "show": "diff"}).content.decode()


def test_fix_applies_the_runners_fix_and_shows_what_changed(s3: Scenario, csrf_client: Client) -> None:
    start = docs(s3)
    expected = run_scenario(spec_of(s3), start).steps[0].fix
    assert expected is not None and expected.applicable
    html = post(csrf_client, "fix", {**start, "fix": "1"}, htmx=True).content.decode()
    assert saved(s3)[expected.document] == expected.new_text
    assert "Applied fix:" in html and "diff-add" in html
    assert 'id="editors"' in html and 'hx-swap-oob="true"' in html
    assert outcome(html) in ("success", "failure")


def test_fix_in_two_parts_says_what_it_applied_and_what_is_still_needed(s3: Scenario, csrf_client: Client) -> None:
    # At the start both documents lack the upload: the key policy edit comes first, the IAM edit next.
    expected = run_scenario(spec_of(s3), docs(s3)).steps[0].fix
    assert expected is not None and expected.then
    html = post(csrf_client, "fix", {**docs(s3), "fix": "1"}, htmx=True).content.decode()
    applied = re.search(r'<p class="mb-1 fw-semibold">(.*?)</p>', html, re.S)
    assert applied is not None
    assert "Applied fix: add a statement to the key policy allowing account 111111111111" in applied.group(1)
    assert ", then" not in applied.group(1) and "Still needed: add <code>kms:GenerateDataKey</code>" in applied.group(1)
    # The learner's text is kept: the diff only adds lines.
    assert '<span class="diff-line diff-del">' not in html


@pytest.mark.parametrize("value", ["", "abc", "-1", "99", "1" * 50], ids=["empty", "text", "negative", "no-step", "huge"])
def test_fix_forged_step_is_a_message_not_a_500(s3: Scenario, csrf_client: Client, value: str) -> None:
    response = post(csrf_client, "fix", {**docs(s3), "fix": value}, htmx=True)
    assert response.status_code == 200
    assert "That fix no longer applies" in response.content.decode()
    assert saved(s3) == docs(s3)


# --------------------------------------------------------------------------- every shipped scenario


SLUGS = [
    "s3-cross-account-upload", "ebs-snapshot-sharing", "aws-managed-key-trap", "cross-account-download",
    "same-account-no-root-statement", "guardrail-explicit-deny", "grants-temporary-decrypt",
    "centralized-cloudtrail",
]


@pytest.mark.parametrize("slug", SLUGS, ids=SLUGS)
def test_every_scenario_page_renders_and_its_solution_succeeds(loaded: None, csrf_client: Client, slug: str) -> None:
    scenario = Scenario.objects.get(slug=slug)
    page = csrf_client.get(f"/scenarios/{slug}/").content.decode()
    assert outcome(page) == "failure"
    for doc in spec_of(scenario).editable:
        assert f'for="id_{doc.name}">{doc.title}</label>' in page.replace("&#x27;", "'")
    html = post(csrf_client, "simulate", solution(scenario), slug=slug, htmx=True).content.decode()
    assert outcome(html) == "success"
    assert "data-step-outcome=\"failure\"" not in html or "must fail" in page


def test_statement_builder_is_offered_only_when_a_policy_is_editable(loaded: None, csrf_client: Client) -> None:
    assert 'id="statement-builder"' in csrf_client.get(f"/scenarios/{S3}/").content.decode()
    grants = csrf_client.get("/scenarios/grants-temporary-decrypt/").content.decode()
    assert 'id="statement-builder"' not in grants  # its only editable document is a CreateGrant request


def test_diff_after_a_correct_solve_says_the_two_decide_every_step_alike(s3: Scenario, csrf_client: Client) -> None:
    mine = solution(s3)
    mine["key_policy"] = mine["key_policy"].replace('"Sid": "', '"Sid": "Mine')  # only Sids differ
    assert mine["key_policy"] != solution(s3)["key_policy"]
    post(csrf_client, "simulate", mine)
    html = post(csrf_client, "solution", {**mine, "show": "diff"}, htmx=True).content.decode()
    assert 'data-differing-steps=""' in html
    assert "decide every step alike" in html and "objectives are not met" not in html
    assert "diff-add" in html  # the text still differs, and the diff still shows it


def test_diff_names_the_steps_decided_differently(s3: Scenario, csrf_client: Client) -> None:
    post(csrf_client, "simulate", docs(s3))
    html = post(csrf_client, "solution", {**docs(s3), "show": "diff"}, htmx=True).content.decode()
    differing = re.search(r'data-differing-steps="([0-9,]+)"', html)
    assert differing and "1" in differing.group(1).split(",")
    assert "decide every step alike" not in html and "differently." in html
