"""The scenario page's Reset also issues new lab keys and empties the learner's lab (every
resource their CLI calls made), as the panel's "New keys, empty lab" does; nobody else's lab."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from kmslab.endpoint import credentials
from kmslab.endpoint.models import AccessKey, ApiCall, GrantRow, KeyState, Lab, Part, SnapshotRow, StoredObject, Upload, VolumeRow
from scenarios.models import Scenario

pytestmark = pytest.mark.django_db
SLUG = "s3-cross-account-upload"
RESOURCES = (StoredObject, Upload, GrantRow, KeyState, VolumeRow, SnapshotRow, ApiCall)


def fill(lab: Lab) -> None:
    """One row of every resource a learner's CLI calls can leave in their lab."""
    credentials.profiles(lab, lab.scenario.spec())
    StoredObject.objects.create(lab=lab, bucket="b", key="k", body=b"x", size=1, etag="e", sse="aws:kms")
    up = Upload.objects.create(lab=lab, upload_id=f"u{lab.pk}", bucket="b", key="k", encrypted_data_key=b"k")
    Part.objects.create(upload=up, number=1, body=b"p", size=1, etag="e")
    GrantRow.objects.create(lab=lab, grant_id="g", key_arn="arn", data={})
    KeyState.objects.create(lab=lab, key_arn="arn", state="Disabled")
    VolumeRow.objects.create(lab=lab, volume_id="vol-1", account="1" * 12, kms_key_arn="arn", encrypted_data_key=b"k", body=b"v")
    SnapshotRow.objects.create(lab=lab, snapshot_id="snap-1", account="1" * 12, kms_key_arn="arn", encrypted_data_key=b"k",
                               body=b"s", source="vol-1")
    ApiCall.objects.create(lab=lab, principal="bob", caller="arn", service="kms", operation="Encrypt", http_status=200)


def counts(lab: Lab) -> dict[str, int]:
    return {m.__name__: m.objects.filter(lab=lab).count() for m in RESOURCES} | {
        "Part": Part.objects.filter(upload__lab=lab).count(),
        "AccessKey": AccessKey.objects.filter(lab=lab, generation=Lab.objects.get(pk=lab.pk).generation).count()}


@pytest.fixture
def scenario() -> Scenario:
    call_command("loadscenarios", stdout=io.StringIO())
    return Scenario.objects.get(slug=SLUG)


def test_reset_empties_the_learners_lab_and_replaces_its_keys(scenario: Scenario) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(f"/scenarios/{SLUG}/")
    mine = credentials.lab_for(f"anon:{client.session.session_key}", scenario)
    theirs = credentials.lab_for("anon:someone-else", scenario)
    fill(mine), fill(theirs)
    old_keys = set(AccessKey.objects.filter(lab=mine).values_list("access_key_id", flat=True))
    theirs_before = counts(theirs)
    resp = client.post(f"/scenarios/{SLUG}/reset/", {}, HTTP_HX_REQUEST="true",
                       HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert resp.status_code == 200 and resp["HX-Trigger"] == "kl-calls-changed"
    assert "Your AWS CLI lab was emptied and its keys replaced" in resp.content.decode()
    assert set(counts(mine).values()) == {0}
    assert Lab.objects.get(pk=mine.pk).generation == mine.generation + 1
    assert counts(theirs) == theirs_before  # another learner's lab is untouched
    new = {p.access_key_id for p in credentials.profiles(Lab.objects.get(pk=mine.pk), scenario.spec()) if p.access_key_id}
    assert new and not new & old_keys


def test_reset_without_a_lab_says_nothing_about_one(scenario: Scenario) -> None:
    client = Client()
    client.get(f"/scenarios/{SLUG}/")
    html = client.post(f"/scenarios/{SLUG}/reset/", {}, HTTP_HX_REQUEST="true").content.decode()
    assert "Back to the starting documents" in html and "AWS CLI lab" not in html
    assert not Lab.objects.exists()


def test_reset_confirmation_says_it_replaces_the_keys_and_empties_the_lab(scenario: Scenario) -> None:
    html = Client().get(f"/scenarios/{SLUG}/").content.decode()
    button = re.search(r'<button[^>]*formaction="/scenarios/[^"]+/reset/"[^>]*>', html)
    assert button is not None
    assert re.search(r'hx-confirm="[^"]*new AWS CLI keys[^"]*empties your lab', button.group(0))


def test_reset_without_htmx_redirects_and_still_empties_the_lab(scenario: Scenario, client: Any) -> None:
    client.get(f"/scenarios/{SLUG}/")
    lab = credentials.lab_for(f"anon:{client.session.session_key}", scenario)
    fill(lab)
    assert client.post(f"/scenarios/{SLUG}/reset/").status_code == 302
    assert set(counts(lab).values()) == {0}
