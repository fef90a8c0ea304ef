"""Top floor: audit trail, access log, security log, GDPR access and erasure, retention."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fallmanagement.privacy"
    label = "privacy"
    verbose_name = _("Datenschutz und Sicherheit")

    def ready(self) -> None:
        from fallmanagement.core.accesslog import data_accessed

        from . import security  # noqa: F401  (security event signal receivers)
        from .models import AccessLog

        def store_access(sender, signal=None, **row) -> None:
            AccessLog.objects.create(**row)

        data_accessed.connect(store_access, weak=False, dispatch_uid="fm_store_access")
