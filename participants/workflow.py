"""Status rules of a case: which transitions are allowed, and how a change is recorded;
and how an attested German level enters the case (record_german_level).

Aufnahme → Profiling → Praktikumsvorbereitung → Praktikum → Auswertung → Qualifizierung →
Vermittelt → Nachbetreuung → Abgeschlossen; "Pausiert" from any open state (and back to the
state before the pause); a closed case can be reopened. Every change is a StatusChange row.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fallmanagement.core.rules import RuleCheck

from .models import (
    CaseNote,
    CaseShareChange,
    FollowUp,
    GermanLevelRecord,
    NoteAddendum,
    Participant,
    StatusChange,
)

S = Participant.Status


def share_case(participant: Participant, substitute, by) -> bool:
    """Share the case with a substitute; recorded. False if it was shared already."""
    with transaction.atomic():
        if participant.shared_with.filter(pk=substitute.pk).exists():
            return False
        participant.shared_with.add(substitute)
        CaseShareChange.objects.create(
            participant=participant,
            substitute=substitute,
            action=CaseShareChange.Action.GRANTED,
            changed_by=by,
        )
    return True


def revoke_share(participant: Participant, substitute, by) -> bool:
    """End the sharing with a substitute; recorded. False if it was not shared."""
    with transaction.atomic():
        if not participant.shared_with.filter(pk=substitute.pk).exists():
            return False
        participant.shared_with.remove(substitute)
        CaseShareChange.objects.create(
            participant=participant,
            substitute=substitute,
            action=CaseShareChange.Action.REVOKED,
            changed_by=by,
        )
    return True


ALLOWED: dict[str, tuple[str, ...]] = {
    S.INTAKE: (S.PROFILING, S.PAUSED, S.CLOSED),
    S.PROFILING: (S.INTERNSHIP_PREP, S.QUALIFICATION, S.PAUSED, S.CLOSED),
    S.INTERNSHIP_PREP: (S.INTERNSHIP, S.PROFILING, S.PAUSED, S.CLOSED),
    S.INTERNSHIP: (S.EVALUATION, S.PAUSED, S.CLOSED),
    S.EVALUATION: (S.QUALIFICATION, S.INTERNSHIP_PREP, S.PLACED, S.PAUSED, S.CLOSED),
    S.QUALIFICATION: (S.INTERNSHIP_PREP, S.PLACED, S.PAUSED, S.CLOSED),
    S.PLACED: (S.AFTERCARE, S.PAUSED, S.CLOSED),
    S.AFTERCARE: (S.CLOSED, S.PAUSED),
    S.PAUSED: (S.CLOSED,),  # plus the state before the pause, see allowed_transitions()
    S.CLOSED: (S.PROFILING,),  # reopening
}

WHEREABOUTS_FOLLOWUPS = (
    (FollowUp.Kind.WHEREABOUTS_4W, datetime.timedelta(weeks=4)),
    (FollowUp.Kind.WHEREABOUTS_6M, datetime.timedelta(days=182)),
)


def exit_date_errors(participant: Participant, on: datetime.date) -> list[str]:
    """The exit date: not in the future, not before the entry into the programme."""
    problems = []
    if on > timezone.localdate():
        problems.append(_("Das Austrittsdatum darf nicht in der Zukunft liegen."))
    if participant.entry_date and on < participant.entry_date:
        problems.append(
            _("Der Austritt (%(exit)s) kann nicht vor dem Eintritt (%(entry)s) liegen.")
            % {
                "exit": on.strftime("%d.%m.%Y"),
                "entry": participant.entry_date.strftime("%d.%m.%Y"),
            }
        )
    # An internship or trial work that begins after the exit would belong to a closed case
    # (the same rule as placements' "internship_for_closed_case" check; one cancelled before
    # it began does not count). Through the reverse relation: participants does not import
    # placements.
    if participant.pk is not None:
        later = (
            participant.placements.filter(
                kind__in=("orientierungspraktikum", "probebeschaeftigung")
            )
            .exclude(state="abgebrochen", actual_start__isnull=True)
            .filter(Q(actual_start__gt=on) | Q(actual_start__isnull=True, planned_start__gt=on))
            .order_by("planned_start")
            .values_list("planned_start", flat=True)
            .first()
        )
        if later is not None:
            problems.append(
                _(
                    "Ein Praktikum bzw. eine Probebeschäftigung beginnt nach dem Austritt "
                    "(%(start)s): bitte den Einsatz vorher abbrechen oder das Austrittsdatum "
                    "anpassen."
                )
                % {"start": later.strftime("%d.%m.%Y")}
            )
    return problems


def past_due_warning(due_on: datetime.date | None) -> str:
    """A due date in the past is allowed (catching up on paperwork) but worth a word."""
    if due_on and due_on < timezone.localdate():
        return _(
            "Das Fälligkeitsdatum %(date)s liegt in der Vergangenheit. Gespeichert – bitte "
            "prüfen, ob das gemeint war."
        ) % {"date": due_on.strftime("%d.%m.%Y")}
    return ""


def allowed_transitions(participant: Participant) -> list[str]:
    targets = list(ALLOWED[participant.status])
    if participant.status == S.PAUSED and participant.status_before_pause:
        targets.insert(0, participant.status_before_pause)
    return targets


def change_status(
    participant: Participant,
    to_status: str,
    user,
    *,
    reason: str = "",
    on: datetime.date | None = None,
    exit_reason: str = "",
    placed_as: str = "",
) -> StatusChange:
    """Move a case to `to_status` if the rules allow it, recording who, when and why.

    Closing needs an exit date (`on`) and an exit reason and creates the whereabouts
    follow-ups (4 weeks and 6 months after exit). Raises ValidationError otherwise.
    """
    on = on or timezone.localdate()
    if to_status == S.CLOSED:
        problems = exit_date_errors(participant, on)
        if problems:
            raise ValidationError(problems)
    if to_status not in allowed_transitions(participant):
        raise ValidationError(
            _("Von „%(from)s“ nach „%(to)s“ ist kein erlaubter Statuswechsel.")
            % {"from": participant.get_status_display(), "to": S(to_status).label}
        )
    if to_status == S.CLOSED and not exit_reason:
        raise ValidationError(_("Zum Abschließen bitte einen Austrittsgrund angeben."))
    if to_status == S.PLACED and not placed_as:
        raise ValidationError(_("Bitte angeben, wohin vermittelt wurde."))
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        from_status = locked.status
        if from_status != participant.status:
            raise ValidationError(_("Der Status wurde inzwischen von jemand anderem geändert."))
        fields = {"status": to_status, "version": locked.version + 1}
        if to_status == S.PAUSED:
            fields["status_before_pause"] = from_status
        if to_status == S.CLOSED:
            fields.update(exit_date=on, exit_reason=exit_reason)
        elif from_status == S.CLOSED:  # reopening keeps the history, clears the exit
            fields.update(exit_date=None, exit_reason="")
        if to_status == S.PLACED:
            fields["placed_as"] = placed_as
        Participant.objects.filter(pk=participant.pk).update(**fields)
        for name, value in fields.items():
            setattr(participant, name, value)
        change = StatusChange.objects.create(
            participant=participant,
            from_status=from_status,
            to_status=to_status,
            changed_on=on,
            changed_by=user,
            reason=reason,
        )
        if to_status == S.CLOSED:
            FollowUp.objects.bulk_create(
                FollowUp(
                    participant=participant,
                    kind=kind,
                    due_on=on + delta,
                    subject=str(kind.label),
                    created_by=user,
                )
                for kind, delta in WHEREABOUTS_FOLLOWUPS
            )
    return change


def record_german_level(
    participant: Participant,
    level: str,
    attested_on: datetime.date,
    evidence: str,
    user,
) -> GermanLevelRecord:
    """Record an attested German level (with its evidence) in the participant's history.

    The newest attested level becomes the participant's current `german_level` (the version
    is bumped, so an edit form loaded before is refused as stale). An older certificate
    entered later goes into the history without changing the current level.
    """
    if level not in Participant.GermanLevel.values:
        raise ValidationError(_("Unbekanntes Sprachniveau."))
    with transaction.atomic():
        locked = Participant.objects.select_for_update().get(pk=participant.pk)
        newer = GermanLevelRecord.objects.filter(
            participant=participant, attested_on__gt=attested_on
        ).exists()
        record = GermanLevelRecord.objects.create(
            participant=participant,
            level=level,
            previous_level=locked.german_level,
            attested_on=attested_on,
            evidence=evidence,
            recorded_by=user,
        )
        if not newer and locked.german_level != level:
            Participant.objects.filter(pk=participant.pk).update(
                german_level=level, version=locked.version + 1
            )
            participant.german_level = level
            participant.version = locked.version + 1
    return record


def tick_followup(followup: FollowUp, user, whereabouts: str = "") -> None:
    """Mark a follow-up as done today by `user` (whereabouts for the whereabouts kinds)."""
    if followup.needs_whereabouts and not whereabouts:
        raise ValidationError(_("Bitte den Verbleib angeben."))
    followup.done_on = timezone.localdate()
    followup.done_by = user
    followup.whereabouts = whereabouts
    followup.save(update_fields=["done_on", "done_by", "whereabouts"])


def reopen_followup(followup: FollowUp) -> None:
    """Undo a tick made by mistake: the follow-up is open again (the audit trail keeps who
    ticked it when)."""
    followup.done_on = None
    followup.done_by = None
    followup.whereabouts = ""
    followup.save(update_fields=["done_on", "done_by", "whereabouts"])


def note_correction_mode(note: CaseNote, user) -> str:
    """How `user` may change a note: "korrektur" (the author, on the day it was written: the
    text itself) or "nachtrag" (the author, later: an addendum). Nobody else changes a note."""
    if user.pk is None or note.author_id != user.pk:
        raise PermissionDenied(_("Nur die Verfasser:in kann eine Gesprächsnotiz korrigieren."))
    written_on = timezone.localdate(note.created_at)
    return "korrektur" if written_on == timezone.localdate() else "nachtrag"


def mark_note_corrected(note: CaseNote) -> None:
    """Stamp the same-day correction (called before the versioned save)."""
    note.corrected_at = timezone.now()


def add_note_addendum(note: CaseNote, user, text: str) -> NoteAddendum:
    """Add one more addendum to `note` (the author, after the day it was written); the note's
    text stays as written. Any number of addenda, each with its author and time."""
    if note_correction_mode(note, user) != "nachtrag":
        raise ValidationError(_("Am Tag der Notiz wird der Text selbst korrigiert."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Der Nachtrag ist leer."))
    return NoteAddendum.objects.create(note=note, author=user, text=text)


def intake_gaps(participant: Participant, *, has_languages: bool = True) -> list[str]:
    """What an incomplete intake still lacks for the next step (the case file's completeness
    hint and the Stammblatt): consent first, then what planning an internship needs."""
    gaps = []
    if not participant.has_consent:
        gaps.append(_("Einwilligung in die Datenverarbeitung"))
    if not participant.date_of_birth:
        gaps.append(_("Geburtsdatum"))
    if not participant.residence_status:
        gaps.append(_("Aufenthaltsstatus"))
    if participant.needs_work_permit and participant.work_permit != Participant.WorkPermit.YES:
        gaps.append(_("Beschäftigungserlaubnis der Ausländerbehörde (vor einem Praktikum)"))
    if not participant.german_level:
        gaps.append(_("Deutschniveau (vor der Praktikumsplanung)"))
    if not (participant.phone or participant.email or participant.street):
        gaps.append(_("Kontakt: Telefon, E-Mail oder Anschrift"))
    if not has_languages:
        gaps.append(_("Sprachen"))
    return gaps


# The case's rules re-checked in SQL (manage.py check_rules, the property-based test).
RULE_CHECKS = (
    RuleCheck(
        "exit_before_entry",
        gettext_lazy("Austritt vor dem Eintritt"),
        "SELECT id, id FROM participants_participant WHERE exit_date < entry_date",
    ),
    RuleCheck(
        "exit_in_future",
        gettext_lazy("Austrittsdatum in der Zukunft"),
        "SELECT id, id FROM participants_participant WHERE exit_date > %(today)s",
    ),
    RuleCheck(
        "closed_without_exit",
        gettext_lazy("Abgeschlossen ohne Austrittsdatum oder -grund"),
        "SELECT id, id FROM participants_participant WHERE status = 'abgeschlossen' "
        "AND (exit_date IS NULL OR exit_reason = '')",
    ),
    RuleCheck(
        "open_with_exit",
        gettext_lazy("Offener Fall mit Austrittsdatum"),
        "SELECT id, id FROM participants_participant WHERE status <> 'abgeschlossen' "
        "AND exit_date IS NOT NULL",
    ),
    RuleCheck(
        "status_change_in_future",
        gettext_lazy("Statuswechsel in der Zukunft"),
        "SELECT participant_id, id FROM participants_statuschange WHERE changed_on > %(today)s",
    ),
)
