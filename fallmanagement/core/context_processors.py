"""Template context shared by every page: the roles of the current user."""

from .roles import Role, user_roles


def roles(request) -> dict:
    names = user_roles(request.user) if hasattr(request, "user") else frozenset()
    return {
        "is_casework": Role.CASEWORK in names,
        "is_reporting": Role.REPORTING in names,
        "is_administration": Role.ADMINISTRATION in names,
    }
