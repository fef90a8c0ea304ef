"""Matching at KldB depth: care before hairdressing (issue 17), the tiers, German level,
place, earlier internships, the reasons on each row, the filters."""

import datetime

import pytest

from employers.models import EmployerField
from participants.models import Participant, VocationalExperience
from placements.matching import (
    MatchFilter,
    MatchLevel,
    matching_employers,
    matching_participants,
    participant_reasons,
)
from placements.models import Assessment
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
    assert (
        result[0]
        .reasons[0]
        .startswith("gleiche Berufsgattung: bietet 82101 Berufe in der Altenpflege")
    )
    assert (
        result[1]
        .reasons[0]
        .startswith("gleiche Berufshauptgruppe: bietet 82311 Berufe im Friseurgewerbe")
    )


def test_hairdressing_wish_ranks_the_salon_before_the_care_home(participant):
    participant.interest_occupations.add(HAIR_HELPER)
    employer("Seniorenheim Am Park", CARE_HELPER, capacity=5)
    employer("Salon Schnittpunkt", HAIR_HELPER, capacity=1)
    assert names(matching_employers(participant, START, END)) == [
        "Salon Schnittpunkt",
        "Seniorenheim Am Park",
    ]


def test_tiers_gattung_untergruppe_gruppe_hauptgruppe_bereich(participant):
    VocationalExperience.objects.create(
        participant=participant, kldb_group_id="82", kldb_occupation_id=CARE_HELPER
    )
    employer("E Bereich (81 Pflege)", "81302", capacity=9)
    employer("D Hauptgruppe (Friseur)", HAIR_HELPER, capacity=9)
    employer("C Gruppe (821 ohne Genaueres)", "821", capacity=9)
    employer("B Untergruppe (Fachkraft)", CARE_SKILLED, capacity=9)
    employer("A Gattung", CARE_HELPER, capacity=1)
    result = matching_employers(participant, START, END)
    assert names(result) == [
        "A Gattung",
        "B Untergruppe (Fachkraft)",
        "C Gruppe (821 ohne Genaueres)",
        "D Hauptgruppe (Friseur)",
        "E Bereich (81 Pflege)",
    ]
    assert [e.level for e in result] == [5, 4, 3, 2, 1]
    assert [e.reasons[0].split(":")[0] for e in result] == [
        "gleiche Berufsgattung",
        "gleiche Berufsuntergruppe",
        "gleiche Berufsgruppe",
        "gleiche Berufshauptgruppe",
        "nur gleicher Berufsbereich",
    ]


def test_a_two_digit_row_matches_at_the_main_group_only(participant):
    # Data from before the finer codes: experience "82" only, marked for refinement.
    experience = VocationalExperience.objects.create(participant=participant, kldb_group_id="82")
    assert experience.needs_refinement
    employer("Seniorenheim", CARE_HELPER)
    [result] = matching_employers(participant, START, END)
    assert (result.level, result.wanted_code, result.offered_code) == (2, "82", CARE_HELPER)


def test_within_a_tier_german_level_then_place_then_free_places_then_good_record(care_wish):
    care_wish.german_level = "A2"
    care_wish.postcode = "34117"
    care_wish.city = "Kassel"
    care_wish.save()
    employer("A verlangt B2", CARE_HELPER, german_level_required="B2", capacity=9)
    employer("B anderer Ort", CARE_HELPER, postcode="37073", city="Göttingen", capacity=9)
    employer("C gleicher Ort", CARE_HELPER, postcode="34121", city="Kassel", capacity=1)
    employer("D gleiche PLZ", CARE_HELPER, german_level_required="A2", capacity=1)
    good = employer(
        "E anderer Ort, gute Beurteilung",
        CARE_HELPER,
        postcode="37073",
        city="Göttingen",
        capacity=9,
    )
    earlier = PlacementFactory(employer=good, state="beendet")
    earlier_assessment(earlier, "empfohlen")
    result = matching_employers(care_wish, START, END)
    assert names(result) == [
        "D gleiche PLZ",
        "C gleicher Ort",
        "E anderer Ort, gute Beurteilung",
        "B anderer Ort",
        "A verlangt B2",
    ]
    by_name = {e.name: e for e in result}
    assert by_name["D gleiche PLZ"].reasons[1:3] == [
        "Deutsch: verlangt A2, vorhanden A2",
        "gleiche PLZ (34117)",
    ]
    assert by_name["A verlangt B2"].reasons[1] == "Deutsch: verlangt B2, vorhanden nur A2"
    assert by_name["C gleicher Ort"].reasons[2:4] == [
        "gleicher Ort (Kassel)",
        "1 freier Platz im Zeitraum",
    ]
    assert by_name["E anderer Ort, gute Beurteilung"].reasons[-1] == (
        "1 früheres Praktikum anderer gut beurteilt oder übernommen"
    )
    assert by_name["B anderer Ort"].reasons[1:3] == [
        "Betrieb verlangt kein bestimmtes Deutschniveau",
        "anderer Ort",
    ]


def earlier_assessment(placement, recommendation):
    return Assessment.objects.create(
        placement=placement,
        assessed_on=placement.planned_end,
        recommendation=recommendation,
        recorded_by=placement.created_by,
        **dict.fromkeys(Assessment.RATED_FIELDS, 2),
    )


def test_a_poor_assessment_does_not_count_as_good_record(care_wish):
    e = employer("Heim", CARE_HELPER)
    earlier_assessment(PlacementFactory(employer=e, state="beendet"), "anderes_feld")
    [result] = matching_employers(care_wish, START, END)
    assert result.good_record == 0


def test_filters_field_place_and_free_places(care_wish):
    care_wish.interest_occupations.add(HAIR_HELPER)
    employer("Salon Kassel", HAIR_HELPER, postcode="34117", city="Kassel")
    employer("Heim Göttingen", CARE_HELPER, postcode="37073", city="Göttingen")
    full = employer("Heim Kassel voll", CARE_HELPER, postcode="34121", city="Kassel", capacity=1)
    PlacementFactory(employer=full, planned_start=START, planned_end=END, state="vereinbart")

    def run(**kwargs):
        return names(matching_employers(care_wish, START, END, filters=MatchFilter(**kwargs)))

    assert run() == ["Heim Göttingen", "Salon Kassel"]
    assert run(field="821") == ["Heim Göttingen"]
    assert run(field="82311") == ["Salon Kassel"]
    assert run(place="341") == ["Salon Kassel"]
    assert run(place="götting") == ["Heim Göttingen"]
    # Without the free-place condition the full one comes last (0 free places).
    assert run(free="all") == ["Heim Göttingen", "Salon Kassel", "Heim Kassel voll"]
    assert run(free="all", place="Kassel", field="821") == ["Heim Kassel voll"]
    # "free now": the internship in March does not occupy the place today.
    assert "Heim Kassel voll" in run(free="now")


def test_matching_pages_through_results_in_one_query_each(care_wish, django_assert_num_queries):
    for i in range(7):
        employer(f"Heim {i}", CARE_HELPER)
    with django_assert_num_queries(1):
        first = matching_employers(care_wish, START, END, limit=5)
    with django_assert_num_queries(1):
        second = matching_employers(care_wish, START, END, limit=5, offset=5)
    assert [e.total for e in first + second] == [7] * 7
    assert names(first) + names(second) == [f"Heim {i}" for i in range(7)]


# --- participants for an employer ----------------------------------------------------------------


def seeking(caseworker, first_name, *codes, **kwargs):
    p = ParticipantFactory(
        caseworker=caseworker, first_name=first_name, status=Participant.Status.PROFILING, **kwargs
    )
    for code in codes:
        if len(code) == 2:
            p.interest_groups.add(code)
        else:
            p.interest_occupations.add(code)
    return p


def test_care_home_sees_the_care_wish_before_the_hairdressing_wish(caseworker):
    home = employer("Seniorenheim Am Park", CARE_HELPER, german_level_required="B1")
    # Name order would put Ahmadi and Bauer first; the occupation and German decide.
    hair = seeking(caseworker, "Hana", HAIR_HELPER, last_name="Ahmadi", german_level="B2")
    rough = seeking(caseworker, "Ruth", "82", last_name="Bauer", german_level="A1")
    care = seeking(caseworker, "Carla", CARE_HELPER, last_name="Yilmaz", german_level="A2")
    result = list(matching_participants(home, caseworker, filters=MatchFilter(free="all")))
    assert result == [care, hair, rough]
    assert [p.level for p in result] == [5, 2, 2]
    assert [participant_reasons(p, home) for p in result] == [
        ["gleiche Berufsgattung", "Deutsch: verlangt B1, vorhanden nur A2", "anderer Ort"],
        ["gleiche Berufshauptgruppe", "Deutsch: verlangt B1, vorhanden B2", "anderer Ort"],
        ["gleiche Berufshauptgruppe", "Deutsch: verlangt B1, vorhanden nur A1", "anderer Ort"],
    ]


def test_salon_sees_the_hairdressing_wish_first(caseworker):
    salon = employer("Salon Schnittpunkt", HAIR_HELPER)
    care = seeking(caseworker, "Carla", CARE_HELPER, last_name="Adam")
    hair = seeking(caseworker, "Hana", HAIR_HELPER, last_name="Zeller")
    assert list(matching_participants(salon, caseworker, filters=MatchFilter(free="all"))) == [
        hair,
        care,
    ]


def test_participant_filters_place_field_and_free_in_period(caseworker):
    home = employer("Heim", CARE_HELPER, "82311")
    kassel = seeking(caseworker, "Kim", CARE_HELPER, postcode="34117", city="Kassel")
    busy = seeking(caseworker, "Bea", HAIR_HELPER, postcode="37073", city="Göttingen")
    PlacementFactory(participant=busy, planned_start=START, planned_end=END, state="vereinbart")

    def run(**kwargs):
        return list(
            matching_participants(
                home, caseworker, filters=MatchFilter(**kwargs), start=START, end=END
            )
        )

    assert set(run(free="all")) == {kassel, busy}
    assert run(free="period") == [kassel]
    assert run(free="all", place="Götting") == [busy]
    assert run(free="all", field="82311") == [busy, kassel]  # Kim: only the Hauptgruppe
    assert [p.level for p in run(free="all", field="82311")] == [5, 2]


def test_place_filter_takes_wildcards_literally(care_wish):
    employer("Heim Kassel", CARE_HELPER, postcode="34117", city="Kassel")
    assert names(matching_employers(care_wish, START, END, filters=MatchFilter(place="%"))) == []
    assert names(matching_employers(care_wish, START, END, filters=MatchFilter(place="_4"))) == []
    assert names(matching_employers(care_wish, START, END, filters=MatchFilter(place="kas"))) == [
        "Heim Kassel"
    ]


def test_good_record_decides_a_tie_that_straddles_the_page_end(care_wish):
    # The earlier internships are counted only for the rows that can still reach the page
    # (at or before its last row by the first four keys): a tie across the page end must
    # still be ordered by them, on the first and on the next page alike.
    employer("A bester Ort", CARE_HELPER, postcode=care_wish.postcode or "34117", capacity=5)
    care_wish.postcode = "34117"
    care_wish.save()
    tied = [employer(f"T{i}", CARE_HELPER, postcode="99999", city="Anderswo", capacity=3)
            for i in range(4)]  # fmt: skip
    for count, e in zip((0, 2, 0, 1), tied, strict=True):
        for _ in range(count):
            earlier_assessment(PlacementFactory(employer=e, state="beendet"), "empfohlen")
    employer("Z weniger Plätze", CARE_HELPER, postcode="99999", city="Anderswo", capacity=1)
    first = matching_employers(care_wish, START, END, limit=2, offset=0)
    second = matching_employers(care_wish, START, END, limit=2, offset=2)
    third = matching_employers(care_wish, START, END, limit=2, offset=4)
    assert names(first) == ["A bester Ort", "T1"]
    assert names(second) == ["T3", "T0"]
    assert names(third) == ["T2", "Z weniger Plätze"]
    assert [e.good_record for e in first + second + third] == [0, 2, 1, 0, 0, 0]
    assert {e.total for e in first + second + third} == {6}
