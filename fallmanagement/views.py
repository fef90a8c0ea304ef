"""Cross-app pages: the start page for each role and the error pages (health check: outage.py)."""

import sys

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from employers.models import Employer
from fallmanagement.casework.myweek import my_week
from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.outage import database_unavailable, unavailable_response
from fallmanagement.core.roles import Role, has_role
from fallmanagement.reports.models import IssuedReport
from participants.models import Participant


def home(request: HttpRequest) -> HttpResponse:
    """Start page after login: each role sees its own work, in a constant number of queries."""
    context: dict = {}
    if has_role(request.user, Role.CASEWORK):
        context["week"] = my_week(request.user)
        log_access(request, AccessAction.VIEW, object_type="list:my-week")
    if has_role(request.user, Role.REPORTING, Role.ADMINISTRATION):
        context["issued_reports"] = list(
            IssuedReport.objects.only(
                "pk", "period_label", "scope_label", "issued_at", "issued_by_name"
            ).order_by("-issued_at")[:5]
        )
    if has_role(request.user, Role.ADMINISTRATION):
        context.update(_administration_counts(request.user))
    return render(request, "home.html", context)


def _administration_counts(user) -> dict:
    """Participants by case status and employers by partnership state: one query each."""
    by_status = dict(
        Participant.objects.visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_state = dict(
        Employer.objects.order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    return {
        "participant_counts": [
            (value, label, by_status.get(value, 0)) for value, label in Participant.Status.choices
        ],
        "participant_total": sum(by_status.values()),
        "employer_counts": [
            (value, label, by_state.get(value, 0))
            for value, label in Employer.PartnershipState.choices
        ],
        "employer_total": sum(by_state.values()),
    }


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if database_unavailable(sys.exc_info()[1]):  # e.g. the session could not be loaded
        return unavailable_response()
    return render(request, "500.html", status=500)
