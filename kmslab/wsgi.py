"""WSGI entry point: `gunicorn kmslab.wsgi`."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kmslab.settings")

application = get_wsgi_application()

if os.environ.get("KMSLAB_GC", "tuned") == "tuned":
    # Python's cycle collector scans every tracked object in its oldest generation now and then;
    # after start-up that is Django, the engine and the loaded content, none of it garbage.
    # Frozen, they are never scanned, and collections of young objects run a tenth as often.
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 10, 10)
