"""Views of the reference data: the KldB options of a Berufshauptgruppe (htmx)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import KldbOccupation
from .roles import Role, role_required


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def kldb_options(request: HttpRequest) -> HttpResponse:
    """<option>s of the Berufsgruppen, -untergruppen and -gattungen of the Berufshauptgruppe in
    the request (the one parameter whose name ends in "kldb_group", as a form row sends it)."""
    group = next((v for k, v in request.GET.items() if k.endswith("kldb_group")), "")
    occupations = (
        KldbOccupation.objects.filter(group_id=group)
        if group.isascii() and group.isdigit() and len(group) == 2
        else KldbOccupation.objects.none()
    )
    return render(request, "partials/kldb_options.html", {"occupations": occupations})
