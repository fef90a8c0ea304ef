"""Which placements a user may see, for this app and for the participant and employer pages.

Other apps list placements with these functions and the template
`placements/partials/list.html` (`{% include "placements/partials/list.html" with placements=… %}`).
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from fallmanagement.core.accesslog import AccessAction, log_access
from participants.models import Participant
from participants.queries import check_write

from .models import Placement


def visible_placements(user) -> QuerySet[Placement]:
    """Placements of the participants the user may see (need-to-know), with their joins."""
    return Placement.objects.filter(
        participant__in=Participant.objects.visible_to(user)
    ).select_related("participant", "employer")


def placements_of_participant(user, participant) -> QuerySet[Placement]:
    return (
        visible_placements(user).filter(participant=participant).order_by("-planned_start", "-pk")
    )


def placements_of_employer(user, employer) -> QuerySet[Placement]:
    """An employer's placements, limited to the participants the user may see."""
    return visible_placements(user).filter(employer=employer).order_by("-planned_start", "-pk")


def visible_placement(
    request: HttpRequest,
    pk: int,
    *,
    select_related: tuple[str, ...] = (),
    action: str = AccessAction.VIEW,
) -> Placement:
    """The ONE way a view loads a placement: 404 unless the user may see its participant, and
    the access logged (as `participants.queries.visible_participant` does for a case)."""
    visible = visible_placements(request.user)
    if select_related:
        visible = visible.select_related(*select_related)
    placement = get_object_or_404(visible, pk=pk)
    log_access(request, action, placement)
    check_write(request, placement.participant_id)
    return placement
