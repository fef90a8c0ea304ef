"""Views of the placements app: the placement board, placement pages and documents.

Every placement is reached through `Participant.objects.visible_to(user)`: a placement of a
participant the user may not see is a 404. Caseworkers plan and change placements;
Administration may look (every access is logged) but not plan.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from employers.models import ContactPerson, Employer, EmployerField
from fallmanagement.core.accesslog import AccessAction, log_access
from fallmanagement.core.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.core.roles import Role, role_required
from fallmanagement.core.widgets import parse_id
from participants.models import Participant
from participants.queries import can_change, visible_participant
from participants.workflow import change_status

from . import documents, workflow
from .forms import (
    TRANSITION_FORMS,
    AssessmentForm,
    CheckInForm,
    OutcomeForm,
    PlacementForm,
    transition_form,
)
from .matching import default_period
from .models import Assessment, CheckIn, Placement
from .queries import visible_placement, visible_placements

PER_PAGE = 25


def _get_placement(request: HttpRequest, pk: int, action: str = AccessAction.VIEW) -> Placement:
    # Every view of this module loads the placement here: 404 unless visible, access logged.
    return visible_placement(
        request, pk, select_related=("supervisor", "kldb_group", "follows"), action=action
    )


def _page(request, queryset, param: str):
    """One paginated board section with its own page parameter (others are kept)."""
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get(param))

    def url(number):
        query = request.GET.copy()
        query[param] = number
        return "?" + query.urlencode()

    page.prev_url = url(page.previous_page_number()) if page.has_previous() else ""
    page.next_url = url(page.next_page_number()) if page.has_next() else ""
    return page


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def board(request: HttpRequest) -> HttpResponse:
    placements = visible_placements(request.user)
    log_access(request, AccessAction.VIEW, object_type="list:placement-board")
    S = Placement.State
    # Internships and trial work need the caseworker now; an apprenticeship runs for years.
    short = placements.filter(kind__in=[Placement.Kind.INTERNSHIP, Placement.Kind.TRIAL])
    current = short.filter(state=S.RUNNING).order_by("planned_end", "pk")
    planned = placements.filter(state__in=[S.PLANNED, S.AGREED]).order_by("planned_start", "pk")
    missing = short.filter(state=S.COMPLETED, assessment__isnull=True).order_by(
        "actual_end", "planned_end", "pk"
    )
    return render(
        request,
        "placements/board.html",
        {
            "current": _page(request, current, "laufend"),
            "planned": _page(request, planned, "geplant"),
            "missing": _page(request, missing, "ohne_beurteilung"),
            "today": timezone.localdate(),
            "soon": timezone.localdate() + datetime.timedelta(days=7),
        },
    )


def _save_placement(request, form, template_context, *, created: bool):
    """Save with optimistic locking and DB constraints; returns a response or None."""
    try:
        with transaction.atomic():
            placement = save_versioned(form)
    except StaleObjectError:
        handle_stale(form)
        return render(request, "placements/form.html", template_context, status=409)
    except IntegrityError as error:  # a constraint, e.g. an overlap saved concurrently
        form.add_error(None, workflow.constraint_message(error))
        return render(request, "placements/form.html", template_context)
    messages.success(request, _("Einsatz angelegt.") if created else _("Einsatz gespeichert."))
    return redirect("placements:detail", pk=placement.pk)


def prefill(query, participant: Participant | None) -> dict:
    """Initial data of a placement planned from a match (?participant=&employer=&kldb=):
    the employer, its (first active) contact person as supervisor, the occupational field and
    an orientation internship of four weeks from next Monday."""
    initial: dict = {}
    employer_pk = parse_id(query.get("employer"))
    employer = Employer.objects.partners().filter(pk=employer_pk).first() if employer_pk else None
    if employer is None:
        return initial
    start, end = default_period()
    initial.update(
        employer=employer.pk,
        kind=Placement.Kind.INTERNSHIP,
        legal_basis=Placement.LegalBasis.MILOG,
        planned_start=start,
        planned_end=end,
        supervisor=ContactPerson.objects.filter(employer=employer, is_active=True)
        .order_by("name", "pk")
        .values_list("pk", flat=True)
        .first(),
    )
    code = query.get("kldb", "")
    if code.isascii() and code.isdigit() and 2 <= len(code) <= 5:
        offered = EmployerField.objects.filter(employer=employer, offers_internship=True)
        if len(code) == 2 and offered.filter(kldb_group_id=code).exists():
            initial["kldb_group"] = code
        elif len(code) > 2 and offered.filter(kldb_occupation_id=code).exists():
            initial.update(kldb_group=code[:2], kldb_occupation=code)
    return initial


@role_required(Role.CASEWORK)
def create(request: HttpRequest) -> HttpResponse:
    participant = None
    if request.GET.get("participant"):
        participant_pk = parse_id(request.GET["participant"])
        if participant_pk is None:
            raise Http404
        participant = visible_participant(request, participant_pk)
    else:
        # The form offers the user's visible cases by name.
        log_access(request, AccessAction.VIEW, object_type="list:participant-choice")
    initial = prefill(request.GET, participant) if request.method != "POST" else {}
    if request.GET.get("kind") in Placement.Kind.values:
        initial["kind"] = request.GET["kind"]
    if participant is not None and participant.is_closed and request.method == "GET":
        messages.info(
            request,
            _(
                "Der Fall ist abgeschlossen: erfasst wird nur noch der Anschluss (Ausbildung, "
                "EQ, Beschäftigung), kein Praktikum."
            ),
        )
    instance = Placement(participant=participant, created_by=request.user)
    form = PlacementForm(
        request.POST or None,
        instance=instance,
        initial=initial,
        user=request.user,
        fixed_participant=participant,
    )
    context = {"form": form, "participant": participant, "placement": None}
    if request.method == "POST" and form.is_valid():
        return _save_placement(request, form, context, created=True)
    return render(request, "placements/form.html", context)


@role_required(Role.CASEWORK)
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk)
    form = PlacementForm(request.POST or None, instance=placement, user=request.user)
    context = {"form": form, "participant": placement.participant, "placement": placement}
    if request.method == "POST" and form.is_valid():
        return _save_placement(request, form, context, created=False)
    return render(request, "placements/form.html", context)


def _detail_context(request, placement: Placement, **overrides) -> dict:
    try:
        assessment = placement.assessment
    except Assessment.DoesNotExist:
        assessment = None
    transitions = []
    for t in workflow.available_transitions(placement):
        form = overrides.pop(f"{t.action}_form", None) or transition_form(t.action, placement)
        transitions.append({"t": t, "form": form})
    start_problems = []
    if placement.state in (Placement.State.PLANNED, Placement.State.AGREED):
        start_problems = workflow.start_errors(placement, placement.planned_start)
    outcome_form = overrides.pop("outcome_form", None) or OutcomeForm(
        participant=placement.participant,
        has_follow_on=placement.follow_ons.exists(),
        initial={
            "outcome": placement.outcome,
            "offer_from_employer": placement.offer_from_employer,
        },
    )
    # No controls that change the case for a previous caseworker reading it (handover).
    can_edit = can_change(request.user, placement.participant_id)
    context = {
        "placement": placement,
        "participant": placement.participant,
        "assessment": assessment,
        "checkins": placement.checkins.select_related("author"),
        "checkin_form": CheckInForm(initial={"date": timezone.localdate()}),
        "can_check_in": placement.actual_start is not None,
        "warnings": workflow.warnings(placement),
        "transitions": transitions,
        "start_problems": start_problems,
        "outcome_form": outcome_form,
        "follow_ons": placement.follow_ons.all(),
        "documents": placement.documents.order_by("-uploaded_at", "-pk"),
        "can_work": can_edit and placement.participant.has_consent,
        "can_edit": can_edit,
        "transition_errors": overrides.pop("transition_errors", None),
    }
    context.update(overrides)
    return context


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk)
    return render(request, "placements/detail.html", _detail_context(request, placement))


@role_required(Role.CASEWORK)
@require_POST
def transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    placement = _get_placement(request, pk)
    if action not in TRANSITION_FORMS:
        raise Http404
    form = transition_form(action, placement, request.POST)
    if form.is_valid():
        try:
            placement = workflow.apply_transition(
                placement, action, form.cleaned_data, user=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Stand geändert: %(state)s.") % {"state": placement.get_state_display()},
            )
            return redirect("placements:detail", pk=placement.pk)
    context = _detail_context(request, placement, **{f"{action}_form": form})
    context["failed_action"] = action
    return render(request, "placements/detail.html", context, status=422)


@role_required(Role.CASEWORK)
@require_POST
def checkin_add(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk)
    form = CheckInForm(request.POST, instance=CheckIn(placement=placement, author=request.user))
    if form.is_valid():
        form.save()
        if not request.htmx:
            messages.success(request, _("Begleitung gespeichert."))
            return redirect(reverse("placements:detail", args=[pk]) + "#begleitung")
        form = CheckInForm(initial={"date": timezone.localdate()})
    context = _detail_context(request, placement, checkin_form=form)
    if request.htmx:
        return render(request, "placements/detail.html#checkins", context)
    return render(request, "placements/detail.html", context, status=422)


@role_required(Role.CASEWORK)
def assessment(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk)
    if not placement.is_finished:
        messages.error(
            request,
            _("Eine Beurteilung ist erst möglich, wenn der Einsatz beendet oder abgebrochen ist."),
        )
        return redirect("placements:detail", pk=pk)
    try:
        instance = placement.assessment
    except Assessment.DoesNotExist:
        instance = Assessment(
            placement=placement,
            recorded_by=request.user,
            assessed_on=placement.actual_end or timezone.localdate(),
        )
    form = AssessmentForm(request.POST or None, instance=instance)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form)
        except StaleObjectError:
            handle_stale(form)
            status = 409
        except IntegrityError:  # two first assessments of the same placement at once
            handle_stale(form)
            status = 409
        else:
            messages.success(request, _("Beurteilung gespeichert."))
            return redirect(reverse("placements:detail", args=[pk]) + "#beurteilung")
    return render(
        request,
        "placements/assessment.html",
        {"placement": placement, "form": form},
        status=status,
    )


def _follow_on_dates(kind: str, start: datetime.date) -> datetime.date:
    K = Placement.Kind
    if kind == K.INTERNSHIP:
        return start + datetime.timedelta(days=Placement.INTERNSHIP_MAX_DAYS - 1)
    if kind == K.APPRENTICESHIP:
        return start + datetime.timedelta(days=3 * 365 - 1)
    return start + datetime.timedelta(days=364)  # EQ (6–12 months), employment: to be adjusted


def _create_follow_on(placement: Placement, user, job_title: str) -> Placement | None:
    kind = Placement.OUTCOME_KIND.get(placement.outcome)
    if kind is None:
        return None
    existing = placement.follow_ons.order_by("pk").first()
    if existing:
        return existing
    start = max(timezone.localdate(), placement.end + datetime.timedelta(days=1))
    follow_on = Placement(
        participant=placement.participant,
        employer=placement.employer,
        kind=kind,
        employment_type=(
            Placement.EmploymentType.SOCIAL_INSURANCE if kind == Placement.Kind.EMPLOYMENT else ""
        ),
        kldb_group=placement.kldb_group,
        # The same job, its Anforderungsniveau open: an apprenticeship after a helper internship
        # is "fachlich ausgerichtet" (the fifth digit), so only the Berufsuntergruppe is kept.
        kldb_occupation_id=(placement.kldb_occupation_id or "")[:4] or None,
        job_title=job_title.strip(),  # its own, not the internship's "… (Orientierung)"
        supervisor=placement.supervisor,
        planned_start=start,
        planned_end=_follow_on_dates(kind, start),
        legal_basis=(placement.legal_basis or Placement.LegalBasis.MILOG)
        if kind == Placement.Kind.INTERNSHIP
        else "",
        follows=placement,
        created_by=user,
    )
    problems = workflow.rule_messages(follow_on)
    if problems:
        raise ValidationError([_("Der Anschluss-Einsatz konnte nicht angelegt werden:")] + problems)
    workflow.save_checked(follow_on)
    return follow_on


@role_required(Role.CASEWORK)
@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk)
    if not placement.is_finished:
        messages.error(
            request,
            _("Das Ergebnis wird festgehalten, wenn der Einsatz beendet oder abgebrochen ist."),
        )
        return redirect("placements:detail", pk=pk)
    form = OutcomeForm(
        request.POST,
        participant=placement.participant,
        has_follow_on=placement.follow_ons.exists(),
    )
    if form.is_valid():
        try:
            with transaction.atomic():
                Placement.objects.filter(pk=pk).update(
                    outcome=form.cleaned_data["outcome"],
                    offer_from_employer=form.cleaned_data["offer_from_employer"],
                )
                placement.outcome = form.cleaned_data["outcome"]
                placement.offer_from_employer = form.cleaned_data["offer_from_employer"]
                target = form.target_status()
                if form.cleaned_data["change_case_status"] and target:
                    status, placed_as = target
                    if status != placement.participant.status:
                        change_status(
                            placement.participant,
                            status,
                            request.user,
                            reason=_("Ergebnis des Einsatzes: %(outcome)s")
                            % {"outcome": placement.get_outcome_display()},
                            placed_as=placed_as,
                        )
                        messages.success(
                            request,
                            _("Fallstatus auf „%(status)s“ gesetzt.")
                            % {"status": Participant.Status(status).label},
                        )
                follow_on = _create_follow_on(
                    placement, request.user, form.cleaned_data.get("follow_on_job_title", "")
                )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Ergebnis gespeichert."))
            if follow_on is not None:
                messages.info(
                    request,
                    _("Der Anschluss-Einsatz ist angelegt (geplant). Bitte Daten prüfen."),
                )
                return redirect("placements:edit", pk=follow_on.pk)
            return redirect(reverse("placements:detail", args=[pk]) + "#ergebnis")
    context = _detail_context(request, placement, outcome_form=form)
    return render(request, "placements/detail.html", context, status=422)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk, AccessAction.PDF)
    if not placement.is_internship or placement.state == Placement.State.ABORTED:
        messages.error(request, _("Eine Praktikumsvereinbarung gibt es nur für geplante Praktika."))
        return redirect("placements:detail", pk=pk)
    pdf = documents.agreement_pdf(placement)
    return _pdf_response(pdf, f"praktikumsvereinbarung-{placement.pk}.pdf")


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    placement = _get_placement(request, pk, AccessAction.PDF)
    if not placement.is_internship or placement.state != Placement.State.COMPLETED:
        messages.error(
            request,
            _("Eine Praktikumsbescheinigung gibt es erst, wenn das Praktikum beendet ist."),
        )
        return redirect("placements:detail", pk=pk)
    lang = "en" if request.GET.get("lang") == "en" else "de"
    pdf = documents.certificate_pdf(placement, lang=lang)
    name = "internship-certificate" if lang == "en" else "praktikumsbescheinigung"
    return _pdf_response(pdf, f"{name}-{placement.pk}.pdf")
