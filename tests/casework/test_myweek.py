""" "Meine Woche" on the start page: follow-ups, internships, expiring permits, cases without
contact; only the caseworker's own (and shared) cases; a constant number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fallmanagement.casework.myweek import my_week
from participants.models import Participant
from placements.models import Placement
from tests.factories import CaseNoteFactory, FollowUpFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

# A Wednesday: the week runs Monday 23.11. to Sunday 29.11.2026.
TODAY = datetime.date(2026, 11, 25)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def test_week_bounds_are_monday_to_sunday(caseworker):
    week = my_week(caseworker, today=TODAY)
    assert week["week_start"] == datetime.date(2026, 11, 23)
    assert week["week_end"] == datetime.date(2026, 11, 29)


def test_overdue_and_due_followups_of_own_open_cases(caseworker, other_caseworker):
    own = ParticipantFactory(caseworker=caseworker)
    overdue = FollowUpFactory(participant=own, due_on=days(-3), subject="überfällig")
    due = FollowUpFactory(participant=own, due_on=days(4), subject="diese Woche")
    FollowUpFactory(participant=own, due_on=days(5), subject="nächste Woche")
    FollowUpFactory(participant=own, due_on=days(-1), done_on=days(-1), subject="erledigt")
    FollowUpFactory(participant=ParticipantFactory(caseworker=other_caseworker), due_on=TODAY)
    closed = ParticipantFactory(
        caseworker=caseworker,
        status=Participant.Status.CLOSED,
        exit_date=days(-10),
        exit_reason=Participant.ExitReason.EMPLOYMENT,
    )
    FollowUpFactory(participant=closed, due_on=TODAY)
    week = my_week(caseworker, today=TODAY)
    assert week["overdue"] == [overdue]
    assert week["due"] == [due]


def test_shared_cases_count_for_the_substitute(caseworker, other_caseworker):
    shared = ParticipantFactory(caseworker=other_caseworker)
    shared.shared_with.add(caseworker)
    followup = FollowUpFactory(participant=shared, due_on=TODAY)
    assert my_week(caseworker, today=TODAY)["due"] == [followup]


def test_internships_starting_or_ending_this_week(caseworker, other_caseworker):
    def internship(start, end, owner=caseworker, **kwargs):
        return PlacementFactory(
            participant=ParticipantFactory(caseworker=owner),
            planned_start=start,
            planned_end=end,
            **kwargs,
        )

    starting = internship(days(2), days(20))
    ending = internship(days(-20), days(-1))
    started = {
        "state": Placement.State.RUNNING,
        "agreement_signed_on": days(-40),
        "insurance_confirmed_on": days(-40),
    }
    internship(days(-5), days(10), actual_start=days(-5), **started)  # runs through the week
    internship(days(6), days(20))  # starts next Monday
    internship(days(1), days(20), state=Placement.State.ABORTED)
    internship(days(1), days(20), owner=other_caseworker)
    # ran longer than planned, into this week (28 days in all)
    moved = internship(days(-24), days(-10), actual_start=days(-24), actual_end=days(3), **started)
    found = my_week(caseworker, today=TODAY)["internships"]
    assert [p.pk for p in found] == [moved.pk, ending.pk, starting.pk]


def test_permits_expiring_within_30_days(caseworker):
    soon = ParticipantFactory(caseworker=caseworker, residence_valid_until=days(30))
    work = ParticipantFactory(
        caseworker=caseworker,
        work_permit=Participant.WorkPermit.YES,
        work_permit_valid_until=days(10),
    )
    expired = ParticipantFactory(caseworker=caseworker, residence_valid_until=days(-2))
    ParticipantFactory(caseworker=caseworker, residence_valid_until=days(31))
    rows = my_week(caseworker, today=TODAY)["permits"]
    assert [(r["participant"], r["kind"], r["expired"]) for r in rows] == [
        (expired, "residence", True),
        (work, "work_permit", False),
        (soon, "residence", False),
    ]


def test_cases_without_contact_for_30_days(caseworker):
    silent = ParticipantFactory(caseworker=caseworker, entry_date=days(-200))
    CaseNoteFactory(participant=silent, date=days(-31))
    never = ParticipantFactory(caseworker=caseworker, entry_date=days(-60))
    talked = ParticipantFactory(caseworker=caseworker, entry_date=days(-200))
    CaseNoteFactory(participant=talked, date=days(-31))
    CaseNoteFactory(participant=talked, date=days(-29))
    ParticipantFactory(caseworker=caseworker, entry_date=days(-5))  # new, no note yet
    ParticipantFactory(
        caseworker=caseworker, entry_date=days(-200), status=Participant.Status.PAUSED
    )
    found = my_week(caseworker, today=TODAY)["no_contact"]
    assert found == [never, silent]
    assert found[1].last_contact == days(-31)
    assert found[0].last_contact is None


def test_start_page_shows_my_week_with_links(caseworker_client, caseworker):
    today = timezone.localdate()
    p = ParticipantFactory(
        caseworker=caseworker,
        first_name="Husein",
        last_name="Al Qasin",
        residence_valid_until=today + datetime.timedelta(days=3),
    )
    FollowUpFactory(participant=p, due_on=today - datetime.timedelta(days=1), subject="Rückruf")
    response = caseworker_client.get(reverse("home"))
    html = response.content.decode()
    assert "Meine Woche" in html
    assert "Rückruf" in html
    assert "überfällig" in html
    assert "Aufenthaltstitel" in html
    assert "Seit 30 Tagen kein Kontakt" in html
    assert reverse("participants:detail", args=[p.pk]) in html


def test_start_page_without_anything_due_shows_empty_states(caseworker_client):
    html = caseworker_client.get(reverse("home")).content.decode()
    assert "Keine fälligen Wiedervorlagen in dieser Woche." in html
    assert "Kein Praktikum beginnt oder endet in dieser Woche." in html
    assert "Keine Erlaubnis läuft in den nächsten 30 Tagen ab." in html


def _make_busy_cases(caseworker, n: int, offset: int) -> None:
    for i in range(n):
        p = ParticipantFactory(
            caseworker=caseworker,
            entry_date=days(-300),
            residence_valid_until=days(i % 20),
        )
        FollowUpFactory(participant=p, due_on=days(-(i % 5)))
        CaseNoteFactory(participant=p, date=days(-40))
        PlacementFactory(
            participant=p,
            planned_start=days(1 + (i % 3)),
            planned_end=days(20),
        )


def test_my_week_runs_constant_queries(caseworker):
    _make_busy_cases(caseworker, 2, 0)
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)
    with CaptureQueriesContext(connection) as few:
        my_week(caseworker, today=TODAY)
    _make_busy_cases(caseworker, 50, 2)
    caseworker = type(caseworker).objects.get(pk=caseworker.pk)
    with CaptureQueriesContext(connection) as many:
        my_week(caseworker, today=TODAY)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_start_page_runs_constant_queries(caseworker_client, caseworker):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert caseworker_client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    _make_busy_cases(caseworker, 2, 0)
    few = count()
    _make_busy_cases(caseworker, 50, 2)
    assert count() == few
