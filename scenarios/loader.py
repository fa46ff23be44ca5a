"""Loading the shipped scenario files into the database, idempotently.

Responsible for: finding scenarios/data/*.toml, checking each with `load_spec` (a broken file
is reported and skipped, never half-loaded), and creating or updating its Scenario row by
slug. Rows staff customized in the admin are left alone unless `force`. Running it twice
changes nothing the second time.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from scenarios.models import Scenario
from kmslab.lab.load import load_spec
from kmslab.lab.spec import ScenarioError

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # customized by staff, not overwritten
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{len(self.created)} created, {len(self.updated)} updated, "
               f"{len(self.unchanged)} unchanged, {len(self.kept)} kept (customized)"]
        out += [f"error: {e}" for e in self.errors]
        return out


def scenario_files(data_dir: Path = DATA_DIR) -> list[Path]:
    return sorted(p for p in data_dir.glob("*.toml") if p.is_file())


def load_scenarios(data_dir: Path = DATA_DIR, *, force: bool = False) -> LoadReport:
    report = LoadReport()
    for path in scenario_files(data_dir):
        try:
            spec = load_spec(path)
            data = tomllib.loads(path.read_text("utf-8"))
        except ScenarioError as exc:
            report.errors.append(str(exc))
            continue
        values = {
            "title": spec.title,
            "summary": spec.summary,
            "level": spec.level,
            "order": spec.order,
            "data": data,
            "source_file": path.name,
        }
        with transaction.atomic():
            row = Scenario.objects.select_for_update().filter(slug=spec.slug).first()
            if row is None:
                Scenario.objects.create(slug=spec.slug, **values)
                report.created.append(spec.slug)
                continue
            if row.customized and not force:
                report.kept.append(spec.slug)
                continue
            if all(getattr(row, k) == v for k, v in values.items()) and not row.customized:
                report.unchanged.append(spec.slug)
                continue
            for k, v in values.items():
                setattr(row, k, v)
            row.customized = False
            row.save()
            report.updated.append(spec.slug)
    return report
