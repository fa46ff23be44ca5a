"""`manage.py loadquestions`: load kmslab/quiz/questions/*.json into the database (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kmslab.quiz import bank
from kmslab.quiz.loader import load_questions


class Command(BaseCommand):
    help = "Load the quiz question bank from JSON files (idempotent; admin edits are kept unless --force)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=str(bank.QUESTIONS_DIR), help="folder of *.json question files")
        parser.add_argument("--force", action="store_true", help="overwrite questions edited in the admin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_questions(Path(options["dir"]), force=options["force"])
        except bank.BankError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"questions: {report.summary()}")
        for slug in report.kept_admin_edits:
            self.stdout.write(f"  kept the admin's edit of `{slug}` (its file changed too; --force to overwrite)")
