"""`manage.py loadscenarios`: load the shipped scenario files (idempotent; `make run` calls it)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from scenarios.loader import DATA_DIR, load_scenarios


class Command(BaseCommand):
    help = "Load or update the scenarios shipped in scenarios/data/ (safe to run repeatedly)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--dir", default=str(DATA_DIR), help="folder of scenario .toml files")
        parser.add_argument(
            "--force", action="store_true", help="also overwrite scenarios staff customized in the admin"
        )
        parser.add_argument("--strict", action="store_true", help="exit non-zero if any file is broken")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(options["dir"])
        if not data_dir.is_dir():
            raise CommandError(f"`{data_dir}` is not a folder")
        report = load_scenarios(data_dir, force=options["force"])
        for line in report.lines():
            style = self.style.ERROR if line.startswith("error:") else self.style.SUCCESS
            self.stdout.write(style(line))
        if report.errors and options["strict"]:
            raise CommandError(f"{len(report.errors)} scenario file(s) could not be loaded")
