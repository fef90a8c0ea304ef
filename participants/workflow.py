"""Status rules of a case: which transitions are allowed, and how a change is recorded.

Aufnahme → Profiling → Praktikumsvorbereitung → Praktikum → Auswertung → Qualifizierung →
Vermittelt → Nachbetreuung → Abgeschlossen; "Pausiert" from any open state (and back to the
state before the pause); a closed case can be reopened. Every change is a StatusChange row.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import CaseShareChange, FollowUp, Participant, StatusChange

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
