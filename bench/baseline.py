"""Baseline pages for the benchmark: what a page costs at least.

Each view runs its main page's main query (the same queryset code as the page, access log
included, as every view of case data must) and renders a tiny template with the rows. The
middleware stack (session, user, CSP, audit context) is the real one. The difference between a
page and its baseline is what the page adds on top: forms, widgets, template includes.

Served only by the benchmark's URLconf (bench/urls.py, settings bench/settings.py), never by
the application.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fallmanagement.casework.myweek import my_week
from fallmanagement.casework.timeline import PAGE_SIZE as TIMELINE_PAGE_SIZE
from fallmanagement.casework.timeline import build_timeline
from fallmanagement.core.accesslog import AccessAction, log_access
from participants.forms import SORTS
from participants.queries import caseload_rows, visible_participant
from participants.views import PAGE_SIZE


def empty(request: HttpRequest) -> HttpResponse:
    """No query of its own: what every logged-in request costs (middleware, session, user)."""
    return render(request, "bench/baseline.html", {"title": "empty"})


def start_page(request: HttpRequest) -> HttpResponse:
    """The caseworker's start page: "my week" (its lists and counts)."""
    week = my_week(request.user)
    log_access(request, AccessAction.VIEW, object_type="list:my-week")
    lists = {key: value for key, value in week.items() if isinstance(value, list)}
    return render(request, "bench/baseline.html", {"lists": lists, "title": "start"})


def caseload(request: HttpRequest) -> HttpResponse:
    """The caseload list's first page, unfiltered, sorted by name (count + 25 rows)."""
    participants = caseload_rows(request.user).order_by(*SORTS["name"])
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    log_access(request, AccessAction.VIEW, object_type="list:caseload")
    return render(request, "bench/baseline.html", {"rows": page.object_list, "title": "caseload"})


def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The case file: the participant (access logged) and the newest timeline entries."""
    participant = visible_participant(request, pk, select_related=("caseworker",))
    timeline = build_timeline(participant, request.user, limit=TIMELINE_PAGE_SIZE)
    return render(
        request,
        "bench/baseline.html",
        {"participant": participant, "rows": timeline.entries, "title": "case file"},
    )
