"""Matching at KldB depth: care before hairdressing (issue 17), the tiers, German level,
place, earlier internships, the reasons on each row, the filters."""

import datetime

import pytest

from employers.models import EmployerField
from participants.models import Participant, VocationalExperience
from placements.matching import MatchFilter, MatchLevel, matching_employers, matching_participants
from tests.factories import EmployerFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2027, 3, 1)
END = datetime.date(2027, 3, 28)
CARE_HELPER = "82101"  # Altenpflege – Helfer-/Anlerntätigkeiten
CARE_SKILLED = "82102"  # Altenpflege – fachlich ausgerichtete Tätigkeiten
HAIR_HELPER = "82311"  # Friseurgewerbe – Helfer-/Anlerntätigkeiten


def employer(name, *codes, internship=True, **kwargs):
    e = EmployerFactory(name=name, **kwargs)
    for code in codes:
        EmployerField.objects.create(
            employer=e,
            kldb_group_id=code[:2],
            kldb_occupation_id=code if len(code) > 2 else None,
            offers_internship=internship,
        )
    return e


def names(rows):
    return [e.name for e in rows]


@pytest.fixture
def care_wish(participant):
    participant.interest_occupations.add(CARE_HELPER)
    return participant


def test_care_wish_ranks_the_care_home_before_the_hair_salon(care_wish):
    # The salon has more free places: with only the two-digit area 82 it used to come first.
    employer("Salon Schnittpunkt", HAIR_HELPER, capacity=5)
    employer("Seniorenheim Am Park", CARE_HELPER, capacity=1)
    result = matching_employers(care_wish, START, END)
    assert names(result) == ["Seniorenheim Am Park", "Salon Schnittpunkt"]
    assert [e.level for e in result] == [MatchLevel.OCCUPATION, MatchLevel.MAIN_GROUP]
    assert result[0].reasons[0].startswith("gleiche Berufsgattung: bietet 82101 Berufe in der Altenpflege")
    assert result[1].reasons[0].startswith("gleiche Berufshauptgruppe: bietet 82311 Berufe im Friseurgewerbe")


def test_hairdressing_wish_ranks_the_salon_before_the_care_home(participant):
    participant.interest_occupations.add(HAIR_HELPER)
    employer("Seniorenheim Am Park", CARE_HELPER, capacity=5)
    employer("Salon Schnittpunkt", HAIR_HELPER, capacity=1)
    assert names(matching_employers(participant, START, END)) == [
        "Salon Schnittpunkt",
        "Seniorenheim Am Park",
    ]
