"""Views of the employers app."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fallmanagement.roles import Role, role_required

from .models import Employer


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def employer_list(request: HttpRequest) -> HttpResponse:
    employers = Employer.objects.order_by("name", "pk")
    page = Paginator(employers, 25).get_page(request.GET.get("page"))
    return render(request, "employers/list.html", {"page": page})
