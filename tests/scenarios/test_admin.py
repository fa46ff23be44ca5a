"""Admin: staff can list, edit (checked like the files), clone and export scenarios."""

from __future__ import annotations

import dataclasses
import io
import json
import tomllib
import zipfile

import pytest
from django.contrib.auth.models import User
from django.test import Client

from scenarios.loader import load_scenarios
from scenarios.models import Scenario
from kmslab.lab.load import spec_from_dict

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/scenarios/scenario/"


@pytest.fixture
def staff() -> Client:
    load_scenarios()
    user = User.objects.create_superuser("teacher", "t@example.com", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    return client


def test_changelist_lists_shipped_scenarios(staff: Client) -> None:
    r = staff.get(CHANGELIST)
    assert r.status_code == 200
    assert b"Cross-account upload to S3 with SSE-KMS" in r.content


def test_non_staff_cannot_reach_the_admin() -> None:
    r = Client().get(CHANGELIST)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_clone_action_creates_an_unpublished_customized_copy(staff: Client) -> None:
    original = Scenario.objects.get(slug="s3-cross-account-upload")
    r = staff.post(CHANGELIST, {"action": "clone_scenarios", "_selected_action": [original.pk]})
    assert r.status_code == 302
    copy = Scenario.objects.get(slug="s3-cross-account-upload-copy")
    assert not copy.is_published and copy.customized and copy.source_file == ""
    assert copy.spec().slug == "s3-cross-account-upload-copy"
    assert copy.spec().steps == original.spec().steps
    staff.post(CHANGELIST, {"action": "clone_scenarios", "_selected_action": [original.pk]})
    assert Scenario.objects.filter(slug="s3-cross-account-upload-copy-2").exists()


def test_export_action_downloads_toml_that_loads_back(staff: Client) -> None:
    row = Scenario.objects.get(slug="grants-temporary-decrypt")
    r = staff.post(CHANGELIST, {"action": "export_toml", "_selected_action": [row.pk]})
    assert r.status_code == 200
    assert r["Content-Disposition"] == 'attachment; filename="grants-temporary-decrypt.toml"'
    spec = spec_from_dict(tomllib.loads(r.content.decode("utf-8")))
    assert spec == dataclasses.replace(row.spec(), source=spec.source)


def test_export_of_several_scenarios_is_a_zip(staff: Client) -> None:
    pks = list(Scenario.objects.values_list("pk", flat=True)[:3])
    r = staff.post(CHANGELIST, {"action": "export_toml", "_selected_action": pks})
    assert r["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert len(names) == 3 and all(n.endswith(".toml") for n in names)


def _change_form(row: Scenario, **overrides: object) -> dict[str, object]:
    form = {"slug": row.slug, "title": row.title, "summary": row.summary, "level": row.level,
            "order": row.order, "is_published": "on", "data": json.dumps(row.data)}
    form.update(overrides)
    return form


def test_edit_with_broken_data_is_refused_with_the_loader_message(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    data = dict(row.data)
    data["steps"] = [{**data["steps"][0], "caller": "bobb"}]  # type: ignore[index]
    r = staff.post(f"{CHANGELIST}{row.pk}/change/", _change_form(row, data=json.dumps(data)))
    assert r.status_code == 200
    assert "unknown principal `bobb`" in r.content.decode()
    assert Scenario.objects.get(pk=row.pk).data == row.data


def test_edit_saves_and_marks_customized(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    data = {**row.data, "summary": "An instructor's summary."}
    r = staff.post(f"{CHANGELIST}{row.pk}/change/", _change_form(row, data=json.dumps(data)))
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.customized
    assert row.spec().summary == "An instructor's summary."


def test_edit_with_non_object_data_is_refused(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    r = staff.post(f"{CHANGELIST}{row.pk}/change/", _change_form(row, data="[1, 2]"))
    assert r.status_code == 200
    assert "must be a JSON object" in r.content.decode()


def test_export_of_a_broken_row_reports_instead_of_crashing(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    Scenario.objects.filter(pk=row.pk).update(data=[1, 2])
    r = staff.post(CHANGELIST, {"action": "export_toml", "_selected_action": [row.pk]}, follow=True)
    assert r.status_code == 200
    assert "cannot export" in r.content.decode()


def test_saving_a_scenario_whose_solution_no_longer_works_warns_staff(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    data = {**row.data, "solution": {"key_policy": row.spec().document("key_policy").text}}  # type: ignore[union-attr]
    r = staff.post(f"{CHANGELIST}{row.pk}/change/", _change_form(row, data=json.dumps(data)), follow=True)
    assert r.status_code == 200
    assert "the reference solution does not solve this scenario (step 2 failure (AccessDenied))" in r.content.decode()


def test_saving_a_working_scenario_gives_no_warning(staff: Client) -> None:
    row = Scenario.objects.get(slug="cross-account-download")
    r = staff.post(f"{CHANGELIST}{row.pk}/change/", _change_form(row), follow=True)
    assert "does not solve" not in r.content.decode()
