"""The ground floor: roles and permissions, reference data, widgets, locking, PDF helper."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fallmanagement.core"
    label = "core"
    verbose_name = _("Grundlagen")

    def ready(self) -> None:
        from .roles import sync_role_permissions

        # After every app's post_migrate, not only core's: on a fresh database the permissions
        # of the later apps do not exist yet when core's handler runs; the last run sees them.
        post_migrate.connect(sync_role_permissions, dispatch_uid="fm_sync_role_permissions")
