"""Views of the employers app: create/propose/edit, partnership state, deactivate/delete, the
employer and contact pickers of other forms, and the network directory.

The pages that show employers together with cases and placements (list with free places,
employer page, matching, network partner page) are in fallmanagement.casework.employers.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fallmanagement.core.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.core.roles import Role, has_role, role_required
from fallmanagement.core.widgets import BLANK_LABEL, parse_id

from . import workflow
from .filters import NetworkPartnerFilter
from .forms import (
    DUPLICATE_MESSAGE,
    ContactPersonFormSet,
    EmployerCreateForm,
    EmployerFieldFormSet,
    EmployerForm,
    EmployerProposalForm,
    NetworkContactFormSet,
    NetworkPartnerForm,
    StateChangeForm,
)
from .models import (
    ContactPerson,
    Employer,
    EmployerStateChange,
    NetworkPartner,
)

STAFF = (Role.CASEWORK, Role.ADMINISTRATION)
PAGE_SIZE = 25


def can_manage(request: HttpRequest) -> bool:
    """Administration manages employer and network partners; caseworkers propose and read."""
    return has_role(request.user, Role.ADMINISTRATION)


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
    admin = can_manage(request)
    form_class = EmployerCreateForm if admin else EmployerProposalForm
    data = request.POST if request.method == "POST" else None
    form = form_class(data)
    field_formset = EmployerFieldFormSet(data, prefix="fields")
    contact_formset = ContactPersonFormSet(data, prefix="contacts")
    if request.method == "POST":
        valid = all([form.is_valid(), field_formset.is_valid(), contact_formset.is_valid()])
        if valid:
            workflow.start_partnership(form.instance, proposed_by=None if admin else request.user)
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
        try:
            workflow.change_state(
                employer,
                form.cleaned_data["to_state"],
                form.cleaned_data["changed_on"],
                form.cleaned_data["reason"],
                request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
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
        {"filter": partner_filter, "page": page, "can_manage": can_manage(request)},
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
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            with transaction.atomic():
                partner = save_versioned(form)
                formset.instance = partner
                formset.save()
        except StaleObjectError:
            handle_stale(form)
            status = 409
        else:
            messages.success(request, _("Netzwerkpartner gespeichert."))
            return redirect("employers:network_detail", pk=partner.pk)
    return render(
        request,
        "employers/network_form.html",
        {"form": form, "formset": formset, "partner": partner if partner.pk else None},
        status=status,
    )
