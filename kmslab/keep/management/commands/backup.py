"""`manage.py backup FILE`: everything in the database, sessions included, as one fixture file.

Anonymous learners are their session (`anon:<session key>`): a dump without the sessions table
keeps their rows but no browser could reach them again. This dump keeps every table except the
two that `migrate` rebuilds (content types and permissions, referred to by natural keys), so
`manage.py restore FILE` on a migrated database of the same code version gives back every
learner, anonymous or not. A name ending in .gz, .bz2, .xz or .lzma is compressed.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

EXCLUDE = ["contenttypes", "auth.permission"]


class Command(BaseCommand):
    help = "Write the whole database (sessions included) to FILE, for `manage.py restore`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="e.g. backups/kmslab-2026-12-01.json.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("dumpdata", exclude=EXCLUDE, natural_foreign=True, natural_primary=False,
                     output=options["file"], verbosity=0)
        self.stdout.write(f"backed up to {options['file']}")
