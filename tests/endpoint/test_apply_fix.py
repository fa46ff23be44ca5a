"""Apply fix from the API calls panel: a denied real-CLI call's smallest fix, put into the learner's
document through the simulator's own fix engine and saving path; only for the learner's own calls."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from botocore.credentials import Credentials
from django.core.management import call_command
from django.test import Client

from kmslab.endpoint import credentials, fixes
from kmslab.endpoint.models import ApiCall
from kmslab.kms.fix import apply_fix
from kmslab.lab.run import run_scenario
from scenarios import progress
from scenarios.models import Scenario
from tests.endpoint.test_wire import KEY_ARN, kms, send

SLUG = "s3-cross-account-upload"
FIX_BUTTON = re.compile(r'data-call-fix="(\d+)">Apply fix to ([^<]+)</button>')


class Browser:
    """One learner's browser session (CSRF enforced, as the page's htmx sends the token)."""

    def __init__(self, slug: str = SLUG) -> None:
        self.slug = slug
        self.client = Client(enforce_csrf_checks=True)
        self.client.get(f"/scenarios/{slug}/")
        self.scenario = Scenario.objects.get(slug=slug)
        lab = credentials.lab_for(self.key, self.scenario)
        self.keys = {p.principal: Credentials(p.access_key_id, p.secret)
                     for p in credentials.profiles(lab, self.scenario.spec()) if p.access_key_id}

    @property
    def key(self) -> str:
        return f"anon:{self.client.session.session_key}"

    def documents(self) -> dict[str, str]:
        return progress.current_documents(self.key, self.scenario)

    def panel(self) -> str:
        return self.client.get(f"/scenarios/{self.slug}/aws-calls/").content.decode()

    def apply(self, call_id: int, documents: dict[str, str] | None = None, htmx: bool = True) -> Any:
        token = self.client.cookies["csrftoken"].value
        headers = {"HTTP_X_CSRFTOKEN": token} | ({"HTTP_HX_REQUEST": "true"} if htmx else {})
        return self.client.post(f"/scenarios/{self.slug}/aws-calls/{call_id}/fix/", documents or self.documents(), **headers)


def generate_data_key(creds: Credentials) -> Any:
    return kms("GenerateDataKey", json.dumps({"KeyId": KEY_ARN, "KeySpec": "AES_256"}).encode(), creds)


@pytest.fixture
def me(db: Any) -> Browser:
    call_command("loadscenarios", stdout=io.StringIO())
    return Browser()


def test_apply_fix_puts_the_step_cards_fix_into_the_learners_document(me: Browser) -> None:
    assert generate_data_key(me.keys["bob"]).status_code == 400
    call = ApiCall.objects.get()
    buttons = FIX_BUTTON.findall(me.panel())
    assert buttons == [(str(call.pk), "Account A key policy")]
    # the simulator's step card offers the same fix for the same documents (step 1: bob's upload)
    before = me.documents()
    card = run_scenario(me.scenario.spec(), before).steps[0].fix
    assert card is not None and card.applicable and card.document == "key_policy"
    response = me.apply(call.pk)
    assert response.status_code == 200 and response["HX-Trigger"] == "kl-calls-changed"
    html = response.content.decode()
    assert "Applied fix for kms:GenerateDataKey by bob" in html and "Still needed" in html
    assert 'id="editors"' in html and 'id="result-panel"' in html  # the result panel and editors come back
    after = me.documents()
    assert after["key_policy"] == card.new_text and after["iam_policy"] == before["iam_policy"]
    assert card.new_text in me.client.get(f"/scenarios/{SLUG}/").content.decode().replace("&quot;", '"')
    assert FIX_BUTTON.findall(me.panel()) == []  # used: the document is no longer the one that decided the call


def test_apply_fix_twice_from_two_calls_then_the_call_is_allowed(me: Browser) -> None:
    for half in ("key_policy", "iam_policy"):
        assert generate_data_key(me.keys["bob"]).status_code == 400
        (call_id, _), = FIX_BUTTON.findall(me.panel())
        before = me.documents()
        assert me.apply(int(call_id)).status_code == 200
        assert me.documents()[half] != before[half]
    assert generate_data_key(me.keys["bob"]).status_code == 200


def test_apply_fix_without_htmx_renders_the_page_with_the_change(me: Browser) -> None:
    generate_data_key(me.keys["bob"])
    html = me.apply(ApiCall.objects.get().pk, htmx=False).content.decode()
    assert "<html" in html and "Applied fix for kms:GenerateDataKey" in html


def test_apply_fix_after_the_document_changed_changes_nothing_and_says_so(me: Browser) -> None:
    generate_data_key(me.keys["bob"])
    edited = me.documents() | {"key_policy": me.documents()["key_policy"].replace("\n", "\n ", 1)}
    html = me.apply(ApiCall.objects.get().pk, edited).content.decode()
    assert "fix no longer applies" in html
    assert me.documents() == edited  # what was typed is saved, nothing applied


def test_apply_fix_of_another_learners_call_is_404_and_changes_nothing(me: Browser) -> None:
    generate_data_key(me.keys["bob"])
    call = ApiCall.objects.get()
    other = Browser()
    mine, theirs = me.documents(), other.documents()
    assert other.apply(call.pk).status_code == 404
    assert other.apply(call.pk + 1000).status_code == 404
    assert me.documents() == mine and other.documents() == theirs
    trap = Browser("aws-managed-key-trap")  # the same learner's call, asked for under another scenario
    trap.client = me.client
    assert trap.apply(call.pk).status_code == 404 and me.documents() == mine
    assert "Apply fix" not in other.panel()


def test_apply_fix_needs_the_csrf_token(me: Browser) -> None:
    generate_data_key(me.keys["bob"])
    resp = me.client.post(f"/scenarios/{SLUG}/aws-calls/{ApiCall.objects.get().pk}/fix/", me.documents())
    assert resp.status_code == 403


def test_apply_fix_is_not_offered_for_an_allowed_call_or_an_impossible_fix(me: Browser) -> None:
    solved = me.scenario.spec().solution
    progress.record_attempt(me.key, me.scenario, dict(solved), None)
    assert generate_data_key(me.keys["bob"]).status_code == 200
    # an AWS managed key across accounts: no policy edit can help (the engine says why, no button)
    trap = Browser("aws-managed-key-trap")
    put = send("PUT", "/aws/account-a-drop/report.csv", b"date,revenue\n", creds=trap.keys["bob"], service="s3")
    assert put.status_code == 403
    call = ApiCall.objects.get(lab__scenario=trap.scenario)
    assert "apply" not in call.detail and any("AWS managed" in k["fix"] for k in call.detail["calls"])
    assert FIX_BUTTON.findall(trap.panel()) == [] and FIX_BUTTON.findall(me.panel()) == []
    assert "AWS managed keys cannot be used across accounts" in trap.panel()


@pytest.mark.django_db
def test_apply_fix_json_round_trip_applies_the_same_edit() -> None:
    """Every fix the shipped scenarios' starting documents get, stored and read back, makes the same edit."""
    call_command("loadscenarios", stdout=io.StringIO())
    seen = 0
    for scenario in Scenario.objects.all():
        spec = scenario.spec()
        docs = spec.starting_documents()
        for step in run_scenario(spec, docs).steps:
            offer = step.fix
            if offer is None or not offer.applicable or offer.fix is None:
                continue
            back = fixes.fix_from_json(json.loads(json.dumps(fixes.fix_to_json(offer.fix))))
            assert back is not None
            assert apply_fix(docs[offer.document], back) == offer.new_text
            seen += 1
    assert seen >= 3
    assert fixes.fix_from_json({"gate": "nope"}) is None and fixes.fix_from_json([]) is None
