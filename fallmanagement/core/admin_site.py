"""The Django admin is for Administration only (and superusers for emergencies)."""

from django.contrib.admin import AdminSite

from .roles import Role, has_role


def restrict_admin_to_administration(site: AdminSite) -> None:
    def has_permission(request) -> bool:
        user = request.user
        return user.is_active and (
            user.is_superuser or (user.is_staff and has_role(user, Role.ADMINISTRATION))
        )

    site.has_permission = has_permission
    site.site_header = "WIR – Fallmanagement"
    site.site_title = "WIR – Fallmanagement"
