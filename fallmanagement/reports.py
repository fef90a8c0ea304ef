"""Funding reports (Förderbericht): figures, charts and exports. Aggregates only."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .roles import Role, role_required


@role_required(Role.REPORTING, Role.ADMINISTRATION)
def report_index(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/index.html")
