"""Bulk reassignment: Administration moves many cases to another caseworker at once, with a
reason (a `Reassignment` row per case, the audit trail's context names it) and an optional
handover period in which the previous caseworker may still READ the case (a
`participants.CaseHandover` until that day; `Participant.objects.visible_to` compares it with
today, so the handover ends by itself, and `writable_by` / `check_write` refuse any change)."""

import datetime

import pghistory
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from participants.models import CaseHandover, Participant

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
        # The new caseworker's own earlier handovers of these cases are over: they own them.
        CaseHandover.objects.filter(
            participant_id__in=ids, previous_caseworker=new_caseworker
        ).delete()
        if handover_until:
            CaseHandover.objects.bulk_create(
                [
                    CaseHandover(
                        participant_id=r.participant_id,
                        previous_caseworker_id=r.from_caseworker_id,
                        until=handover_until,
                    )
                    for r in rows
                    if r.from_caseworker_id
                ]
            )
    return moved
