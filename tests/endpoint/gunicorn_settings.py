"""Settings for the gunicorn the endpoint tests start: the project's own, on the test's database file
(DATABASE_URL would drop the SQLite busy timeout and IMMEDIATE transactions the defaults set)."""

import os

from kmslab.settings import *  # noqa: F403

DATABASES["default"]["NAME"] = os.environ["KMSLAB_TEST_DB"]  # noqa: F405
