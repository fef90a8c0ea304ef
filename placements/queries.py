"""Which placements a user may see, for this app and for the participant and employer pages.

Other apps list placements with these functions and the template
`placements/partials/list.html` (`{% include "placements/partials/list.html" with placements=… %}`).
"""

from django.db.models import QuerySet

from participants.models import Participant

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
