""" "Meine Woche": what a caseworker has to do this week (start page)."""

import datetime

from django.utils import timezone

from .models import FollowUp, Participant


def my_week(user) -> dict:
    today = timezone.localdate()
    week_end = today + datetime.timedelta(days=7 - today.isoweekday())
    mine = Participant.objects.visible_to(user).exclude(status=Participant.Status.CLOSED)
    followups = (
        FollowUp.objects.filter(participant__in=mine, done_on__isnull=True, due_on__lte=week_end)
        .select_related("participant")
        .order_by("due_on")[:50]
    )
    return {"today": today, "followups": followups, "caseload_count": mine.count()}
