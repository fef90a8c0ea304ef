"""Views of the offer catalogue (Administration keeps it, caseworkers read it) and of the
referrals, which belong to the case: they are reached only through
`Participant.objects.visible_to(user)` (others are a 404) and every view is access-logged."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.core.roles import Role, has_role, role_required
from participants.casefile_forms import CONSENT_MISSING
from participants.models import Participant
from participants.queries import check_write

from . import workflow
from .forms import OfferForm, OneOffOfferForm, ReferralEditForm, ReferralForm, TransitionForm
from .models import Offer, Referral

PAGE_SIZE = 25


def visible_referrals(user):
    """Referrals of the participants the user may see (need-to-know)."""
    return Referral.objects.filter(
        participant__in=Participant.objects.visible_to(user)
    ).select_related("participant", "offer__partner", "goal")


# --- the catalogue -----------------------------------------------------------------------


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def offer_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    offers = Offer.objects.catalogue().select_related("partner").with_taken_places()
    kind = request.GET.get("art", "")
    if kind in Offer.Kind.values:
        offers = offers.filter(kind=kind)
    query = request.GET.get("q", "").strip()[:100]
    if query:
        offers = offers.filter(Q(title__icontains=query) | Q(partner__name__icontains=query))
    show_all = request.GET.get("alle") == "1"
    if not show_all:
        offers = offers.bookable(today)
    offers = offers.order_by("starts_on", "title", "pk")
    page = Paginator(offers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "offers/list.html",
        {
            "page": page,
            "kinds": Offer.Kind.choices,
            "kind": kind,
            "query": query,
            "show_all": show_all,
            "can_manage": has_role(request.user, Role.ADMINISTRATION),
            "today": today,
        },
    )


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    offer = get_object_or_404(
        Offer.objects.select_related("partner", "contact").with_taken_places(), pk=pk
    )
    return render(
        request,
        "offers/detail.html",
        {
            "offer": offer,
            "full": offer.places is not None and offer.taken >= offer.places,
            "can_manage": has_role(request.user, Role.ADMINISTRATION),
        },
    )


def _offer_form(request: HttpRequest, offer: Offer) -> HttpResponse:
    form = OfferForm(request.POST or None, instance=offer)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                offer = save_versioned(form)
            except StaleObjectError:
                handle_stale(form)
                status = 409
            except IntegrityError:
                form.add_error(None, _("Das Angebot konnte nicht gespeichert werden."))
            else:
                messages.success(request, _("Angebot gespeichert."))
                return redirect("offers:detail", pk=offer.pk)
    return render(
        request,
        "offers/form.html",
        {"form": form, "offer": offer if offer.pk else None},
        status=status,
    )


@role_required(Role.ADMINISTRATION)
def offer_create(request: HttpRequest) -> HttpResponse:
    return _offer_form(request, Offer(created_by=request.user))


@role_required(Role.ADMINISTRATION)
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _offer_form(request, get_object_or_404(Offer.objects.catalogue(), pk=pk))


# --- referrals ---------------------------------------------------------------------------


@role_required(Role.CASEWORK)
def referral_create(request: HttpRequest, participant_pk: int) -> HttpResponse:
    participant = get_object_or_404(Participant.objects.visible_to(request.user), pk=participant_pk)
    check_write(request, participant.pk)
    data = request.POST if request.method == "POST" else None
    form = ReferralForm(data, participant=participant)
    one_off = OneOffOfferForm(data)
    status = 200
    if request.method == "POST":
        status = 422
        if not participant.has_consent:
            form.is_valid()
            form.add_error(None, CONSENT_MISSING)
        elif form.is_valid():
            offer = form.cleaned_data["offer"]
            if offer is None and not one_off.is_valid():
                form.add_error(
                    "offer",
                    _("Bitte ein Angebot aus dem Katalog wählen oder ein Einzelangebot erfassen."),
                )
            else:
                try:
                    with transaction.atomic():
                        if offer is None:
                            offer = one_off.save(commit=False)
                            offer.is_one_off = True
                            offer.created_by = request.user
                            offer.save()
                        referral = workflow.refer(
                            participant,
                            offer,
                            request.user,
                            proposed_on=form.cleaned_data["proposed_on"],
                            goal=form.cleaned_data["goal"],
                            notes=form.cleaned_data["notes"],
                        )
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("Zuweisung angelegt."))
                    for warning in workflow.referral_warnings(participant, offer, referral):
                        messages.warning(request, warning)
                    return redirect("offers:referral_detail", pk=referral.pk)
    log_access(request, AccessAction.VIEW, participant)
    return render(
        request,
        "offers/referral_form.html",
        {"form": form, "one_off": one_off, "participant": participant},
        status=status,
    )


def _referral(request: HttpRequest, pk: int) -> Referral:
    referral = get_object_or_404(visible_referrals(request.user), pk=pk)
    check_write(request, referral.participant_id)
    return referral


def _referral_page(request, referral: Referral, *, status=200, failed=None) -> HttpResponse:
    can_edit = has_role(request.user, Role.CASEWORK)
    steps = []
    if can_edit:
        for t in workflow.available_transitions(referral):
            if failed is not None and failed.action == t.action:
                steps.append(failed)
            else:
                steps.append(TransitionForm(referral=referral, action=t.action))
    return render(
        request,
        "offers/referral_detail.html",
        {
            "referral": referral,
            "participant": referral.participant,
            "offer": referral.offer,
            "warnings": workflow.referral_warnings(referral.participant, referral.offer, referral),
            "steps": steps,
            "failed_action": failed.action if failed is not None else "",
            "can_edit": can_edit,
        },
        status=status,
    )


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    log_access(request, AccessAction.VIEW, referral)
    return _referral_page(request, referral)


@role_required(Role.CASEWORK)
def referral_edit(request: HttpRequest, pk: int) -> HttpResponse:
    referral = _referral(request, pk)
    form = ReferralEditForm(request.POST or None, instance=referral)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                save_versioned(form)
            except StaleObjectError:
                handle_stale(form)
                status = 409
            else:
                messages.success(request, _("Zuweisung gespeichert."))
                return redirect("offers:referral_detail", pk=referral.pk)
    log_access(request, AccessAction.VIEW, referral)
    return render(
        request,
        "offers/referral_edit.html",
        {"form": form, "referral": referral, "participant": referral.participant},
        status=status,
    )


@role_required(Role.CASEWORK)
@require_POST
def referral_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    referral = _referral(request, pk)
    if action not in workflow.TRANSITIONS:
        raise Http404
    form = TransitionForm(request.POST, referral=referral, action=action)
    status = 422
    if form.is_valid():
        try:
            updated = workflow.apply_transition(
                referral,
                action,
                form.cleaned_data,
                request.user,
                version=form.cleaned_data["version"],
            )
        except StaleObjectError:
            handle_stale(form)
            status = 409
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                for message in error.messages:
                    form.add_error(None, message)
        else:
            messages.success(
                request, _("Stand geändert: %(state)s.") % {"state": updated.get_state_display()}
            )
            if updated.level_record_id:
                messages.info(
                    request,
                    _("Deutschkenntnisse aktualisiert: %(level)s.")
                    % {"level": updated.get_level_reached_display()},
                )
            return redirect("offers:referral_detail", pk=referral.pk)
    return _referral_page(request, referral, status=status, failed=form)
