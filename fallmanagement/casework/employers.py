"""Employer and network-partner pages that show them together with cases and placements:
the employer list and export (free places), the employer page (placements, matching
participants, contact history), the matching page of a participant and the network partner's
page (recognition procedures of the user's cases).

They compose the employers, participants and placements apps, so they live above them; their
URLs join the employers app's own in the "employers" namespace (see fallmanagement/urls.py).
"""

import csv
import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from employers.filters import EmployerFilter
from employers.forms import EmployerContactForm, MatchingPeriodForm
from employers.models import (
    Employer,
    EmployerContact,
    EmployerField,
    NetworkContactPerson,
    NetworkPartner,
)
from employers.views import PAGE_SIZE, STAFF, can_manage
from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.roles import Role, role_required
from participants.models import Participant
from participants.queries import visible_participant
from placements.matching import (
    HIRED_OUTCOMES,
    RANKING_RULE,
    default_period,
    matching_employers,
    matching_participants,
    with_free_capacity_now,
)
from placements.models import Placement


def _fields_prefetch() -> Prefetch:
    return Prefetch(
        "fields",
        queryset=EmployerField.objects.select_related("kldb_group").order_by("kldb_group_id"),
    )


def _filtered_employers(request: HttpRequest) -> EmployerFilter:
    queryset = with_free_capacity_now(Employer.objects.all()).prefetch_related(_fields_prefetch())
    return EmployerFilter(request.GET, queryset=queryset)


# --- list and export ---------------------------------------------------------------------


@role_required(*STAFF)
def employer_list(request: HttpRequest) -> HttpResponse:
    employer_filter = _filtered_employers(request)
    page = Paginator(employer_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "employers/list.html",
        {"filter": employer_filter, "page": page, "can_manage": can_manage(request)},
    )


@role_required(Role.ADMINISTRATION)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered employer list as CSV for German Excel (UTF-8 with BOM, `;`)."""
    employers = _filtered_employers(request).qs
    log_access(request, AccessAction.EXPORT, object_type="employers.Employer")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    today = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="betriebe-{today:%Y-%m-%d}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Name"),
            _("Rechtsform"),
            _("Straße"),
            _("PLZ"),
            _("Ort"),
            _("Branche"),
            _("Betriebsgröße"),
            _("Telefon"),
            _("E-Mail"),
            _("Berufsfelder (KldB)"),
            _("Plätze gleichzeitig"),
            _("frei heute"),
            _("Ausbildungsbetrieb"),
            _("Kammer"),
            _("Partnerschaft"),
            _("Stand seit"),
            _("Partner seit"),
            _("aktiv"),
        ]
    )
    for e in employers:
        writer.writerow(
            _cell(value)
            for value in [
                e.name,
                e.get_legal_form_display(),
                e.street,
                e.postcode,
                e.city,
                e.industry,
                e.get_size_band_display(),
                e.phone,
                e.email,
                ", ".join(f.kldb_group.code for f in e.fields.all()),
                e.capacity,
                max(e.free_now, 0),
                _("ja") if e.is_training_company else _("nein"),
                e.get_chamber_display(),
                e.get_state_display(),
                f"{e.state_since:%d.%m.%Y}" if e.state_since else "",
                f"{e.partner_since:%d.%m.%Y}" if e.partner_since else "",
                _("ja") if e.is_active else _("nein"),
            ]
        )
    return response


def _cell(value):
    """Neutralise spreadsheet formulas in free text (CSV injection), keep phone numbers."""
    if isinstance(value, str) and value[:1] in ("=", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, str) and value[:1] in ("+", "-") and not value[1:2].isdigit():
        return "'" + value
    return value


# --- employer page -----------------------------------------------------------------------


def _employer_context(
    request: HttpRequest, employer: Employer, contact_form: EmployerContactForm | None = None
) -> dict:
    # The page lists the placements (participants' names) of the visible cases: logged here,
    # so every response built from this context is (the page and the contact form's answer).
    log_access(request, AccessAction.VIEW, employer)
    visible = Participant.objects.visible_to(request.user)
    placements = (
        Placement.objects.filter(employer=employer)
        .select_related("participant", "kldb_group")
        .annotate(participant_visible=Exists(visible.filter(pk=OuterRef("participant_id"))))
        .order_by("-planned_start", "-pk")
    )
    current = [p for p in placements if p.is_open]
    past = [p for p in placements if not p.is_open]
    outcomes = Placement.objects.filter(employer=employer).aggregate(
        total=Count("pk", filter=Q(state__in=Placement.FINISHED_STATES)),
        hired=Count("pk", filter=Q(outcome__in=HIRED_OUTCOMES) | Q(offer_from_employer=True)),
        aborted=Count("pk", filter=Q(state=Placement.State.ABORTED)),
    )
    today = timezone.localdate()
    occupied_now = (
        Placement.objects.filter(employer=employer)
        .occupying(today, today, states=Placement.CURRENT_STATES)
        .count()
    )
    seeking = None
    if employer.is_active and employer.state != Employer.PartnershipState.ENDED:
        seeking = list(
            matching_participants(employer, request.user).select_related("caseworker")[:25]
        )
    history = EmployerContact.objects.filter(employer=employer).select_related(
        "contact_person", "author"
    )
    state_changes = employer.state_changes.select_related("changed_by")
    # One timeline, newest first: contacts and partnership changes interleaved by date.
    timeline = sorted(
        [(h.date, h.created_at, "contact", h) for h in history]
        + [(s.changed_on, s.created_at, "state", s) for s in state_changes],
        key=lambda entry: (entry[0], entry[1]),
        reverse=True,
    )
    return {
        "employer": employer,
        "fields": employer.fields.select_related("kldb_group").order_by("kldb_group_id"),
        "contacts": employer.contacts.all(),
        "timeline": [(kind, entry) for _day, _at, kind, entry in timeline],
        "current_placements": current,
        "past_placements": past,
        "outcomes": outcomes,
        "free_now": max(employer.capacity - occupied_now, 0),
        "occupied_now": occupied_now,
        "seeking": seeking,
        "contact_form": contact_form or EmployerContactForm(employer=employer),
        "can_manage": can_manage(request),
    }


@role_required(*STAFF)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Employer.objects.select_related("proposed_by"), pk=pk)
    return render(request, "employers/detail.html", _employer_context(request, employer))


@role_required(*STAFF)
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a contact-history entry (htmx: returns the timeline partial; else redirect)."""
    employer = get_object_or_404(Employer, pk=pk)
    if request.method != "POST":
        return redirect(reverse("employers:detail", args=[pk]) + "#verlauf")
    form = EmployerContactForm(request.POST, employer=employer)
    if form.is_valid():
        entry = form.save(commit=False)
        entry.employer = employer
        entry.author = request.user
        entry.save()
        if not request.htmx:
            messages.success(request, _("Kontakt gespeichert."))
            return redirect(reverse("employers:detail", args=[pk]) + "#verlauf")
        form = None
    context = _employer_context(request, employer, contact_form=form)
    if request.htmx:
        return render(request, "employers/detail.html#history", context)
    return render(request, "employers/detail.html", context, status=400)


# --- matching ------------------------------------------------------------------------------


@role_required(*STAFF)
def matching(request: HttpRequest, participant_pk: int) -> HttpResponse:
    participant = visible_participant(request, participant_pk)
    start, end = default_period()
    period_form = MatchingPeriodForm(request.GET or None, initial={"start": start, "end": end})
    if period_form.is_bound and period_form.is_valid():
        start = period_form.cleaned_data["start"] or start
        end = period_form.cleaned_data["end"] or max(end, start)
        if end < start:
            end = start + datetime.timedelta(days=27)
    employers = list(
        matching_employers(participant, start, end).prefetch_related(_fields_prefetch())
    )
    experiences = list(participant.experiences.select_related("kldb_group"))
    interests = list(participant.interest_groups.all())
    own_groups = {x.kldb_group_id for x in experiences} | {g.pk for g in interests}
    for employer in employers:
        employer.matched_fields = [
            f for f in employer.fields.all() if f.kldb_group_id in own_groups
        ]
    return render(
        request,
        "employers/matching.html",
        {
            "participant": participant,
            "employers": employers,
            "period_form": period_form,
            "start": start,
            "end": end,
            "ranking_rule": RANKING_RULE,
            "own_groups": interests,
            "experiences": experiences,
        },
    )


@role_required(*STAFF)
def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(NetworkPartner, pk=pk)
    log_access(request, AccessAction.VIEW, partner)
    # Recognition procedures that point to this partner, from the user's own cases only.
    recognitions = (
        partner.recognitions.filter(participant__in=Participant.objects.visible_to(request.user))
        .select_related("participant")
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "employers/network_detail.html",
        {
            "partner": partner,
            "contacts": NetworkContactPerson.objects.filter(partner=partner),
            "recognitions": recognitions,
            "can_manage": can_manage(request),
        },
    )
