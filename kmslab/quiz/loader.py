"""Question files <-> database rows. Idempotent: loading twice changes nothing.

A question edited in the admin is kept when its file has not changed since the last load; when
both changed, the admin edit is kept and reported unless `force` is given.
Must not: decide answers (engine-backed questions are computed at render and scoring time).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from kmslab.quiz import bank
from kmslab.quiz.engine import check_setup_with_engine
from kmslab.quiz.models import Question


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_admin_edits: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.kept_admin_edits)} kept admin edits, {len(self.deactivated)} deactivated")


def data_hash(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _apply(row: Question, data: dict[str, Any], source: str, order: int) -> None:
    row.qtype = data["type"]
    row.objective = data["objective"]
    row.domain = data["domain"]
    row.task = data["task"]
    row.practice = data["practice"]
    row.difficulty = data["difficulty"]
    row.topics = data["topics"]
    row.prompt = data["prompt"]
    row.options = data["options"]
    row.answer = data["answer"]
    row.explanation = data["explanation"]
    row.links = data["links"]
    row.setup = data["setup"]
    row.source = source
    row.order = order
    row.active = True
    row.loaded_hash = data_hash(data)


def load_questions(directory: Path = bank.QUESTIONS_DIR, *, force: bool = False) -> LoadReport:
    """Raises bank.BankError (one line) when a file or an engine-backed setup is unusable."""
    files = bank.read_bank(directory)
    for name, questions in files.items():
        for q in questions:
            if q["type"] in ("predict", "fix"):
                problem = check_setup_with_engine(q["setup"], q["type"])
                if problem:
                    raise bank.BankError(f"{name} ({q['slug']}).setup: {problem}")
    report = LoadReport()
    with transaction.atomic():
        existing = {q.slug: q for q in Question.objects.all()}
        order = 0
        loaded: set[str] = set()
        for name, questions in files.items():
            for data in questions:
                order += 1
                loaded.add(data["slug"])
                row = existing.get(data["slug"])
                new_hash = data_hash(data)
                if row is None:
                    row = Question(slug=data["slug"])
                    _apply(row, data, name, order)
                    row.save()
                    report.created.append(row.slug)
                    continue
                if row.loaded_hash == new_hash and row.active:
                    report.unchanged.append(row.slug)
                    continue
                admin_edited = data_hash(row.as_data()) != row.loaded_hash
                if admin_edited and not force and row.loaded_hash:
                    report.kept_admin_edits.append(row.slug)
                    continue
                _apply(row, data, name, order)
                row.save()
                report.updated.append(row.slug)
        for slug, row in existing.items():
            if slug not in loaded and row.source and row.active:
                row.active = False
                row.save(update_fields=["active"])
                report.deactivated.append(slug)
    return report


def export_questions(directory: Path) -> list[Path]:
    """Write every question in the database to `directory`, one file per source (admin-made
    questions go to admin.json), in the format load_questions reads."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in Question.objects.order_by("order", "slug"):
        groups[row.source or "admin.json"].append(row.as_data())
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, questions in sorted(groups.items()):
        path = directory / Path(name).name
        path.write_text(bank.dump_questions(questions), encoding="utf-8")
        written.append(path)
    return written
