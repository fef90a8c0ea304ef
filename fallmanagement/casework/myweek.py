""" "Meine Woche": what a caseworker has to do this week (start page).

Every list is one query over the user's visible open cases, so the start page runs a
constant number of queries however large the caseload.
"""

import datetime

from django.db.models import DateField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from offers.models import Referral
from participants.models import CaseNote, FollowUp, Participant
from placements.models import Placement

LIST_LIMIT = 20
PERMIT_WARNING_DAYS = 30
NO_CONTACT_DAYS = 30


def my_week(user, today: datetime.date | None = None) -> dict:
    """The caseworker's week: follow-ups, internships, offers starting or waiting for
    feedback, expiring permits, silent cases."""
    today = today or timezone.localdate()
    week_start = today - datetime.timedelta(days=today.isoweekday() - 1)
    week_end = week_start + datetime.timedelta(days=6)
    mine = Participant.objects.visible_to(user).exclude(status=Participant.Status.CLOSED)

    followups = list(
        FollowUp.objects.filter(participant__in=mine, done_on__isnull=True, due_on__lte=week_end)
        .select_related("participant")
        .order_by("due_on", "pk")[: LIST_LIMIT * 2]
    )

    internships = Placement.objects.filter(
        participant__in=Participant.objects.visible_to(user),
        kind=Placement.Kind.INTERNSHIP,
    ).exclude(state=Placement.State.ABORTED)
    internships = internships.annotate(
        starts_on=Coalesce("actual_start", "planned_start", output_field=DateField()),
        ends_on=Coalesce("actual_end", "planned_end", output_field=DateField()),
    )
    week = (week_start, week_end)
    internships = list(
        internships.filter(Q(starts_on__range=week) | Q(ends_on__range=week))
        .select_related("participant", "employer")
        .order_by("starts_on", "pk")[:LIST_LIMIT]
    )

    offers_starting, offers_no_feedback = _referrals_of_week(mine, today, week)

    horizon = today + datetime.timedelta(days=PERMIT_WARNING_DAYS)
    permits = list(
        mine.filter(
            Q(residence_valid_until__lte=horizon) | Q(work_permit_valid_until__lte=horizon)
        ).order_by("pk")[: LIST_LIMIT * 5]
    )
    permit_rows = []
    for p in permits:
        for label, until in (
            ("residence", p.residence_valid_until),
            ("work_permit", p.work_permit_valid_until),
        ):
            if until is not None and until <= horizon:
                permit_rows.append(
                    {"participant": p, "kind": label, "until": until, "expired": until < today}
                )
    permit_rows.sort(key=lambda row: (row["until"], row["participant"].pk))

    since = today - datetime.timedelta(days=NO_CONTACT_DAYS)
    last_contact = (
        CaseNote.objects.filter(participant=OuterRef("pk")).order_by("-date").values("date")[:1]
    )
    recent = CaseNote.objects.filter(participant=OuterRef("pk"), date__gt=since)
    silent = list(
        mine.exclude(status=Participant.Status.PAUSED)
        .filter(
            ~Exists(recent),
            Q(entry_date__lte=since) | Q(entry_date__isnull=True, created_at__date__lte=since),
        )
        .annotate(last_contact=Subquery(last_contact))
        # Never any contact first, then the longest silence.
        .order_by(F("last_contact").asc(nulls_first=True), "pk")[:LIST_LIMIT]
    )

    return {
        "today": today,
        "week_start": week_start,
        "week_end": week_end,
        "overdue": [f for f in followups if f.due_on < today][:LIST_LIMIT],
        "due": [f for f in followups if f.due_on >= today][:LIST_LIMIT],
        "followups": followups[:LIST_LIMIT],
        "internships": internships,
        "offers_starting": offers_starting,
        "offers_no_feedback": offers_no_feedback,
        "permits": permit_rows[:LIST_LIMIT],
        "no_contact": silent,
        "caseload_count": mine.count(),
    }


def _referrals_of_week(mine, today: datetime.date, week: tuple) -> tuple[list, list]:
    """Referrals whose offer starts this week (registered or just begun), and begun ones
    whose offer has ended without an outcome recorded (feedback missing)."""
    referrals = Referral.objects.filter(participant__in=mine).select_related(
        "participant", "offer__partner"
    )
    starting = list(
        referrals.filter(state__in=Referral.TAKING_STATES)
        .annotate(starts=Coalesce("started_on", "offer__starts_on"))
        .filter(starts__range=week)
        .order_by("starts", "pk")[:LIST_LIMIT]
    )
    no_feedback = list(
        referrals.filter(state=Referral.State.STARTED, offer__ends_on__lt=today).order_by(
            "offer__ends_on", "pk"
        )[:LIST_LIMIT]
    )
    return starting, no_feedback
