"""Top floor: audit trail, access log, security log, GDPR access and erasure, retention."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "fallmanagement.privacy"
    label = "privacy"
    verbose_name = _("Datenschutz und Sicherheit")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from fallmanagement.core.accesslog import data_accessed

        from . import (
            dbroles,
            security,  # noqa: F401  (security event signal receivers)
        )
        from .models import AccessLog

        # Grants, the append-only guard and the prune function, set up by the owner role after
        # every migrate (see dbroles).
        post_migrate.connect(dbroles.harden, sender=self, dispatch_uid="fm_harden")

        def store_access(sender, signal=None, **row) -> None:
            AccessLog.objects.create(**row)

        data_accessed.connect(store_access, weak=False, dispatch_uid="fm_store_access")
