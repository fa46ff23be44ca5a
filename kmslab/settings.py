"""Django settings for KMS Lab, read from environment variables that fail loudly.

Variables (see README "Configuration"):
  DEBUG                 true/false (also 1/0, yes/no, on/off). Default: true, for local development.
  SECRET_KEY            required when DEBUG is false; the development default is refused then.
  ALLOWED_HOSTS         comma-separated host names. Default with DEBUG: localhost,127.0.0.1,[::1].
  DATABASE_URL          e.g. postgres://user:pass@host:5432/kmslab. Default: SQLite db.sqlite3 (WAL).
  CSRF_TRUSTED_ORIGINS  comma-separated origins with scheme, e.g. https://kmslab.example.com.
  SECURE_SSL_REDIRECT   true/false, default true when DEBUG is false (turn off behind a proxy that
                        already redirects).
  SECURE_HSTS_SECONDS   integer, default 31536000 when DEBUG is false.
  CLASSROOM_TRUSTED_PROXY_HOPS   how many reverse proxies append to X-Forwarded-For (default 0:
                        the client is REMOTE_ADDR); CLASSROOM_TRUSTED_PROXY_HEADER names the header.
  CLASSROOM_JOIN_WINDOW_SECONDS / _MAX_FAILURES / _MAX_ATTEMPTS   the join rate limit.
  LOGIN_MAX_FAILURES, LOGIN_LOCKOUT_MINUTES   failed-login throttle, per account and per address.
  DB_CONN_MAX_AGE       seconds a worker keeps its database connection (default 60).
  DB_CONN_HEALTH_CHECKS  check a kept connection before each request reuses it (default: true on
                        SQLite, false on PostgreSQL, where it is a round trip a request).
  DB_PREPARED_STATEMENTS  PostgreSQL: prepare the statements a connection repeats (default true).
"""

from __future__ import annotations

import os
import re
import sys
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
DEV_SECRET_KEY = "django-insecure-kmslab-development-key-do-not-use-in-production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"environment variable {name}={raw!r} is not a boolean; use true/false, 1/0, yes/no or on/off"
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"environment variable {name}={raw!r} is not an integer") from None
    if value < 0:
        raise ImproperlyConfigured(f"environment variable {name}={raw!r} must not be negative")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",") if item.strip()]
    for item in items:
        if any(ch.isspace() for ch in item):
            raise ImproperlyConfigured(f"environment variable {name} has an entry with spaces: {item!r}")
    return items


def env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value < 1:
        raise ImproperlyConfigured(f"environment variable {name}={os.environ.get(name)!r} must be at least 1")
    return value


def env_meta_header(name: str, default: str) -> str:
    """An HTTP header name as Django's request.META spells it: X-Forwarded-For -> HTTP_X_FORWARDED_FOR."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    meta = raw.upper().replace("-", "_")
    if meta != "REMOTE_ADDR" and not meta.startswith("HTTP_"):
        meta = "HTTP_" + meta
    if not re.fullmatch(r"HTTP_[A-Z0-9_]+|REMOTE_ADDR", meta):
        raise ImproperlyConfigured(f"environment variable {name}={raw!r} is not an HTTP header name "
                                   "(e.g. X-Forwarded-For)")
    return meta


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules or os.environ.get("KMSLAB_TESTING") == "1"

SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == DEV_SECRET_KEY or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "SECRET_KEY is the development default but DEBUG is false; set SECRET_KEY to a long random "
        "value (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )
if not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long when DEBUG is false")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false (e.g. kmslab.example.com)")
if TESTING and "testserver" not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append("testserver")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {_origin!r} needs a scheme, e.g. https://{_origin}"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # template_partials' default AppConfig wraps the template loaders itself (wrap_loaders), so
    # TEMPLATES below keeps APP_DIRS and sets no explicit "loaders".
    "template_partials",
    "crispy_forms",
    "crispy_bootstrap5",
    "kmslab.lessons",
    "scenarios",
    "kmslab.quiz",
    "kmslab.classroom",
    "kmslab.keep",
    "axes",
    "kmslab.endpoint",
]

# Failed logins are throttled by django-axes, per account and per client address (either reaching
# LOGIN_MAX_FAILURES locks that account, or that address, for LOGIN_LOCKOUT_MINUTES; a success
# resets the count). The address is the same as the join limiter's (kmslab.proxy).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_positive("LOGIN_MAX_FAILURES", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "kmslab.proxy.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "kmslab.views.login_locked_out"
AXES_VERBOSE = False

# The classroom join limit and the proxy in front of the app (README "Configuration").
CLASSROOM_TRUSTED_PROXY_HOPS = env_int("CLASSROOM_TRUSTED_PROXY_HOPS", 0)
CLASSROOM_TRUSTED_PROXY_HEADER = env_meta_header("CLASSROOM_TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR")
CLASSROOM_JOIN_WINDOW_SECONDS = env_positive("CLASSROOM_JOIN_WINDOW_SECONDS", 15 * 60)
CLASSROOM_JOIN_MAX_FAILURES = env_positive("CLASSROOM_JOIN_MAX_FAILURES", 10)
CLASSROOM_JOIN_MAX_ATTEMPTS = env_positive("CLASSROOM_JOIN_MAX_ATTEMPTS", 300)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kmslab.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kmslab.middleware.FormCharsetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kmslab.middleware.SessionRefreshMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "kmslab.urls"
WSGI_APPLICATION = "kmslab.wsgi.application"
ASGI_APPLICATION = "kmslab.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% partialdef %} / {% partial %} everywhere without {% load partials %}; {% url %}
            # with reverse() remembered (kmslab.urlmemo: Django's tag otherwise).
            "builtins": ["template_partials.templatetags.partials", "kmslab.urlmemo"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kmslab.keep.context.keep",
            ],
        },
    },
]

# Database: SQLite by default (WAL, busy timeout, IMMEDIATE transactions so concurrent writers wait
# instead of failing with "database is locked"); PostgreSQL or anything dj-database-url parses.
_database_url = os.environ.get("DATABASE_URL", "").strip()
if _database_url:
    import dj_database_url

    try:
        # Persistent connections (a connection per worker thread, kept DB_CONN_MAX_AGE seconds).
        # Not health-checked before each reuse by default (a SELECT 1 round trip a request: make
        # loadtest, 600 learners, 0.7 ms of app and 0.2 ms of database CPU a request): after a
        # restart the first request on each broken connection is a 503 with Retry-After and the
        # connection is dropped (kmslab.views.server_error). DB_CONN_HEALTH_CHECKS=true checks.
        DATABASES = {"default": dj_database_url.parse(
            _database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", False))}
    except Exception as exc:  # dj-database-url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Parameters sent apart from the SQL (server-side binding) and the statements a connection
        # runs again and again prepared once (psycopg prepares a query on its 5th run): make
        # loadtest, 600 learners, measured 1.7 -> 0.9 ms of PostgreSQL CPU and 7.2 -> 6.0 ms of app
        # CPU a request (Django's default composes each query's literals in Python). A pooler in
        # transaction mode that cannot keep prepared statements: DB_PREPARED_STATEMENTS=false.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5 if env_bool("DB_PREPARED_STATEMENTS", True) else None)
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # also for DATABASE_URL=sqlite:///...
    # Persistent connections here too: opening a SQLite file and running the PRAGMAs below cost
    # a request about as much as /healthz's whole answer (make bench: tests/tools/http_bench.py).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DB_CONN_HEALTH_CHECKS", True)  # in-process: ~free
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }

if TESTING and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's default in-memory test database: Django's live server (the browser
    # tests) shares an in-memory connection across its request threads, and two overlapping
    # requests (htmx cancels and re-sends as the learner types) then break each other's
    # savepoints. With a file each thread has its own connection, as in production.
    import tempfile

    DATABASES["default"]["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"kmslab-test-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Tests only: PBKDF2 costs about 0.35 s a hash on a small machine and the suite creates many
    # users. Everywhere else Django's default (PBKDF2) stays.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Hashed, compressed files only in production; development and tests must not need collectstatic.
_USE_MANIFEST = not DEBUG and not TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "kmslab.staticstore.StaticStorage"  # WhiteNoise's, with URLs remembered
            if _USE_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Development and tests serve files straight from static/ (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Anonymous learners are their session: it lasts SESSION_DAYS after the last visit (the session is
# re-saved at most once a day by kmslab.middleware.SessionRefreshMiddleware, so an active
# learner never ages out). README "Keeping learners' work".
SESSION_COOKIE_AGE = env_positive("SESSION_DAYS", 30) * 86400
SESSION_ENGINE = "kmslab.sessions"  # Django's database sessions, read with SQL built once (kmslab.rows)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # Behind a TLS-terminating proxy (nginx, a PaaS router) that sets X-Forwarded-Proto.
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
}

# The AWS wire endpoint (/aws): caps and budgets, in bytes and requests (README "Use the real AWS CLI").
KMSLAB_AWS_MAX_REQUEST_BYTES = env_int("KMSLAB_AWS_MAX_REQUEST_BYTES", 17 * 1024 * 1024)  # one part or PutObject, framing included
KMSLAB_AWS_MAX_OBJECT_BYTES = env_int("KMSLAB_AWS_MAX_OBJECT_BYTES", 64 * 1024 * 1024)
KMSLAB_AWS_MAX_LAB_BYTES = env_int("KMSLAB_AWS_MAX_LAB_BYTES", 256 * 1024 * 1024)  # per learner and scenario
KMSLAB_AWS_REQUESTS_PER_HOUR = env_int("KMSLAB_AWS_REQUESTS_PER_HOUR", 2000)  # per access key
KMSLAB_AWS_CALLS_KEPT = env_int("KMSLAB_AWS_CALLS_KEPT", 200)  # API calls panel history per lab
