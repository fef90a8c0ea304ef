"""Matching participants and employers: the ranking order, exclusions, access, query counts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from employers.models import Employer, EmployerField
from participants.models import Participant, VocationalExperience
from placements.matching import MatchLevel, matching_employers, matching_participants
from tests.factories import EmployerFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 3, 1)
END = datetime.date(2027, 3, 28)


def employer(name, codes, internship=True, **kwargs):
    e = EmployerFactory(name=name, **kwargs)
    for code in codes:
        EmployerField.objects.create(employer=e, kldb_group_id=code, offers_internship=internship)
    return e


def internship(e, start=START, end=END, state="vereinbart", **kwargs):
    return PlacementFactory(employer=e, planned_start=start, planned_end=end, state=state, **kwargs)


@pytest.fixture
def metalworker(participant):
    """Experience in 24 (Metallbau, Berufsbereich 2), interest in 63 (Gastronomie)."""
    VocationalExperience.objects.create(participant=participant, kldb_group_id="24", years=5)
    participant.interest_groups.add("63")
    return participant


def names(queryset):
    return [e.name for e in queryset]


def test_group_match_comes_before_area_match_even_with_more_capacity(metalworker):
    employer("Area Kfz", ["25"], capacity=5)
    employer("Group Metall", ["24"], capacity=1)
    employer("Group Hotel (Interesse)", ["63"], capacity=1)
    result = matching_employers(metalworker, START, END)
    assert names(result) == ["Group Hotel (Interesse)", "Group Metall", "Area Kfz"]
    assert [e.level for e in result] == [
        MatchLevel.MAIN_GROUP,
        MatchLevel.MAIN_GROUP,
        MatchLevel.AREA,
    ]


def test_within_a_tier_more_free_places_then_more_hires_come_first(metalworker):
    employer("A wenig Platz", ["24"], capacity=1)
    employer("B viel Platz", ["24"], capacity=3)
    hires = employer("C Übernahmen", ["24"], capacity=1)
    PlacementFactory(employer=hires, state="beendet", outcome="ausbildung")
    PlacementFactory(
        employer=hires,
        state="beendet",
        offer_from_employer=True,
        planned_start=datetime.date(2026, 5, 4),
        planned_end=datetime.date(2026, 5, 31),
    )
    result = list(matching_employers(metalworker, START, END))
    assert names(result) == ["B viel Platz", "C Übernahmen", "A wenig Platz"]
    assert [e.good_record for e in result] == [0, 2, 0]


def test_employers_without_free_capacity_in_the_period_are_excluded(metalworker):
    full = employer("Voll", ["24"], capacity=1)
    internship(full)
    busy_elsewhere = employer("Voll, aber später", ["24"], capacity=1)
    internship(busy_elsewhere, start=END + datetime.timedelta(days=1), end=END.replace(day=30))
    half = employer("Halb voll", ["24"], capacity=2)
    internship(half, state="laeuft")
    aborted = employer("Abgebrochen zählt nicht", ["24"], capacity=1)
    internship(aborted, state="abgebrochen")
    planned = employer("Geplant belegt", ["24"], capacity=1)
    internship(planned, state="geplant")
    result = {e.name: e.free_places for e in matching_employers(metalworker, START, END)}
    assert result == {"Voll, aber später": 1, "Halb voll": 1, "Abgebrochen zählt nicht": 1}


def test_inactive_paused_and_non_internship_employers_are_excluded(metalworker):
    employer("Aktiv", ["24"])
    employer("Pausiert", ["24"], state=Employer.PartnershipState.PAUSED)
    employer("Interessiert", ["24"], state=Employer.PartnershipState.INTERESTED)
    employer("Deaktiviert", ["24"], is_active=False)
    employer("Nur Ausbildung", ["24"], internship=False)
    employer("Anderer Bereich", ["81"])
    assert names(matching_employers(metalworker, START, END)) == ["Aktiv"]


def test_own_earlier_placements_do_not_count_as_history(metalworker):
    e = employer("Metall", ["24"], capacity=2)
    PlacementFactory(employer=e, participant=metalworker, state="beendet", outcome="ausbildung")
    [result] = matching_employers(metalworker, START, END)
    assert result.good_record == 0


def test_participant_without_fields_matches_nothing(participant):
    employer("Metall", ["24"])
    assert list(matching_employers(participant, START, END)) == []


def test_matching_runs_in_one_query(metalworker):
    for i in range(5):
        employer(f"Betrieb {i}", ["24", "25"])
    with CaptureQueriesContext(connection) as queries:
        list(matching_employers(metalworker, START, END))
    assert len(queries) == 1


# --- the page --------------------------------------------------------------------------------


def test_caseworker_sees_matching_page_for_own_participant(caseworker_client, metalworker):
    e = employer("Metallbau Hofmann", ["24"])
    response = caseworker_client.get(reverse("employers:matching", args=[metalworker.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Zuerst stehen Betriebe, deren Praktikumsberuf am genauesten" in content
    assert "Metallbau Hofmann" in content
    plan = (
        f"{reverse('placements:create')}?participant={metalworker.pk}&amp;employer={e.pk}"
        "&amp;kldb=24"
    )
    assert plan in content


def test_matching_page_default_period_is_four_weeks_from_next_monday(
    caseworker_client, metalworker
):
    response = caseworker_client.get(reverse("employers:matching", args=[metalworker.pk]))
    today = timezone.localdate()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    assert response.context["start"] == monday and monday.weekday() == 0 and monday > today
    assert response.context["end"] == monday + datetime.timedelta(days=27)


def test_matching_page_uses_the_chosen_period(caseworker_client, metalworker):
    full = employer("Voll im März", ["24"], capacity=1)
    internship(full)
    url = reverse("employers:matching", args=[metalworker.pk])
    march = caseworker_client.get(url, {"start": START.isoformat(), "end": END.isoformat()})
    assert "Voll im März" not in march.content.decode()
    may = caseworker_client.get(url, {"start": "2027-05-03", "end": "2027-05-30"})
    assert "Voll im März" in may.content.decode()


def test_matching_page_with_end_before_start_shows_error(caseworker_client, metalworker):
    url = reverse("employers:matching", args=[metalworker.pk])
    response = caseworker_client.get(url, {"start": "2027-05-03", "end": "2027-04-01"})
    assert response.status_code == 200
    assert "nicht vor dem Beginn" in response.content.decode()


def test_other_caseworker_gets_404_for_matching(other_caseworker_client, metalworker):
    url = reverse("employers:matching", args=[metalworker.pk])
    assert other_caseworker_client.get(url).status_code == 404


def test_shared_case_is_visible_for_matching(
    other_caseworker_client, other_caseworker, metalworker
):
    metalworker.shared_with.add(other_caseworker)
    url = reverse("employers:matching", args=[metalworker.pk])
    assert other_caseworker_client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("client_name", "expected"),
    [("admin_client_role", 200), ("reporter_client", 403), ("no_role_client", 403)],
)
def test_matching_page_roles(request, metalworker, client_name, expected):
    client = request.getfixturevalue(client_name)
    url = reverse("employers:matching", args=[metalworker.pk])
    assert client.get(url).status_code == expected


def test_anonymous_matching_goes_to_login(client, metalworker):
    response = client.get(reverse("employers:matching", args=[metalworker.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_matching_page_query_count_does_not_grow(caseworker_client, metalworker):
    url = reverse("employers:matching", args=[metalworker.pk])
    for i in range(2):
        employer(f"Erster {i}", ["24", "25"])
    with CaptureQueriesContext(connection) as few:
        caseworker_client.get(url)
    for i in range(20):
        e = employer(f"Weitere {i}", ["24", "25"])
        PlacementFactory(employer=e, state="beendet", outcome="ausbildung")
    with CaptureQueriesContext(connection) as many:
        response = caseworker_client.get(url)
    assert len(response.context["employers"]) == 22
    assert len(many) == len(few)


# --- reverse: participants for an employer -------------------------------------------------------


def test_employer_page_lists_own_seeking_participants_group_first(
    caseworker, caseworker_client, metalworker
):
    metalworker.status = Participant.Status.PROFILING
    metalworker.save()
    area_only = ParticipantFactory(
        caseworker=caseworker, first_name="Amal", status=Participant.Status.INTERNSHIP_PREP
    )
    VocationalExperience.objects.create(participant=area_only, kldb_group_id="25")
    closed = ParticipantFactory(
        caseworker=caseworker,
        first_name="Fertig",
        status=Participant.Status.PLACED,
    )
    VocationalExperience.objects.create(participant=closed, kldb_group_id="24")
    foreign = ParticipantFactory(first_name="Fremd", status=Participant.Status.PROFILING)
    VocationalExperience.objects.create(participant=foreign, kldb_group_id="24")
    e = employer("Metall", ["24"])

    result = list(matching_participants(e, caseworker))
    assert result == [metalworker, area_only]
    assert [p.level for p in result] == [MatchLevel.MAIN_GROUP, MatchLevel.AREA]

    content = caseworker_client.get(reverse("employers:detail", args=[e.pk])).content.decode()
    assert metalworker.display_name in content and area_only.display_name in content
    assert "Fremd" not in content and "Fertig" not in content
