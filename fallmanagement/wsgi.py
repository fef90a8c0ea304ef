"""WSGI entry point: `gunicorn fallmanagement.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fallmanagement.settings")

application = get_wsgi_application()
