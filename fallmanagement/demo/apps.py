"""Demo data for `make run` (`manage.py seed_demo`): builds on every app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "fallmanagement.demo"
    label = "demo"
    verbose_name = _("Demodaten")
