"""`manage.py restore FILE`: replace the database's contents with a `manage.py backup` file.

Runs `migrate` first (the schema of this code version), then empties every table and loads the
file in one transaction: a file that does not load leaves the database as it was.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Replace everything in the database with the contents of a `manage.py backup` FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the data")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not options["yes"]:
            answer = input(f"Replace EVERYTHING in the database with {path}? Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("not restored")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            with transaction.atomic():
                call_command("flush", interactive=False, verbosity=0)
                call_command("loaddata", path, verbosity=0)
        except Exception as exc:
            raise CommandError(f"{path} was not restored (the database is unchanged): {exc}") from exc
        self.stdout.write(f"restored from {path}")
