"""Views of the case file (Fallakte): the page that answers "where does this case stand?",
its timeline, and the small forms that add notes, goals, follow-ups, recognition procedures
and status changes on the page itself (plain POST + redirect, or htmx partial)."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fallmanagement.core.locking import StaleObjectError, handle_stale, save_versioned
from fallmanagement.core.roles import Role, has_role, role_required
from offers.models import Referral
from participants import workflow
from participants.casefile_forms import (
    CONSENT_MISSING,
    CaseNoteForm,
    FollowUpDoneForm,
    FollowUpForm,
    GoalCloseForm,
    GoalForm,
    NoteAddendumForm,
    NoteCorrectionForm,
    RecognitionForm,
    StatusChangeForm,
)
from participants.models import (
    CaseNote,
    FollowUp,
    Goal,
    Participant,
    RecognitionProcedure,
    read_only_case_ids,
)
from participants.queries import can_change, visible_participant
from participants.recognition import sync_recognition_followups
from participants.workflow import (
    add_note_addendum,
    intake_gaps,
    mark_note_corrected,
    note_correction_mode,
    reopen_followup,
    tick_followup,
)
from placements.models import Placement
from placements.queries import placements_of_participant
from placements.workflow import exit_warnings

from .timeline import KINDS, PAGE_SIZE, build_timeline

PERMIT_WARNING_DAYS = 30


def _participant(request: HttpRequest, pk: int) -> Participant:
    # Every view of this module loads the case here: 404 unless visible, access logged.
    return visible_participant(request, pk, select_related=("caseworker",))


def permit_warnings(participant: Participant, today: datetime.date) -> list[dict]:
    """Residence title / work permit expired, expiring within 30 days, or missing."""
    warnings = []
    soon = today + datetime.timedelta(days=PERMIT_WARNING_DAYS)
    for label, until in (
        (_("Aufenthaltstitel"), participant.residence_valid_until),
        (_("Beschäftigungserlaubnis"), participant.work_permit_valid_until),
    ):
        if until is None:
            continue
        if until < today:
            warnings.append(
                {
                    "level": "danger",
                    "text": _("%(what)s abgelaufen am %(date)s")
                    % {"what": label, "date": until.strftime("%d.%m.%Y")},
                }
            )
        elif until <= soon:
            warnings.append(
                {
                    "level": "warning",
                    "text": _("%(what)s läuft am %(date)s ab (in %(days)s Tagen)")
                    % {
                        "what": label,
                        "date": until.strftime("%d.%m.%Y"),
                        "days": (until - today).days,
                    },
                }
            )
    if participant.needs_work_permit and participant.work_permit != Participant.WorkPermit.YES:
        warnings.append(
            {
                "level": "danger",
                "text": _(
                    "Keine Beschäftigungserlaubnis erfasst: Bei %(status)s braucht ein Praktikum "
                    "die Erlaubnis der Ausländerbehörde."
                )
                % {"status": participant.get_residence_status_display()},
            }
        )
    return warnings


def _open_placements(participant: Participant):
    return (
        Placement.objects.filter(participant=participant)
        .open()
        .select_related("employer")
        .order_by("planned_start", "pk")
    )


def _current_and_next_placement(participant: Participant, today: datetime.date, placements=None):
    current = upcoming = None
    if placements is None:
        placements = _open_placements(participant)
    for placement in placements:
        if placement.state == Placement.State.RUNNING or placement.start <= today <= placement.end:
            current = current or placement
        elif placement.start > today:
            upcoming = upcoming or placement
    return current, upcoming


def _timeline_params(request: HttpRequest) -> tuple[list[str], int]:
    kinds = [k for k in request.GET.getlist("art") if k in KINDS]
    try:
        limit = int(request.GET.get("anzahl", PAGE_SIZE))
    except ValueError:
        limit = PAGE_SIZE
    limit = max(PAGE_SIZE, min(limit, 1000)) // PAGE_SIZE * PAGE_SIZE
    return kinds, limit


def _context(request: HttpRequest, participant: Participant, **forms) -> dict:
    today = timezone.localdate()
    # A previous caseworker reads a handed-over case but changes nothing: no edit controls
    # (check_write refuses the requests themselves).
    can_edit = can_change(request.user, participant.pk)
    read_only = not can_edit and participant.pk in read_only_case_ids(request.user)
    is_admin = has_role(request.user, Role.ADMINISTRATION)
    kinds, limit = _timeline_params(request)
    # The timeline and the page's other lists come from one query (see fetch_together).
    timeline = build_timeline(
        participant,
        request.user,
        kinds=kinds,
        limit=limit,
        also={
            "open_followups": participant.followups.filter(done_on__isnull=True).order_by(
                "due_on", "pk"
            )[:10],
            "open_goals": participant.goals.filter(state=Goal.State.OPEN).order_by(
                "due_on", "agreed_on", "pk"
            ),
            "recognitions": participant.recognitions.select_related("network_partner").order_by(
                *RecognitionProcedure._meta.ordering, "pk"
            ),
            "placements": _open_placements(participant),
            "referrals": Referral.objects.filter(participant=participant)
            .open()
            .select_related("offer__partner")
            .order_by("proposed_on", "pk"),
            "german_levels": participant.german_levels.order_by("-attested_on", "-pk")[:10],
            "languages": participant.languages.order_by("language", "pk"),
            "experiences": participant.experiences.select_related("kldb_group").order_by("pk"),
            "documents": participant.documents.order_by("-uploaded_at", "-pk")[:50],
        },
    )
    open_followups = timeline.also["open_followups"]
    failed_done_form = forms.pop("done_form", None)
    for followup in open_followups:
        if failed_done_form is not None and failed_done_form.followup.pk == followup.pk:
            followup.done_form = failed_done_form
        else:
            followup.done_form = FollowUpDoneForm(followup=followup, prefix=f"done-{followup.pk}")
    current, upcoming = _current_and_next_placement(participant, today, timeline.also["placements"])
    status_form = forms.pop("status_form", None) or StatusChangeForm(participant=participant)
    context = {
        "participant": participant,
        "today": today,
        "can_edit": can_edit,
        "read_only": read_only,
        "can_work": can_edit and participant.has_consent,
        "timeline": timeline,
        "timeline_kinds": [(k, labels[0], k in kinds) for k, labels in KINDS.items()],
        "open_followups": open_followups,
        "next_followup": open_followups[0] if open_followups else None,
        "open_goals": timeline.also["open_goals"],
        "recognitions": timeline.also["recognitions"],
        "open_referrals": timeline.also["referrals"],
        "german_levels": timeline.also["german_levels"],
        "can_share": is_admin or participant.caseworker_id == request.user.pk,
        "can_reassign": is_admin,
        "placements": list(placements_of_participant(request.user, participant)),
        "current_placement": current,
        "next_placement": upcoming,
        "permit_warnings": permit_warnings(participant, today),
        "languages": timeline.also["languages"],
        "documents": timeline.also["documents"],
        "experiences": timeline.also["experiences"],
        "intake_gaps": intake_gaps(participant, has_languages=bool(timeline.also["languages"])),
        "exit_warnings": exit_warnings(participant),
        "note_form": forms.pop("note_form", None) or CaseNoteForm(),
        "goal_form": forms.pop("goal_form", None) or GoalForm(),
        "followup_form": forms.pop("followup_form", None) or FollowUpForm(),
        "recognition_form": forms.pop("recognition_form", None) or RecognitionForm(),
        "status_form": status_form,
        "open_form": forms.pop("open_form", ""),
    }
    return context


def _render_casefile(request, participant, *, status=200, **forms) -> HttpResponse:
    """The whole page, or for htmx only the case file body (with fresh or failed forms)."""
    context = _context(request, participant, **forms)
    if request.htmx:
        # htmx only swaps 2xx responses; a failed form is re-rendered with 200.
        return render(request, "participants/detail.html#casefile", context)
    return render(request, "participants/detail.html", context, status=status)


def _done(request, participant, message) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return _render_casefile(request, participant)
    return redirect("participants:detail", pk=participant.pk)


@role_required(Role.CASEWORK, Role.ADMINISTRATION)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    if request.htmx and request.htmx.target == "timeline":
        # Filter chips and "show more" only replace the timeline.
        context = _context(request, participant)
        return render(request, "participants/detail.html#timeline", context)
    return _render_casefile(request, participant)


def _add(request, pk, form_class, form_key, message, *, build):
    participant = _participant(request, pk)
    form = form_class(request.POST)
    if not participant.has_consent:
        form.is_valid()
        form.add_error(None, CONSENT_MISSING)
    if form.is_valid():
        build(form, participant)
        return _done(request, participant, message)
    return _render_casefile(
        request, participant, status=422, open_form=form_key, **{form_key: form}
    )


def _add_owned(request, pk, form_class, form_key, message, owner_field):
    """Add a simple timeline entry that belongs to the participant and records its author
    (a due date in the past is saved with a warning, see participants.workflow)."""

    def build(form, participant):
        form.instance.participant = participant
        setattr(form.instance, owner_field, request.user)
        form.save()
        warning = workflow.past_due_warning(getattr(form.instance, "due_on", None))
        if warning:
            messages.warning(request, warning)

    return _add(request, pk, form_class, form_key, message, build=build)


@role_required(Role.CASEWORK)
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A note, and with it (optionally) its follow-up: both or neither are saved."""

    def build(form, participant):
        with transaction.atomic():
            form.instance.participant = participant
            form.instance.author = request.user
            note = form.save()
            due_on = form.followup_due()
            if due_on is not None:
                FollowUp.objects.create(
                    participant=participant,
                    due_on=due_on,
                    subject=form.cleaned_data["followup_subject"].strip(),
                    created_by=request.user,
                )
        return note

    message = _("Gesprächsnotiz gespeichert.")
    return _add(request, pk, CaseNoteForm, "note_form", message, build=build)


def _note_anchor(pk: int, note: CaseNote) -> str:
    return reverse("participants:detail", args=[pk]) + f"#notiz-{note.pk}"


@role_required(Role.CASEWORK)
def note_edit(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    """The author corrects a note on the day it was written, later adds an addendum; the old
    text stays in the audit trail. Anybody else: 403 (the note itself is visible to them)."""
    participant = _participant(request, pk)
    note = get_object_or_404(CaseNote.objects.filter(participant=participant), pk=note_pk)
    mode = note_correction_mode(note, request.user)
    status = 200
    if mode == "korrektur":
        form = NoteCorrectionForm(request.POST or None, instance=note, prefix="note-edit")
        if request.method == "POST":
            if form.is_valid():
                mark_note_corrected(form.instance)
                try:
                    save_versioned(form)
                except StaleObjectError:
                    handle_stale(form)
                else:
                    messages.success(request, _("Notiz korrigiert."))
                    return redirect(_note_anchor(pk, note))
            status = 422
    else:
        form = NoteAddendumForm(request.POST or None, prefix="note-edit")
        if request.method == "POST":
            if form.is_valid():
                try:
                    add_note_addendum(note, request.user, form.cleaned_data["addendum"])
                except ValidationError as error:
                    form.add_error("addendum", error)
                else:
                    messages.success(request, _("Nachtrag gespeichert."))
                    return redirect(_note_anchor(pk, note))
            status = 422
    return render(
        request,
        "participants/note_edit.html",
        {"participant": participant, "note": note, "form": form, "mode": mode},
        status=status,
    )


@role_required(Role.CASEWORK)
@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    message = _("Zielvereinbarung gespeichert.")
    return _add_owned(request, pk, GoalForm, "goal_form", message, "author")


@role_required(Role.CASEWORK)
@require_POST
def followup_add(request: HttpRequest, pk: int) -> HttpResponse:
    message = _("Wiedervorlage angelegt.")
    return _add_owned(request, pk, FollowUpForm, "followup_form", message, "created_by")


@role_required(Role.CASEWORK)
@require_POST
def recognition_add(request: HttpRequest, pk: int) -> HttpResponse:
    def build(form, participant):
        with transaction.atomic():
            form.instance.participant = participant
            procedure = form.save()
            sync_recognition_followups(procedure, request.user)

    return _add(
        request,
        pk,
        RecognitionForm,
        "recognition_form",
        _("Anerkennungsverfahren gespeichert."),
        build=build,
    )


@role_required(Role.CASEWORK)
def recognition_edit(request: HttpRequest, pk: int, recognition_pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    procedure = get_object_or_404(
        RecognitionProcedure.objects.filter(participant=participant), pk=recognition_pk
    )
    if request.method == "POST":
        form = RecognitionForm(request.POST, instance=procedure)
        if not participant.has_consent:
            form.is_valid()
            form.add_error(None, CONSENT_MISSING)
        status = 422
        if form.is_valid():
            try:
                with transaction.atomic():
                    procedure = save_versioned(form)
                    sync_recognition_followups(procedure, request.user)
            except StaleObjectError:
                handle_stale(form)
                status = 409
            else:
                messages.success(request, _("Anerkennungsverfahren gespeichert."))
                return redirect(
                    reverse("participants:detail", args=[participant.pk]) + "#anerkennung"
                )
    else:
        form = RecognitionForm(instance=procedure)
        status = 200
    return render(
        request,
        "participants/partials/recognition_form.html",
        {"participant": participant, "procedure": procedure, "form": form},
        status=status,
    )


@role_required(Role.CASEWORK)
@require_POST
def goal_close(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    goal = get_object_or_404(
        Goal.objects.filter(participant=participant, state=Goal.State.OPEN), pk=goal_pk
    )
    form = GoalCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Bitte „erreicht“ oder „verworfen“ wählen."))
        return _render_casefile(request, participant, status=422)
    goal.state = form.cleaned_data["state"]
    goal.closed_on = timezone.localdate()
    goal.save(update_fields=["state", "closed_on"])
    return _done(
        request,
        participant,
        _("Ziel als „%(state)s“ markiert.") % {"state": goal.get_state_display()},
    )


@role_required(Role.CASEWORK)
@require_POST
def followup_done(request: HttpRequest, pk: int, followup_pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    followup = get_object_or_404(
        FollowUp.objects.filter(participant=participant, done_on__isnull=True), pk=followup_pk
    )
    form = FollowUpDoneForm(request.POST, followup=followup, prefix=f"done-{followup.pk}")
    if not form.is_valid():
        return _render_casefile(request, participant, status=422, done_form=form)
    tick_followup(followup, request.user, form.cleaned_data["whereabouts"])
    return _done(request, participant, _("Wiedervorlage erledigt."))


@role_required(Role.CASEWORK)
@require_POST
def followup_reopen(request: HttpRequest, pk: int, followup_pk: int) -> HttpResponse:
    """A follow-up ticked by mistake is open again (who ticked it stays in the audit trail)."""
    participant = _participant(request, pk)
    followup = get_object_or_404(
        FollowUp.objects.filter(participant=participant, done_on__isnull=False), pk=followup_pk
    )
    reopen_followup(followup)
    return _done(request, participant, _("Wiedervorlage wieder offen."))


@role_required(Role.CASEWORK)
@require_POST
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    participant = _participant(request, pk)
    form = StatusChangeForm(request.POST, participant=participant)
    if form.is_valid() and form.save(request.user):
        return _done(
            request,
            participant,
            _("Status geändert: %(status)s.") % {"status": participant.get_status_display()},
        )
    return _render_casefile(
        request, participant, status=422, status_form=form, open_form="status_form"
    )
