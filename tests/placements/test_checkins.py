"""The due date of the next check-in, computed in SQL (placements.checkins.with_next_checkin),
for every kind of placement and every number of check-ins done, against the plan worked out in
Python: start + round((end - start) * point) days (ties to even, as PostgreSQL's round)."""

import datetime

import pytest

from placements.checkins import checkin_plan, with_next_checkin
from placements.models import CheckIn, Placement
from tests.factories import ParticipantFactory, PlacementFactory

START = datetime.date(2026, 3, 2)


@pytest.mark.parametrize("kind", list(checkin_plan()))
@pytest.mark.parametrize("length", [13, 27])  # ties: 6.5 -> 6, 13.5 -> 14
def test_next_check_in_follows_the_plan_of_each_kind(caseworker, kind, length):
    end = START + datetime.timedelta(days=length)
    placement = PlacementFactory(
        participant=ParticipantFactory(caseworker=caseworker),
        kind=kind,
        planned_start=START,
        planned_end=end,
        actual_start=START,
        state=Placement.State.RUNNING,
    )
    points = checkin_plan()[kind]
    for done in range(len(points) + 2):
        found = with_next_checkin(Placement.objects.filter(pk=placement.pk)).get()
        expected = (
            START + datetime.timedelta(days=round(length * points[done]))
            if done < len(points)
            else None
        )
        assert (found.checkins_done, found.next_checkin_due, found.checkin_points) == (
            done,
            expected,
            len(points),
        )
        CheckIn.objects.create(
            placement=placement,
            date=START + datetime.timedelta(days=done),
            with_whom="Anleiter",
            rating=CheckIn.Rating.GOOD,
            author=caseworker,
        )


def test_a_kind_without_points_has_no_check_in_due(caseworker, settings):
    settings.PLACEMENT_CHECKIN_PLAN = {Placement.Kind.INTERNSHIP: ()}
    placement = PlacementFactory(
        participant=ParticipantFactory(caseworker=caseworker),
        planned_start=START,
        planned_end=START + datetime.timedelta(days=27),
        actual_start=START,
        state=Placement.State.RUNNING,
    )
    found = with_next_checkin(Placement.objects.filter(pk=placement.pk)).get()
    assert (found.next_checkin_due, found.checkin_points) == (None, 0)
