"""WSGI entry point: `gunicorn kmslab.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kmslab.settings")

application = get_wsgi_application()
