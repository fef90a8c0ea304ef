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
from employers.forms import EmployerContactForm, MatchingFilterForm
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
from fallmanagement.core.widgets import parse_id
from offers.models import Offer
from participants.models import Participant
from participants.queries import visible_participant
from placements.matching import (
    HIRED_OUTCOMES,
    PARTICIPANT_RANKING_RULE,
    RANKING_RULE,
    MatchFilter,
    default_period,
    matching_employers,
    matching_participants,
    participant_reasons,
    with_free_capacity_now,
)
from placements.models import Placement


def _fields_prefetch() -> Prefetch:
    return Prefetch(
        "fields",
        queryset=EmployerField.objects.select_related("kldb_group", "kldb_occupation").order_by(
            "kldb_group_id", "kldb_occupation_id"
        ),
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


SEEKING_ON_EMPLOYER_PAGE = 10


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
            matching_participants(
                employer, request.user, filters=MatchFilter(free="")
            ).select_related("caseworker")[:SEEKING_ON_EMPLOYER_PAGE]
        )
        for participant in seeking:
            participant.reasons = participant_reasons(participant, employer)
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
        "fields": employer.fields.select_related("kldb_group", "kldb_occupation").order_by(
            "kldb_group_id", "kldb_occupation_id"
        ),
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


MATCHES_PER_PAGE = 25


def _match_filters(request: HttpRequest, fields: list[tuple[str, str]]):
    """The filter form of a matching page and what it asks for: (form, MatchFilter, start, end).

    Invalid input (end before start, a code not offered) shows its error and falls back to the
    defaults: the page still lists matches for the next four weeks from Monday."""
    start, end = default_period()
    form = MatchingFilterForm(
        request.GET or None, fields=fields, initial={"start": start, "end": end, "free": "period"}
    )
    filters = MatchFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        start = data["start"] or start
        end = data["end"] or max(end, start)
        if end < start:
            end = start + datetime.timedelta(days=27)
        filters = MatchFilter(field=data["field"], place=data["place"], free=data["free"])
    return form, filters, start, end


def _page_number(request: HttpRequest) -> int:
    number = parse_id(request.GET.get("page")) or 1
    return max(1, min(number, 10_000))


def _own_fields(participant: Participant) -> tuple[list, list, list[tuple[str, str]]]:
    """The participant's experiences, wishes (Berufshauptgruppen and finer codes) and the
    codes of both as filter choices."""
    experiences = list(participant.experiences.select_related("kldb_group", "kldb_occupation"))
    wishes = list(participant.interest_groups.all()) + list(participant.interest_occupations.all())
    choices: dict[str, str] = {}
    for x in experiences:
        target = x.kldb_occupation or x.kldb_group
        choices[target.pk] = str(target)
    for w in wishes:
        choices[w.pk] = str(w)
    return experiences, wishes, sorted(choices.items())


@role_required(*STAFF)
def matching(request: HttpRequest, participant_pk: int) -> HttpResponse:
    participant = visible_participant(request, participant_pk)
    experiences, wishes, field_choices = _own_fields(participant)
    filter_form, filters, start, end = _match_filters(request, field_choices)
    number = _page_number(request)

    def ranked(number):
        offset = (number - 1) * MATCHES_PER_PAGE
        return matching_employers(
            participant, start, end, filters=filters, limit=MATCHES_PER_PAGE, offset=offset
        )

    employers = ranked(number)
    if not employers and number > 1:  # a page beyond the last (an old link): the first
        number = 1
        employers = ranked(number)
    total = employers[0].total if employers else 0
    page = Paginator(range(total), MATCHES_PER_PAGE).get_page(number) if total else None
    return render(
        request,
        "employers/matching.html",
        {
            "participant": participant,
            "employers": employers,
            "total": total,
            "page": page,
            "offset": (number - 1) * MATCHES_PER_PAGE,
            "filter_form": filter_form,
            "filters": filters,
            "start": start,
            "end": end,
            "ranking_rule": RANKING_RULE,
            "wishes": wishes,
            "experiences": experiences,
        },
    )


@role_required(*STAFF)
def matching_participants_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Participants (of the user's cases) who look for an internship in the employer's fields,
    best first, with filters and the reasons per row."""
    employer = get_object_or_404(Employer, pk=pk)
    log_access(request, AccessAction.VIEW, employer)
    offered = list(
        EmployerField.objects.filter(employer=employer, offers_internship=True)
        .select_related("kldb_group", "kldb_occupation")
        .order_by("kldb_group_id", "kldb_occupation_id")
    )
    field_choices = sorted(
        {
            (f.kldb_occupation or f.kldb_group).pk: str(f.kldb_occupation or f.kldb_group)
            for f in offered
        }.items()
    )
    filter_form, filters, start, end = _match_filters(request, field_choices)
    queryset = matching_participants(
        employer,
        request.user,
        filters=filters,
        start=start,
        end=end,
        offered=[(f.kldb_group_id, f.kldb_occupation_id) for f in offered],
    ).select_related("caseworker")
    page = Paginator(queryset, MATCHES_PER_PAGE).get_page(request.GET.get("page"))
    for participant in page:
        participant.reasons = participant_reasons(participant, employer)
    return render(
        request,
        "employers/matching_participants.html",
        {
            "employer": employer,
            "offered": offered,
            "page": page,
            "filter_form": filter_form,
            "start": start,
            "end": end,
            "ranking_rule": PARTICIPANT_RANKING_RULE,
            "can_plan": employer.is_active and employer.state == Employer.PartnershipState.ACTIVE,
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
            # The partner's current offers in the catalogue (courses and services).
            "offers": Offer.objects.catalogue()
            .bookable(timezone.localdate())
            .filter(partner=partner)
            .order_by("starts_on", "title", "pk")[:50],
            "can_manage": can_manage(request),
        },
    )
