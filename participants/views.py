"""Views of the participants app: caseload list with name search, intake (create/edit),
sharing with a substitute and reassignment by Administration.

The case file itself (detail, timeline, status) lives in casefile views/urls.
"""

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import FieldError, PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.forms.formsets import all_valid
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_countries import countries

from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.core.roles import Role, has_role, role_required
from fallmanagement.core.widgets import parse_id

from .forms import (
    SORTS,
    CaseloadFilter,
    ExperienceFormSet,
    LanguageFormSet,
    ParticipantForm,
    ReassignForm,
    SearchForm,
    ShareForm,
)
from .models import Participant
from .queries import caseload_rows, possible_duplicates, search, visible_participant
from .workflow import revoke_share, share_case

# The name search lives in the session, never in the URL (no names in access logs).
SEARCH_SESSION_KEY = "participants_search"
logger = logging.getLogger(__name__)
PAGE_SIZE = 25


def _list_url(params) -> str:
    """The caseload URL with the given filter parameters (never a name)."""
    clean = [(k, v) for k, v in params.items() if k not in ("page", "clear") and v]
    url = reverse("participants:list")
    return f"{url}?{urlencode(clean)}" if clean else url


def _with_labels(participants: list[Participant]) -> None:
    """Status, German level and country of each row as `*_label`, each name translated once
    per page: get_FIELD_display builds the choice map and translates on every call, a
    Country translates its name on every access (3.5 ms for 25 rows)."""
    status = {value: str(label) for value, label in Participant.Status.choices}
    german = {value: str(label) for value, label in Participant.GermanLevel.choices}
    country_names = dict(countries)
    for p in participants:
        p.status_label = status.get(p.status, p.status)
        p.german_level_label = german.get(p.german_level, p.german_level)
        p.country_label = country_names.get(p.country_of_origin.code, "")


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def caseload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        search_form = SearchForm(request.POST)
        query = search_form.cleaned_data["q"].strip() if search_form.is_valid() else ""
        if query:
            request.session[SEARCH_SESSION_KEY] = query
            log_access(request, AccessAction.SEARCH, object_type="participants.Participant")
        else:
            request.session.pop(SEARCH_SESSION_KEY, None)
        return redirect(_list_url(request.GET))
    if request.GET.get("clear"):
        request.session.pop(SEARCH_SESSION_KEY, None)
        return redirect(_list_url(request.GET))

    query = request.session.get(SEARCH_SESSION_KEY, "")
    if not isinstance(query, str) or not SearchForm({"q": query}).is_valid():
        request.session.pop(SEARCH_SESSION_KEY, None)
        query = ""
    participants = caseload_rows(request.user)
    filterset = CaseloadFilter(
        request.GET, queryset=participants, user=request.user, request=request
    )
    participants = search(filterset.qs, query)
    sort = filterset.form.cleaned_data.get("sort") if filterset.is_valid() else ""
    if sort == "followup":
        ordering = [F("next_followup").asc(nulls_last=True), "last_name", "pk"]
    elif sort in SORTS:
        ordering = list(SORTS[sort])
    elif query:
        ordering = ["-search_rank", "last_name", "first_name", "pk"]
    else:
        ordering = list(SORTS["name"])
    try:
        # Evaluated here, so a stored search that fails is dropped instead of failing every
        # later visit of the caseload (the search lives in the session, not in the URL).
        with transaction.atomic():
            page = Paginator(participants.order_by(*ordering), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            page.object_list = list(page.object_list)
            _with_labels(page.object_list)
    except (FieldError, DatabaseError) as error:
        if not query:
            raise
        # The error's name only: its message could quote the search text.
        logger.warning("stored caseload search dropped after %s", type(error).__name__)
        request.session.pop(SEARCH_SESSION_KEY, None)
        messages.warning(
            request, _("Die Suche konnte nicht ausgeführt werden und wurde zurückgesetzt.")
        )
        return redirect(_list_url(request.GET))
    # A list of cases is case data too: one row for the page (no participant id).
    log_access(request, AccessAction.VIEW, object_type="list:caseload")
    context = {
        "page": page,
        "filter": filterset,
        "search_form": SearchForm(initial={"q": query}),
        "query": query,
        "filters_active": any(v for k, v in request.GET.items() if k not in ("page", "sort") and v),
        "today": timezone.localdate(),
        "is_admin": has_role(request.user, Role.ADMINISTRATION),
        "can_create": has_role(request.user, Role.CASEWORK),
    }
    return render(request, "participants/list.html", context)


def _formsets(request: HttpRequest, participant: Participant):
    data = request.POST if request.method == "POST" else None
    return (
        LanguageFormSet(data, instance=participant, prefix="languages"),
        ExperienceFormSet(data, instance=participant, prefix="experiences"),
    )


def _save_all(form, formsets) -> Participant:
    """Participant and its formsets in one transaction (all or nothing)."""
    with transaction.atomic():
        form.apply_automatic_fields()
        participant = save_versioned(form)
        for formset in formsets:
            formset.instance = participant
            formset.save()
    return participant


def _duplicate_warnings(user, form) -> list[dict]:
    data = form.cleaned_data
    found = list(
        possible_duplicates(
            data["first_name"],
            data["last_name"],
            data.get("date_of_birth"),
            data.get("country_of_origin") or "",
        )[:10]
    )
    if not found:
        return []
    visible = set(
        Participant.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in found])
        .values_list("pk", flat=True)
    )
    return [{"participant": p, "visible": p.pk in visible} for p in found]


@role_required(Role.CASEWORK)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    participant = Participant()
    form = ParticipantForm(
        request.POST if request.method == "POST" else None,
        instance=participant,
        user=request.user,
    )
    formsets = _formsets(request, participant)
    duplicates: list[dict] = []
    if request.method == "POST" and all_valid([form, *formsets]):
        duplicates = _duplicate_warnings(request.user, form)
        if duplicates and not form.cleaned_data.get("confirm_duplicate"):
            born = form.cleaned_data.get("date_of_birth")
            if any(d["participant"].date_of_birth == born for d in duplicates if born):
                message = _(
                    "Es gibt bereits eine Person mit ähnlichem Namen und demselben "
                    "Geburtsdatum. Bitte prüfen Sie das und bestätigen Sie „Trotzdem anlegen“."
                )
            else:
                message = _(
                    "Es gibt bereits eine Person mit ähnlichem Namen aus demselben Herkunftsland "
                    "mit ähnlichem oder unbekanntem Geburtsjahr. Bitte prüfen Sie das und "
                    "bestätigen Sie „Trotzdem anlegen“."
                )
            form.add_error("confirm_duplicate", message)
        else:
            try:
                participant = _save_all(form, formsets)
            except IntegrityError:
                participant.pk = None
                form.add_error(None, _("Die Angaben konnten nicht gespeichert werden."))
            else:
                messages.success(
                    request,
                    _("%(name)s wurde aufgenommen.") % {"name": participant.display_name},
                )
                return redirect("participants:detail", pk=participant.pk)
    return render(
        request,
        "participants/form.html",
        {"form": form, "formsets": formsets, "duplicates": duplicates, "participant": None},
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    participant = visible_participant(
        request, pk, select_related=("caseworker", "consent_recorded_by")
    )
    form = ParticipantForm(
        request.POST if request.method == "POST" else None,
        instance=participant,
        user=request.user,
    )
    formsets = _formsets(request, participant)
    status = 200
    if request.method == "POST":
        status = 400
        if all_valid([form, *formsets]):
            try:
                participant = _save_all(form, formsets)
            except StaleObjectError:
                handle_stale(form)
                status = 409
            except IntegrityError:
                form.add_error(None, _("Die Angaben konnten nicht gespeichert werden."))
            else:
                messages.success(request, _("Die Angaben wurden gespeichert."))
                return redirect("participants:detail", pk=participant.pk)
    return render(
        request,
        "participants/form.html",
        {"form": form, "formsets": formsets, "duplicates": [], "participant": participant},
        status=status,
    )


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def share(request: HttpRequest, pk: int) -> HttpResponse:
    """The assigned caseworker (or Administration) shares the case with a substitute."""
    participant = visible_participant(request, pk, select_related=("caseworker",))
    if not (
        has_role(request.user, Role.ADMINISTRATION) or participant.caseworker_id == request.user.pk
    ):
        raise PermissionDenied
    action = request.POST.get("action")
    form = ShareForm(request.POST if action == "share" else None, participant=participant)
    if action == "share" and form.is_valid():
        substitute = form.cleaned_data["user"]
        share_case(participant, substitute, request.user)
        messages.success(
            request,
            _("Der Fall ist jetzt für %(name)s freigegeben.")
            % {"name": substitute.get_full_name() or substitute.get_username()},
        )
        return redirect("participants:share", pk=participant.pk)
    if action == "revoke":
        substitute = participant.shared_with.filter(pk=parse_id(request.POST.get("user"))).first()
        if substitute is not None:
            revoke_share(participant, substitute, request.user)
            messages.success(
                request,
                _("Die Freigabe für %(name)s wurde aufgehoben.")
                % {"name": substitute.get_full_name() or substitute.get_username()},
            )
        return redirect("participants:share", pk=participant.pk)
    return render(
        request,
        "participants/share.html",
        {
            "participant": participant,
            "form": form,
            "shared": participant.shared_with.order_by("last_name", "username"),
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(Role.ADMINISTRATION)
@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Administration assigns the case to another caseworker."""
    participant = visible_participant(request, pk, select_related=("caseworker",))
    form = ReassignForm(request.POST if request.method == "POST" else None, participant=participant)
    if request.method == "POST" and form.is_valid():
        new = form.cleaned_data["caseworker"]
        with transaction.atomic():
            # Bump the version so an edit form opened before the reassignment gets a 409.
            Participant.objects.filter(pk=participant.pk).update(
                caseworker=new, version=F("version") + 1, updated_at=timezone.now()
            )
            # The new caseworker owns the case now: a sharing with them ends (recorded).
            revoke_share(participant, new, request.user)
        messages.success(
            request,
            _("Der Fall ist jetzt %(name)s zugewiesen.")
            % {"name": new.get_full_name() or new.get_username()},
        )
        return redirect("participants:detail", pk=participant.pk)
    return render(
        request,
        "participants/reassign.html",
        {"participant": participant, "form": form},
        status=400 if request.method == "POST" else 200,
    )
