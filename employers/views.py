"""Views of the employers app: employer list, export and page, create/propose/edit,
partnership state, contact history, deactivate/delete, matching and the network directory."""

import csv
import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from fallmanagement.audit import log_access
from fallmanagement.forms import BLANK_LABEL, parse_id
from fallmanagement.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.models import AccessLog
from fallmanagement.roles import Role, has_role, role_required
from participants.models import Participant
from placements.models import Placement

from .filters import EmployerFilter, NetworkPartnerFilter
from .forms import (
    DUPLICATE_MESSAGE,
    ContactPersonFormSet,
    EmployerContactForm,
    EmployerCreateForm,
    EmployerFieldFormSet,
    EmployerForm,
    EmployerProposalForm,
    MatchingPeriodForm,
    NetworkContactFormSet,
    NetworkPartnerForm,
    StateChangeForm,
)
from .matching import (
    CURRENT_STATES,
    HIRED_OUTCOMES,
    RANKING_RULE,
    default_period,
    matching_employers,
    matching_participants,
    with_free_capacity_now,
)
from .models import (
    ContactPerson,
    Employer,
    EmployerContact,
    EmployerField,
    EmployerStateChange,
    NetworkContactPerson,
    NetworkPartner,
)

STAFF = (Role.CASEWORK, Role.ADMINISTRATION)
PAGE_SIZE = 25


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
        {"filter": employer_filter, "page": page, "can_manage": _can_manage(request)},
    )


@role_required(Role.ADMINISTRATION)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered employer list as CSV for German Excel (UTF-8 with BOM, `;`)."""
    employers = _filtered_employers(request).qs
    log_access(request, AccessLog.Action.EXPORT, object_type="employers.Employer")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    today = datetime.date.today()
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


def _can_manage(request: HttpRequest) -> bool:
    return has_role(request.user, Role.ADMINISTRATION)


# --- employer page -----------------------------------------------------------------------


def _employer_context(
    request: HttpRequest, employer: Employer, contact_form: EmployerContactForm | None = None
) -> dict:
    visible = Participant.objects.visible_to(request.user)
    placements = (
        Placement.objects.filter(employer=employer)
        .select_related("participant", "kldb_group")
        .annotate(participant_visible=Exists(visible.filter(pk=OuterRef("participant_id"))))
        .order_by("-planned_start", "-pk")
    )
    running = (Placement.State.PLANNED, Placement.State.AGREED, Placement.State.RUNNING)
    current = [p for p in placements if p.state in running]
    past = [p for p in placements if p.state not in running]
    outcomes = Placement.objects.filter(employer=employer).aggregate(
        total=Count("pk", filter=Q(state__in=("beendet", "abgebrochen"))),
        hired=Count("pk", filter=Q(outcome__in=HIRED_OUTCOMES) | Q(offer_from_employer=True)),
        aborted=Count("pk", filter=Q(state="abgebrochen")),
    )
    today = datetime.date.today()
    occupied_now = (
        Placement.objects.filter(
            employer=employer, kind=Placement.Kind.INTERNSHIP, state__in=CURRENT_STATES
        )
        .filter(Q(actual_start__lte=today) | Q(actual_start__isnull=True, planned_start__lte=today))
        .filter(Q(actual_end__gte=today) | Q(actual_end__isnull=True, planned_end__gte=today))
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
        "can_manage": _can_manage(request),
    }


@role_required(*STAFF)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Employer.objects.select_related("proposed_by"), pk=pk)
    log_access(request, AccessLog.Action.VIEW, employer)
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


# --- create, propose, edit ----------------------------------------------------------------


def _save_employer(request, form, formsets, *, create: bool):
    """Save the employer and its formsets in one transaction; None when it failed."""
    try:
        with transaction.atomic():
            employer = save_versioned(form)
            for formset in formsets:
                formset.instance = employer
                formset.save()
            if create:
                EmployerStateChange.objects.create(
                    employer=employer,
                    from_state="",
                    to_state=employer.state,
                    changed_on=employer.state_since,
                    reason=_("Vorschlag aus dem Fallmanagement")
                    if employer.proposed_by_id
                    else _("Neu erfasst"),
                    changed_by=request.user,
                )
    except StaleObjectError:
        handle_stale(form)
        form.stale = True
        return None
    except IntegrityError:
        # A concurrent save with the same name and postcode won the race.
        form.add_error("name", DUPLICATE_MESSAGE)
        return None
    return employer


@role_required(*STAFF)
def create(request: HttpRequest) -> HttpResponse:
    """Administration creates an employer; Fallmanagement proposes one (state "angefragt")."""
    admin = _can_manage(request)
    form_class = EmployerCreateForm if admin else EmployerProposalForm
    data = request.POST if request.method == "POST" else None
    form = form_class(data)
    field_formset = EmployerFieldFormSet(data, prefix="fields")
    contact_formset = ContactPersonFormSet(data, prefix="contacts")
    if request.method == "POST":
        valid = all([form.is_valid(), field_formset.is_valid(), contact_formset.is_valid()])
        if valid:
            employer = form.instance
            today = datetime.date.today()
            employer.state_since = today
            if not admin:
                employer.state = Employer.PartnershipState.REQUESTED
                employer.proposed_by = request.user
                employer.proposed_on = today
            if employer.state == Employer.PartnershipState.ACTIVE:
                # An existing partnership keeps its real start (the report's "active partners
                # on the reference date" counts from it).
                employer.partner_since = employer.partner_since or today
                employer.state_since = employer.partner_since
            employer = _save_employer(request, form, [field_formset, contact_formset], create=True)
            if employer is not None:
                messages.success(
                    request,
                    _("Betrieb angelegt.")
                    if admin
                    else _(
                        "Vielen Dank! Der Betrieb ist als „angefragt“ vorgeschlagen; "
                        "die Programmkoordination meldet sich."
                    ),
                )
                return redirect("employers:detail", pk=employer.pk)
    return render(
        request,
        "employers/form.html",
        {
            "form": form,
            "field_formset": field_formset,
            "contact_formset": contact_formset,
            "proposal": not admin,
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ADMINISTRATION)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Employer, pk=pk)
    data = request.POST if request.method == "POST" else None
    form = EmployerForm(data, instance=employer)
    field_formset = EmployerFieldFormSet(data, instance=employer, prefix="fields")
    contact_formset = ContactPersonFormSet(data, instance=employer, prefix="contacts")
    status = 200
    if request.method == "POST":
        if all([form.is_valid(), field_formset.is_valid(), contact_formset.is_valid()]):
            saved = _save_employer(request, form, [field_formset, contact_formset], create=False)
            if saved is not None:
                messages.success(request, _("Änderungen gespeichert."))
                return redirect("employers:detail", pk=pk)
            status = 409 if getattr(form, "stale", False) else 400
        else:
            status = 400
    return render(
        request,
        "employers/form.html",
        {
            "form": form,
            "field_formset": field_formset,
            "contact_formset": contact_formset,
            "employer": employer,
        },
        status=status,
    )


@role_required(Role.ADMINISTRATION)
def change_state(request: HttpRequest, pk: int) -> HttpResponse:
    employer = get_object_or_404(Employer, pk=pk)
    form = StateChangeForm(request.POST or None, employer=employer)
    if request.method == "POST" and form.is_valid():
        to_state = form.cleaned_data["to_state"]
        day = form.cleaned_data["changed_on"]
        with transaction.atomic():
            locked = Employer.objects.select_for_update().get(pk=pk)
            if locked.state != employer.state:
                form.add_error(None, _("Der Stand wurde inzwischen geändert. Bitte neu laden."))
            else:
                EmployerStateChange.objects.create(
                    employer=employer,
                    from_state=employer.state,
                    to_state=to_state,
                    changed_on=day,
                    reason=form.cleaned_data["reason"],
                    changed_by=request.user,
                )
                updates = {
                    "state": to_state,
                    "state_since": day,
                    "state_reason": form.cleaned_data["reason"],
                    "version": F("version") + 1,
                }
                if to_state == Employer.PartnershipState.ACTIVE and not locked.partner_since:
                    updates["partner_since"] = day
                Employer.objects.filter(pk=pk).update(**updates)
                messages.success(request, _("Stand der Partnerschaft geändert."))
                return redirect("employers:detail", pk=pk)
    return render(
        request,
        "employers/state_form.html",
        {"employer": employer, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- deactivate / delete -----------------------------------------------------------------


@role_required(Role.ADMINISTRATION)
def deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then deactivate (or reactivate) an employer; its placements stay."""
    employer = get_object_or_404(Employer, pk=pk)
    if request.method == "POST":
        # The form says what it wants, so a repeated submit cannot flip the state back.
        activate = request.POST.get("active") == "1"
        Employer.objects.filter(pk=pk).update(is_active=activate, version=F("version") + 1)
        messages.success(
            request, _("Betrieb wieder aktiviert.") if activate else _("Betrieb deaktiviert.")
        )
        return redirect("employers:detail", pk=pk)
    return render(
        request,
        "employers/confirm.html",
        {
            "employer": employer,
            "action": "reactivate" if not employer.is_active else "deactivate",
            "placement_count": employer.placements.count(),
        },
    )


@role_required(Role.ADMINISTRATION)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Hard delete only for an employer without placements; otherwise offer deactivation."""
    employer = get_object_or_404(Employer, pk=pk)
    placement_count = employer.placements.count()
    if placement_count:
        messages.warning(
            request,
            _(
                "Dieser Betrieb hat Einsätze und kann nicht gelöscht werden. Sie können ihn "
                "deaktivieren; die Einsätze bleiben erhalten."
            ),
        )
        return redirect("employers:deactivate", pk=pk)
    if request.method == "POST":
        try:
            with transaction.atomic():
                employer.delete()
        except IntegrityError:
            messages.error(request, _("Der Betrieb konnte nicht gelöscht werden."))
            return redirect("employers:detail", pk=pk)
        messages.success(request, _("Betrieb „%(name)s“ gelöscht.") % {"name": employer.name})
        return redirect("employers:list")
    return render(
        request,
        "employers/confirm.html",
        {"employer": employer, "action": "delete", "placement_count": 0},
    )


# --- choosing an employer in other forms -----------------------------------------------------


CHOICES_SHOWN = 30


@role_required(*STAFF)
def employer_choices(request: HttpRequest) -> HttpResponse:
    """<option>s of active partners matching `employer_q` (name, place, postcode) for a
    SearchSelect; the currently chosen `employer` stays first (also a no longer active one
    of a placement being edited)."""
    query = request.GET.get("employer_q", "").strip()[:100]
    found = Employer.objects.partners()
    if query:
        found = found.filter(
            Q(name__icontains=query) | Q(city__icontains=query) | Q(postcode__startswith=query)
        )
    options = list(found.order_by("name", "pk")[:CHOICES_SHOWN])
    chosen = parse_id(request.GET.get("employer"))
    if chosen is not None and all(e.pk != chosen for e in options):
        options = list(Employer.objects.filter(pk=chosen)) + options
    context = {
        "options": options,
        "chosen": chosen,
        "more": len(options) >= CHOICES_SHOWN,
        "blank_label": BLANK_LABEL,
    }
    return render(request, "employers/partials/choices.html", context)


@role_required(*STAFF)
def contact_choices(request: HttpRequest) -> HttpResponse:
    """<option>s of the active contact persons of the active partner `employer` (htmx: the
    supervisor list of the placement form follows the chosen employer)."""
    contacts = ContactPerson.objects.filter(
        employer__in=Employer.objects.partners().filter(pk=parse_id(request.GET.get("employer"))),
        is_active=True,
    ).order_by("name", "pk")
    context = {"contacts": contacts, "blank_label": BLANK_LABEL}
    return render(request, "employers/partials/contact_choices.html", context)


# --- matching ------------------------------------------------------------------------------


@role_required(*STAFF)
def matching(request: HttpRequest, participant_pk: int) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=participant_pk)
    log_access(request, AccessLog.Action.VIEW, participant)
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


# --- network partners ---------------------------------------------------------------------


@role_required(*STAFF)
def network_list(request: HttpRequest) -> HttpResponse:
    queryset = NetworkPartner.objects.annotate(contact_count=Count("contacts")).order_by(
        "name", "pk"
    )
    partner_filter = NetworkPartnerFilter(request.GET, queryset=queryset)
    page = Paginator(partner_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "employers/network_list.html",
        {"filter": partner_filter, "page": page, "can_manage": _can_manage(request)},
    )


@role_required(*STAFF)
def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = get_object_or_404(NetworkPartner, pk=pk)
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
            "can_manage": _can_manage(request),
        },
    )


@role_required(Role.ADMINISTRATION)
def network_create(request: HttpRequest) -> HttpResponse:
    return _network_form(request, NetworkPartner())


@role_required(Role.ADMINISTRATION)
def network_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _network_form(request, get_object_or_404(NetworkPartner, pk=pk))


def _network_form(request: HttpRequest, partner: NetworkPartner) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = NetworkPartnerForm(data, instance=partner)
    formset = NetworkContactFormSet(data, instance=partner, prefix="contacts")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            partner = form.save()
            formset.instance = partner
            formset.save()
        messages.success(request, _("Netzwerkpartner gespeichert."))
        return redirect("employers:network_detail", pk=partner.pk)
    return render(
        request,
        "employers/network_form.html",
        {"form": form, "formset": formset, "partner": partner if partner.pk else None},
        status=400 if form.is_bound else 200,
    )
