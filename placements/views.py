"""Views of the placements app: the placement board, placement pages and documents."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fallmanagement.roles import Role, role_required
from participants.models import Participant

from .models import Placement


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def board(request: HttpRequest) -> HttpResponse:
    placements = (
        Placement.objects.filter(participant__in=Participant.objects.visible_to(request.user))
        .select_related("participant", "employer")
        .order_by("planned_start")[:100]
    )
    return render(request, "placements/board.html", {"placements": placements})
