"""Top floor: imports from spreadsheets, composed of participants, employers and placements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "fallmanagement.imports"
    label = "imports"
    verbose_name = _("Datenimport")
