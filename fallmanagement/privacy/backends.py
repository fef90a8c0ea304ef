"""The authentication backend: Django's ModelBackend, whose `get_user` (once per request, for
the session's user) also loads what every page asks about that user, in the same query.

Without it each request ran four queries before the view: the user, their roles (groups), the
2FA policy of those roles and the ids of the cases shared with them or still readable
after a handover. The values are stored in
the per-request caches of `core.roles.user_roles`, `privacy.security.second_factor_required`
and `participants.models.shared_case_ids`, which still load them themselves for a user object
that came from elsewhere.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef

from fallmanagement.core.roles import remember_roles
from participants.models import Participant, handovers_readable_by, remember_case_access

from .models import RoleSecurityPolicy
from .security import remember_second_factor_required


class RequestUserBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        role_names = Group.objects.filter(user=OuterRef("pk")).values("name")
        try:
            user = user_model._default_manager.annotate(
                fm_role_names=ArraySubquery(role_names),
                fm_requires_2fa=Exists(
                    RoleSecurityPolicy.objects.filter(
                        require_2fa=True,
                        role__in=Group.objects.filter(user=OuterRef(OuterRef("pk"))).values("name"),
                    )
                ),
                fm_shared_case_ids=ArraySubquery(
                    Participant.shared_with.through.objects.filter(user_id=OuterRef("pk")).values(
                        "participant_id"
                    )
                ),
                fm_handover_case_ids=ArraySubquery(
                    handovers_readable_by(OuterRef("pk")).values("participant_id")
                ),
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        remember_roles(user, user.fm_role_names)
        remember_second_factor_required(user, user.fm_requires_2fa)
        remember_case_access(user, user.fm_shared_case_ids, user.fm_handover_case_ids)
        return user
