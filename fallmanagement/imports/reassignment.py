"""Bulk reassignment: Administration moves many cases to another caseworker at once, with a
reason (a `Reassignment` row per case, the audit trail's context names it) and an optional
handover period in which the previous caseworker keeps access to the case (as a substitute,
through `Participant.shared_with`), ended by `manage.py end_handovers`."""

import datetime

import pghistory
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from participants.models import Participant

from .models import Reassignment


def reassign(
    participants, new_caseworker, *, reason: str, by, handover_until: datetime.date | None
) -> int:
    """Assign every case in `participants` to `new_caseworker`; returns how many moved."""
    moved = 0
    with (
        transaction.atomic(),
        pghistory.context(reassignment_reason=reason, origin="bulk-reassignment"),
    ):
        cases = (
            Participant.objects.select_for_update()
            .filter(pk__in=[p.pk for p in participants])
            .exclude(caseworker=new_caseworker)
            .order_by("pk")
        )
        rows = []
        for case in cases:
            rows.append(
                Reassignment(
                    participant=case,
                    from_caseworker_id=case.caseworker_id,
                    to_caseworker=new_caseworker,
                    reason=reason,
                    handover_until=handover_until if case.caseworker_id else None,
                    changed_by=by,
                )
            )
        if not rows:
            return 0
        ids = [r.participant_id for r in rows]
        # Bump the version so an edit form opened before gets a conflict, not a silent win.
        moved = Participant.objects.filter(pk__in=ids).update(
            caseworker=new_caseworker, version=F("version") + 1, updated_at=timezone.now()
        )
        Reassignment.objects.bulk_create(rows)
        shares = Participant.shared_with.through
        shares.objects.filter(participant_id__in=ids, user_id=new_caseworker.pk).delete()
        if handover_until:
            shares.objects.bulk_create(
                [
                    shares(participant_id=r.participant_id, user_id=r.from_caseworker_id)
                    for r in rows
                    if r.from_caseworker_id
                ],
                ignore_conflicts=True,
            )
    return moved


def end_handovers(today: datetime.date | None = None) -> int:
    """Remove the previous caseworker's access once the handover period is over."""
    today = today or timezone.localdate()
    ended = 0
    shares = Participant.shared_with.through
    with transaction.atomic(), pghistory.context(origin="handover-ended"):
        for r in Reassignment.objects.filter(
            handover_ended=False, handover_until__isnull=False, handover_until__lt=today
        ).select_for_update():
            # Not if the case came back to them in the meantime.
            shares.objects.filter(
                participant_id=r.participant_id, user_id=r.from_caseworker_id
            ).delete()
            ended += 1
        Reassignment.objects.filter(
            handover_ended=False, handover_until__isnull=False, handover_until__lt=today
        ).update(handover_ended=True)
    return ended
