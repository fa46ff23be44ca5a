"""`manage.py exportquestions DIR`: write the database's questions as JSON files loadquestions reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kmslab.quiz.loader import export_questions


class Command(BaseCommand):
    help = "Export the quiz question bank to a folder, in the format loadquestions reads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", help="folder to write (created if missing)")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in export_questions(Path(options["directory"])):
            self.stdout.write(f"wrote {path}")
