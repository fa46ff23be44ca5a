"""loadscenarios: loads every shipped file, idempotently, and keeps staff edits."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from scenarios.loader import load_scenarios
from scenarios.models import Scenario
from tests.lab.builders import SHIPPED

pytestmark = pytest.mark.django_db


def test_loadscenarios_creates_every_shipped_scenario() -> None:
    out = io.StringIO()
    call_command("loadscenarios", stdout=out)
    assert Scenario.objects.count() == len(SHIPPED)
    assert f"{len(SHIPPED)} created" in out.getvalue()
    row = Scenario.objects.get(slug="s3-cross-account-upload")
    assert row.spec().title == row.title
    assert row.source_file.endswith(".toml")


def test_loadscenarios_twice_changes_nothing() -> None:
    call_command("loadscenarios", stdout=io.StringIO())
    stamps = dict(Scenario.objects.values_list("slug", "updated_at"))
    out = io.StringIO()
    call_command("loadscenarios", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
    assert dict(Scenario.objects.values_list("slug", "updated_at")) == stamps


def test_loader_keeps_customized_rows_unless_forced() -> None:
    load_scenarios()
    Scenario.objects.filter(slug="cross-account-download").update(title="Instructor's version", customized=True)
    report = load_scenarios()
    assert report.kept == ["cross-account-download"]
    assert Scenario.objects.get(slug="cross-account-download").title == "Instructor's version"
    report = load_scenarios(force=True)
    row = Scenario.objects.get(slug="cross-account-download")
    assert "cross-account-download" in report.updated
    assert row.title != "Instructor's version" and not row.customized


def test_loader_updates_a_changed_file(tmp_path: Path) -> None:
    src = SHIPPED[0]
    shutil.copy(src, tmp_path / src.name)
    load_scenarios(tmp_path)
    text = (tmp_path / src.name).read_text("utf-8").replace('order = 1\n', 'order = 42\n', 1)
    (tmp_path / src.name).write_text(text, "utf-8")
    report = load_scenarios(tmp_path)
    assert len(report.updated) == 1
    assert Scenario.objects.get().order == 42


def test_loader_skips_a_broken_file_and_reports_it(tmp_path: Path) -> None:
    shutil.copy(SHIPPED[0], tmp_path / SHIPPED[0].name)
    (tmp_path / "zz-broken.toml").write_text('slug = "broken"\n', "utf-8")
    report = load_scenarios(tmp_path)
    assert len(report.created) == 1
    assert report.errors and "zz-broken.toml" in report.errors[0]
    assert not Scenario.objects.filter(slug="broken").exists()


def test_loadscenarios_strict_fails_on_a_broken_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("= nonsense", "utf-8")
    with pytest.raises(CommandError, match="could not be loaded"):
        call_command("loadscenarios", "--dir", str(tmp_path), "--strict", stdout=io.StringIO())


def test_loadscenarios_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("loadscenarios", "--dir", str(tmp_path / "nope"), stdout=io.StringIO())
