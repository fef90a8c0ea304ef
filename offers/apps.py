"""App config for offers (Angebote) and referrals (Zuweisungen)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OffersConfig(AppConfig):
    name = "offers"
    label = "offers"
    verbose_name = _("Angebote und Zuweisungen")
