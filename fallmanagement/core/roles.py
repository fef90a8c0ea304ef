"""The three roles of the programme (DOMAIN.md) as auth groups, and the checks views use.

Every view is deny-by-default: Django's `LoginRequiredMiddleware` sends anonymous users to
the login page, and each view declares the roles that may use it with `@role_required`.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORK = "Fallmanagement", _("Fallmanagement")
    REPORTING = "Berichtswesen", _("Berichtswesen")
    ADMINISTRATION = "Administration", _("Administration")


# Model permissions each role's group carries (used by the admin site and `has_perm`).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CASEWORK: [
        "participants.view_participant",
        "participants.add_participant",
        "participants.change_participant",
        "employers.view_employer",
        "employers.view_networkpartner",
        "placements.view_placement",
        "placements.add_placement",
        "placements.change_placement",
        "offers.view_offer",
        "offers.view_referral",
        "offers.add_referral",
        "offers.change_referral",
    ],
    Role.REPORTING: ["reports.view_funding_reports"],
    Role.ADMINISTRATION: [
        "participants.view_participant",
        "participants.change_participant",
        "participants.reassign_participant",
        "employers.*",
        "offers.view_offer",
        "offers.add_offer",
        "offers.change_offer",
        "offers.view_referral",
        "reports.view_funding_reports",
        "privacy.view_accesslog",
        # the per-role 2FA policy (admin) and the security log
        "privacy.view_rolesecuritypolicy",
        "privacy.add_rolesecuritypolicy",
        "privacy.change_rolesecuritypolicy",
        "privacy.view_securityevent",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
    ],
}


def remember_roles(user, names) -> None:
    """Store the role names of `user` loaded elsewhere (with the user, in one query)."""
    user._fm_roles = frozenset(names)


def user_roles(user) -> frozenset[str]:
    """The role names of a user, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_fm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._fm_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable:
    """Allow a view only for users holding one of `roles`; others get the friendly 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def sync_role_permissions(**kwargs) -> None:
    """Create the role groups and give them their permissions (runs after every migrate)."""
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.none()
        for perm in perms:
            app_label, codename = perm.split(".")
            query = Permission.objects.filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            wanted = wanted | query
        group.permissions.set(wanted)
