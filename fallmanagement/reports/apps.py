"""Top floor: funding reports, read from the domain apps."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fallmanagement.reports"
    label = "reports"
    verbose_name = _("Förderberichte")
