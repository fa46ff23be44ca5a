"""Bad input a learner can send: lone surrogate escapes, numbers too long to read, a form body in
UTF-16. Each gives a clear message (in the page or a 4xx), never a 500, and whatever is already
stored still renders (GET, Reset, the instructor's drill-down). Runs on SQLite and, in `make
test`, on PostgreSQL (where a raw surrogate in a JSON column is a DataError, not a silent save)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from scenarios.models import Attempt, Progress, Scenario
from tests.scenarios.test_views import csrf_token, docs, loaded, post  # noqa: F401 (fixtures)

GRANTS = "grants-temporary-decrypt"

ESC = "\\ud800"  # the six characters backslash, u, d, 8, 0, 0
LONE = "\ud800"  # what json.loads makes of them: a lone surrogate, not valid Unicode
BIG = "9" * 5000

GRANT_SURROGATE = ('{"GranteePrincipal":"arn:aws:iam::111111111111:role/invoice-reader",'
                   '"Operations":["' + ESC + '"],"Name":"x"}')
GRANT_SURROGATE_KEY = ('{"GranteePrincipal":"arn:aws:iam::111111111111:role/invoice-reader",'
                       '"Operations":["Decrypt"],"' + ESC + '":"x"}')
GRANT_BIG = ('{"GranteePrincipal":"arn:aws:iam::111111111111:role/invoice-reader",'
             '"Operations":["Decrypt"],"Name":' + BIG + '}')


def no_raw_surrogate(value: object) -> None:
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate


def stored_clean(slug: str) -> None:
    for row in Progress.objects.filter(scenario__slug=slug):
        no_raw_surrogate(row.documents)
        no_raw_surrogate(row.last_result_summary)
    for attempt in Attempt.objects.filter(scenario__slug=slug):
        no_raw_surrogate(attempt.documents)


@pytest.fixture
def grants(loaded: None) -> Scenario:  # noqa: F811
    return Scenario.objects.get(slug=GRANTS)


@pytest.mark.parametrize("text", [GRANT_SURROGATE, GRANT_SURROGATE_KEY], ids=["value", "key"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_lone_surrogate_in_grant_request_is_a_finding_and_the_page_keeps_working(
        grants: Scenario, csrf_client: Client, text: str, htmx: bool) -> None:
    response = post(csrf_client, "simulate", docs(grants, grant_request=text), slug=GRANTS, htmx=htmx)
    assert response.status_code == 200
    html = response.content.decode()
    assert "a lone surrogate, which is not valid Unicode" in html
    assert "a bug in KMS Lab" not in html
    # what the learner typed is kept, as typed
    assert Progress.objects.get(scenario=grants).documents["grant_request"] == text
    stored_clean(GRANTS)
    page = csrf_client.get(f"/scenarios/{GRANTS}/")
    assert page.status_code == 200
    assert "a lone surrogate" in page.content.decode()
    reset = post(csrf_client, "reset", {}, slug=GRANTS, htmx=True)
    assert reset.status_code == 200


ALL_SLUGS = ["s3-cross-account-upload", "ebs-snapshot-sharing", "aws-managed-key-trap", "cross-account-download",
             "same-account-no-root-statement", "guardrail-explicit-deny", GRANTS, "centralized-cloudtrail"]


@pytest.mark.parametrize(("endpoint", "slug"), [("format", s) for s in ALL_SLUGS] + [
    ("statement", "s3-cross-account-upload"), ("statement", "aws-managed-key-trap"),
])
def test_format_and_statement_never_save_a_raw_surrogate(loaded: None, csrf_client: Client,  # noqa: F811
                                                         endpoint: str, slug: str) -> None:
    scenario = Scenario.objects.get(slug=slug)
    spec = scenario.spec()
    doc = next((d for d in spec.editable if d.kind.value in {"key_policy", "identity", "bucket_policy"}),
               spec.editable[0])
    text = '{"Version":"2012-10-17","Statement":[{"Sid":"' + ESC + '","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}'
    data = docs(scenario, **{doc.name: text})
    if endpoint == "statement":
        from scenarios.forms import RESOURCE_POLICY_KINDS, StatementBuilderForm

        form = StatementBuilderForm(spec)
        principal = form.fields["principal"].choices[1][0] if doc.kind in RESOURCE_POLICY_KINDS else ""
        data |= {"sb-document": doc.name, "sb-effect": "Allow", "sb-actions": "kms:Decrypt",
                 "sb-resource": form.fields["resource"].choices[0][0], "sb-principal": principal}
    response = post(csrf_client, endpoint, data, slug=slug, htmx=True)
    assert response.status_code == 200
    assert "a lone surrogate, which is not valid Unicode" in response.content.decode()
    stored_clean(slug)
    saved = Progress.objects.get(scenario=scenario).documents[doc.name]
    assert ESC in saved  # the escape is kept as the learner wrote it
    if endpoint == "format":
        assert saved.startswith('{\n  "Version"')
    else:
        assert saved.count('"Sid"') == 2
    assert csrf_client.get(f"/scenarios/{slug}/").status_code == 200


def test_lone_surrogate_in_bucket_encryption_is_a_finding(loaded: None, csrf_client: Client) -> None:  # noqa: F811
    scenario = Scenario.objects.get(slug="aws-managed-key-trap")
    text = '{"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "' + ESC + '"}}]}'
    response = post(csrf_client, "simulate", docs(scenario, bucket_encryption=text), slug=scenario.slug, htmx=True)
    assert response.status_code == 200
    assert "contains the escape \\ud800, a lone surrogate" in response.content.decode()
    stored_clean(scenario.slug)
    assert csrf_client.get(f"/scenarios/{scenario.slug}/").status_code == 200


def test_a_surrogate_pair_escape_is_fine(grants: Scenario, csrf_client: Client) -> None:
    text = GRANT_SURROGATE.replace(ESC, "\\ud83d\\ude00")  # an emoji, written as its escaped pair
    response = post(csrf_client, "simulate", docs(grants, grant_request=text), slug=GRANTS, htmx=True)
    assert response.status_code == 200
    assert "lone surrogate" not in response.content.decode()


def test_a_raw_surrogate_already_stored_still_renders_everywhere(grants: Scenario, csrf_client: Client,
                                                                 django_user_model) -> None:  # type: ignore[no-untyped-def]
    """Rows written before the fix (SQLite kept raw surrogates inside JSON columns)."""
    from django.db import connection

    csrf_client.get(f"/scenarios/{GRANTS}/")
    key = f"anon:{csrf_client.session.session_key}"
    bad = docs(grants, grant_request='{"Operations":["' + LONE + '"]}')
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses to store a lone surrogate (jsonb), so no such rows exist there")
    Progress.objects.create(learner_key=key, scenario=grants, documents=bad,
                            last_result_summary={"errors": ["bad " + LONE]})
    Attempt.objects.create(learner_key=key, scenario=grants, documents=bad, outcome="denied")
    page = csrf_client.get(f"/scenarios/{GRANTS}/")
    assert page.status_code == 200
    assert ESC in page.content.decode()  # shown as the escape the learner typed
    assert post(csrf_client, "reset", {}, slug=GRANTS, htmx=True).status_code == 200
    again = docs(grants, grant_request='{"Operations":["' + ESC + '"]}')
    assert post(csrf_client, "simulate", again, slug=GRANTS, htmx=True).status_code == 200
    no_raw_surrogate(Progress.objects.get(scenario=grants).documents)


@pytest.mark.parametrize(("slug", "name", "text"), [
    (GRANTS, "grant_request", GRANT_BIG),
    ("aws-managed-key-trap", "bucket_encryption", '{"Rules":' + BIG + '}'),
])
def test_a_number_of_thousands_of_digits_is_a_clear_message(loaded: None, csrf_client: Client,  # noqa: F811
                                                            slug: str, name: str, text: str) -> None:
    scenario = Scenario.objects.get(slug=slug)
    response = post(csrf_client, "simulate", docs(scenario, **{name: text}), slug=slug, htmx=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "a bug in KMS Lab" not in html
    assert "more than 4,300 digits" in html
    assert Progress.objects.get(scenario=scenario).documents[name] == text


def test_a_form_body_in_utf16_is_a_400(grants: Scenario, csrf_client: Client) -> None:
    token = csrf_token(csrf_client, GRANTS)
    body = f"csrfmiddlewaretoken={token}&grant_request=x"  # the client encodes it as declared
    response = csrf_client.post(f"/scenarios/{GRANTS}/simulate/", body,
                                content_type="application/x-www-form-urlencoded; charset=utf-16",
                                headers={"X-CSRFToken": token})
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()
