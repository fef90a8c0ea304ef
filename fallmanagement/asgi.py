"""ASGI entry point (e.g. `uvicorn fallmanagement.asgi:application`)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fallmanagement.settings")

application = get_asgi_application()
