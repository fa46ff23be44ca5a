"""`python manage.py createinstructor NAME [--email E] [--password P | --noinput]`

Creates (or promotes) a user into the "instructors" group. Without --password the password is
prompted for twice (hidden); --noinput with no password makes an account that cannot log in until
a password is set (e.g. in the admin).
"""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kmslab.classroom.instructors import instructors_group


class Command(BaseCommand):
    help = "Create an instructor account (a user in the \"instructors\" group), or promote an existing user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default=None, help="Set this password (otherwise prompted).")
        parser.add_argument("--noinput", "--no-input", action="store_true", dest="noinput",
                            help="Never prompt; without --password the account has an unusable password.")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = str(options["username"]).strip()
        if not username:
            raise CommandError("the username is empty")
        user = User.objects.filter(**{User.USERNAME_FIELD: username}).first()
        created = user is None
        if user is None:
            user = User(**{User.USERNAME_FIELD: username})
            if options["email"]:
                user.email = options["email"]
        password = options["password"]
        if password is None and not options["noinput"]:
            password = self._prompt(user)
        if password is not None:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise CommandError("the password is too weak: " + " ".join(exc.messages)) from exc
            user.set_password(password)
        elif created:
            user.set_unusable_password()
        user.is_active = True
        user.save()
        user.groups.add(instructors_group())
        verb = "Created" if created else "Promoted"
        self.stdout.write(self.style.SUCCESS(f"{verb} instructor `{username}`."))

    def _prompt(self, user: Any) -> str:
        for _ in range(3):
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                self.stderr.write("the passwords do not match; try again")
                continue
            if first:
                return first
            self.stderr.write("the password is empty; try again")
        raise CommandError("no password set after 3 tries (use --password or --noinput)")
