"""App config for the project package, which also holds reference data and roles."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class FallmanagementConfig(AppConfig):
    name = "fallmanagement"
    verbose_name = _("Fallmanagement")

    def ready(self) -> None:
        from . import roles

        post_migrate.connect(roles.sync_role_permissions, sender=self)
        from . import dbroles

        post_migrate.connect(dbroles.harden, sender=self)
        from . import security  # noqa: F401  (security event signal receivers)
