"""Deadlines of recognition procedures (BQFG) turned into follow-ups (Wiedervorlagen).

- The competent body decides within 3 months of a complete file: a follow-up
  RECOGNITION_DECISION is due 3 months after `file_complete_on`.
- After a partial equivalence a follow-up application is possible within 5 years: a
  follow-up RECOGNITION_FOLLOWUP is due 3 months before that window closes.

`sync_recognition_followups()` is idempotent: re-saving a procedure updates the follow-ups
linked to it (FollowUp.recognition) instead of creating duplicates.
"""

import calendar
import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from .models import FollowUp, RecognitionProcedure

DECISION_MONTHS = 3
FOLLOWUP_WINDOW_MONTHS = 60
FOLLOWUP_WARNING_MONTHS = 3


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus `months` calendar months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def decision_due(file_complete_on: datetime.date) -> datetime.date:
    return add_months(file_complete_on, DECISION_MONTHS)


def followup_window_closes(decided_on: datetime.date) -> datetime.date:
    return add_months(decided_on, FOLLOWUP_WINDOW_MONTHS)


def followup_due(decided_on: datetime.date) -> datetime.date:
    return add_months(decided_on, FOLLOWUP_WINDOW_MONTHS - FOLLOWUP_WARNING_MONTHS)


def _decision_subject(procedure: RecognitionProcedure) -> str:
    return _("Entscheidung fällig (3 Monate nach vollständigen Unterlagen): %(profession)s") % {
        "profession": procedure.reference_profession
    }


def _followup_subject(procedure: RecognitionProcedure) -> str:
    closes = followup_window_closes(procedure.decided_on)
    return _(
        "Folgeantrag nach teilweiser Gleichwertigkeit nur bis %(deadline)s möglich "
        "(5 Jahre nach Bescheid): %(profession)s"
    ) % {"deadline": closes.strftime("%d.%m.%Y"), "profession": procedure.reference_profession}


def new_recognition_followups(procedure: RecognitionProcedure, user=None) -> list[FollowUp]:
    """The automatic follow-ups of a procedure that has none yet, unsaved (for bulk inserts).

    Same rules as `sync_recognition_followups`, used by the demo data (COPY, no per-row save).
    """
    K = FollowUp.Kind
    decided = procedure.state in RecognitionProcedure.DECIDED_STATES
    followups = []
    if procedure.file_complete_on:
        followups.append(
            FollowUp(
                participant_id=procedure.participant_id,
                recognition=procedure,
                kind=K.RECOGNITION_DECISION,
                due_on=decision_due(procedure.file_complete_on),
                subject=_decision_subject(procedure),
                done_on=procedure.decided_on if decided else None,
                created_by=user,
            )
        )
    if procedure.state == RecognitionProcedure.State.PARTIAL and procedure.decided_on:
        followups.append(
            FollowUp(
                participant_id=procedure.participant_id,
                recognition=procedure,
                kind=K.RECOGNITION_FOLLOWUP,
                due_on=followup_due(procedure.decided_on),
                subject=_followup_subject(procedure),
                created_by=user,
            )
        )
    return followups


def _upsert(procedure, kind, existing, *, due_on, subject, user, done_on=None):
    followup = existing.get(kind)
    if followup is None:
        return FollowUp.objects.create(
            participant_id=procedure.participant_id,
            recognition=procedure,
            kind=kind,
            due_on=due_on,
            subject=subject,
            done_on=done_on,
            created_by=user,
        )
    changed = followup.due_on != due_on or followup.subject != subject
    followup.due_on, followup.subject = due_on, subject
    if done_on and not followup.done_on:
        followup.done_on, changed = done_on, True
    if changed:
        followup.save(update_fields=["due_on", "subject", "done_on"])
    return followup


def _drop_open(kind, existing) -> None:
    followup = existing.get(kind)
    if followup is not None and followup.done_on is None:
        followup.delete()


@transaction.atomic
def sync_recognition_followups(procedure: RecognitionProcedure, user=None) -> list[FollowUp]:
    """Create, update or remove the automatic follow-ups of `procedure`; return the current."""
    K = FollowUp.Kind
    existing = {
        f.kind: f
        for f in FollowUp.objects.filter(
            recognition=procedure, kind__in=(K.RECOGNITION_DECISION, K.RECOGNITION_FOLLOWUP)
        ).order_by("created_at")
    }
    result = []
    decided = procedure.state in RecognitionProcedure.DECIDED_STATES
    if procedure.file_complete_on:
        result.append(
            _upsert(
                procedure,
                K.RECOGNITION_DECISION,
                existing,
                due_on=decision_due(procedure.file_complete_on),
                subject=_decision_subject(procedure),
                user=user,
                # Once the body has decided, the deadline follow-up has served its purpose.
                done_on=(procedure.decided_on if decided and procedure.decided_on else None),
            )
        )
    else:
        _drop_open(K.RECOGNITION_DECISION, existing)

    if procedure.state == RecognitionProcedure.State.PARTIAL and procedure.decided_on:
        result.append(
            _upsert(
                procedure,
                K.RECOGNITION_FOLLOWUP,
                existing,
                due_on=followup_due(procedure.decided_on),
                subject=_followup_subject(procedure),
                user=user,
            )
        )
    else:
        _drop_open(K.RECOGNITION_FOLLOWUP, existing)
    return result
