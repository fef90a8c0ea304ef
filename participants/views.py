"""Views of the participants app: caseload list, intake, case file and its timeline."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fallmanagement.roles import Role, role_required

from .models import Participant


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def caseload(request: HttpRequest) -> HttpResponse:
    participants = (
        Participant.objects.visible_to(request.user)
        .select_related("caseworker")
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(participants, 25).get_page(request.GET.get("page"))
    return render(request, "participants/list.html", {"page": page})
