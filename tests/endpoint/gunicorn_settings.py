"""Settings for the gunicorn the endpoint tests start: the project's own, on the test's database (its
SQLite file, or the PostgreSQL test database by name; on SQLite, DATABASE_URL would drop the busy
timeout and IMMEDIATE transactions the defaults set)."""

import os

from kmslab.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["KMSLAB_TEST_DB"]  # noqa: F405
