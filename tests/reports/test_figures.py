"""Every figure of the funding report against a hand-built data set (first half of 2025),
with the expected numbers worked out below; plus the boundary cases."""

import datetime

import pytest
from django.utils import translation

from fallmanagement.core.models import KldbGroup
from fallmanagement.reports.figures import Context, compute_tables
from fallmanagement.reports.models import ReportKind
from fallmanagement.reports.periods import Period
from participants.models import FollowUp, Participant, RecognitionProcedure
from participants.workflow import change_status
from placements.models import Placement
from tests.factories import (
    CaseNoteFactory,
    EmployerFactory,
    EmployerFieldFactory,
    NetworkPartnerFactory,
    ParticipantFactory,
    PlacementFactory,
)

D = datetime.date
H1_2025 = Period.half(2025, 1)  # 01.01.2025 – 30.06.2025 (181 days)
S = Participant.Status


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def values(tables, key: str) -> dict[str, list]:
    table = next(t for t in tables if t.key == key)
    return {str(row.label): row.values for row in table.rows}


@pytest.fixture
def dataset(caseworker, other_caseworker):
    """Seven participants around the period H1 2025 (see each comment)."""
    make = ParticipantFactory
    people = {}
    # A: enters and exits within the period (exit into work); 18th birthday on the Stichtag.
    people["A"] = make(
        caseworker=caseworker,
        gender=Participant.Gender.FEMALE,
        date_of_birth=D(2007, 6, 30),
        country_of_origin="SY",
        entry_date=D(2025, 2, 1),
        german_level_at_entry="A1",
        german_level="B1",
        isced_level="0-2",
    )
    change_status(people["A"], S.CLOSED, caseworker, on=D(2025, 5, 15), exit_reason="arbeit")
    # B: entered before, still in; turns 18 one day after the Stichtag (so: under 18).
    people["B"] = make(
        caseworker=caseworker,
        gender=Participant.Gender.MALE,
        date_of_birth=D(2007, 7, 1),
        country_of_origin="SY",
        entry_date=D(2024, 10, 1),
        german_level_at_entry="A1",
        german_level="A2",
        isced_level="3-4",
    )
    # C: left before the period: not counted anywhere.
    people["C"] = make(caseworker=caseworker, entry_date=D(2024, 1, 1), country_of_origin="ER")
    change_status(people["C"], S.CLOSED, caseworker, on=D(2024, 12, 31), exit_reason="umzug")
    # D: enters after the period: not counted.
    people["D"] = make(caseworker=caseworker, entry_date=D(2025, 7, 1), country_of_origin="ER")
    # E: closed in March, reopened in April: active, no exit, one reopened case; 55 on the day.
    people["E"] = make(
        caseworker=caseworker,
        gender=Participant.Gender.DIVERSE,
        date_of_birth=D(1970, 6, 30),
        country_of_origin="AF",
        entry_date=D(2024, 6, 1),
        german_level_at_entry="",
        german_level="A1",
        isced_level="",
    )
    change_status(people["E"], S.CLOSED, caseworker, on=D(2025, 3, 1), exit_reason="abbruch")
    change_status(people["E"], S.PROFILING, caseworker, on=D(2025, 4, 1))
    # F: enters on the first day, exits on the last day (apprenticeship); 29 years old.
    people["F"] = make(
        caseworker=other_caseworker,
        gender=Participant.Gender.MALE,
        date_of_birth=D(1995, 7, 1),
        country_of_origin="IQ",
        entry_date=D(2025, 1, 1),
        german_level_at_entry="A2",
        german_level="B1",
        isced_level="3-4",
    )
    change_status(
        people["F"], S.CLOSED, other_caseworker, on=D(2025, 6, 30), exit_reason="ausbildung"
    )
    # G: long-standing participant; 30 on the Stichtag.
    people["G"] = make(
        caseworker=other_caseworker,
        gender=Participant.Gender.UNSPECIFIED,
        date_of_birth=D(1995, 6, 30),
        country_of_origin="UA",
        entry_date=D(2023, 5, 5),
        german_level_at_entry="keine",
        german_level="A2",
        isced_level="5-8",
    )
    return people


@pytest.fixture
def placements(dataset):
    A, B, F, G = (dataset[k] for k in "ABFG")
    metal = KldbGroup.objects.get(code="24")  # area 2
    health = KldbGroup.objects.get(code="81")  # area 8
    emp1 = EmployerFactory(partner_since=D(2024, 1, 1))
    EmployerFieldFactory(employer=emp1, kldb_group=metal)
    emp2 = EmployerFactory(partner_since=D(2025, 3, 1))  # new partner in the period
    EmployerFieldFactory(employer=emp2, kldb_group=metal)
    EmployerFieldFactory(employer=emp2, kldb_group=health)
    EmployerFactory(state="beendet", partner_since=D(2020, 1, 1))
    EmployerFactory(partner_since=D(2025, 8, 1))  # partner only after the period
    NetworkPartnerFactory()
    NetworkPartnerFactory(is_active=False)
    INTERN, RUN, DONE, ABORT = Placement.Kind.INTERNSHIP, "laeuft", "beendet", "abgebrochen"
    # P1: B's internship spans the end of the period: started in it, still running.
    PlacementFactory(
        participant=B, employer=emp1, kind=INTERN, kldb_group=metal, state=RUN,
        planned_start=D(2025, 6, 20), planned_end=D(2025, 7, 17), actual_start=D(2025, 6, 20),
    )  # fmt: skip
    # P2: A's internship, 18 days, followed by a job at the same employer (P3).
    PlacementFactory(
        participant=A, employer=emp1, kind=INTERN, kldb_group=metal, state=DONE,
        planned_start=D(2025, 3, 3), planned_end=D(2025, 3, 30),
        actual_start=D(2025, 3, 3), actual_end=D(2025, 3, 20),
    )  # fmt: skip
    PlacementFactory(
        participant=A, employer=emp1, kind=Placement.Kind.EMPLOYMENT, state=RUN,
        planned_start=D(2025, 5, 16), planned_end=D(2026, 5, 15), legal_basis="",
    )  # fmt: skip
    # P4: F's internship started before the period and ended in it (28 days), no follow-on.
    PlacementFactory(
        participant=F, employer=emp2, kind=INTERN, state=DONE,
        planned_start=D(2024, 12, 16), planned_end=D(2025, 1, 12),
    )  # fmt: skip
    # P5: G's internship in April, aborted.
    PlacementFactory(
        participant=G, employer=emp2, kind=INTERN, state=ABORT, kldb_group=health,
        planned_start=D(2025, 4, 1), planned_end=D(2025, 4, 28), actual_end=D(2025, 4, 10),
    )  # fmt: skip
    # Planned only: never counted as started.
    PlacementFactory(
        participant=G, employer=emp2, kind=INTERN, state="geplant",
        planned_start=D(2025, 6, 2), planned_end=D(2025, 6, 13),
    )  # fmt: skip
    return dataset


@pytest.fixture
def tables(placements, caseworker):
    A, B, E, G = (placements[k] for k in "ABEG")
    # Whereabouts: A was in work 4 weeks after exit; nothing recorded for F.
    FollowUp.objects.filter(participant=A, kind=FollowUp.Kind.WHEREABOUTS_4W).update(
        whereabouts="arbeit", done_on=D(2025, 6, 12)
    )
    R = RecognitionProcedure.State
    RecognitionProcedure.objects.create(
        participant=A, reference_profession="x", state=R.FULL,
        applied_on=D(2025, 2, 10), decided_on=D(2025, 5, 5),
    )  # fmt: skip
    RecognitionProcedure.objects.create(
        participant=B, reference_profession="x", state=R.PARTIAL,
        applied_on=D(2024, 11, 1), decided_on=D(2025, 1, 20),
    )  # fmt: skip
    RecognitionProcedure.objects.create(
        participant=E, reference_profession="x", state=R.IN_REVIEW, applied_on=D(2025, 3, 1)
    )
    CaseNoteFactory(participant=A, date=D(2025, 2, 5))
    CaseNoteFactory(participant=A, date=D(2025, 3, 10))
    CaseNoteFactory(participant=B, date=D(2025, 7, 5))  # after the period
    CaseNoteFactory(participant=G, date=D(2025, 6, 30))
    return compute_tables(Context(H1_2025, today=D(2026, 11, 25)))


def test_overview_counts_active_stichtag_entries_exits_and_reopened(tables):
    # Active: A, B, E (reopened), F, G. On 30.06.: B, E, F (leaves that day), G.
    assert values(tables, "overview") == {
        "Aktiv im Zeitraum": [5],
        "Aktiv am Stichtag 30.06.2025": [4],
        "Eintritte im Zeitraum": [2],  # A, F
        "Austritte im Zeitraum": [2],  # A, F (E was reopened: no exit)
        "Wieder geöffnete Fälle": [1],  # E
    }


def test_entries_and_exits_per_month(tables):
    months = values(tables, "months")
    assert months["01/2025"] == [1, 0]
    assert months["02/2025"] == [1, 0]
    assert months["05/2025"] == [0, 1]
    assert months["06/2025"] == [0, 1]
    assert months["Insgesamt"] == [2, 2]
    assert len(months) == 7


def test_gender_columns_active_entries_exits(tables):
    assert values(tables, "gender") == {
        "weiblich": [1, 1, 1],
        "männlich": [2, 1, 1],
        "divers": [1, 0, 0],
        "keine Angabe": [1, 0, 0],
        "Insgesamt": [5, 2, 2],
    }


def test_age_bands_at_period_end_with_birthdays_on_the_boundary(tables):
    # B 17 (18 tomorrow), A 18 today, F 29, G 30 today, E 55 today.
    ages = values(tables, "age")
    assert ages["unter 18 Jahre"][0] == 1
    assert ages["18–29 Jahre"][0] == 2
    assert ages["30–44 Jahre"][0] == 1
    assert ages["45–54 Jahre"][0] == 0
    assert ages["55 Jahre und älter"][0] == 1


def test_countries_residence_isced_and_german(tables):
    countries = values(tables, "country")
    assert list(countries) == ["Syrien", "Afghanistan", "Irak", "Ukraine", "Insgesamt"]
    assert countries["Syrien"] == [2, 1, 1]
    isced = values(tables, "isced")
    assert isced["ISCED 3–4 (Sekundarstufe II)"][0] == 2
    assert isced["ohne Angabe"][0] == 1
    german = values(tables, "german")
    assert german["A1"] == [2, 1]  # A and B at entry; E now
    assert german["B1"] == [0, 2]  # A and F now
    assert german["keine Kenntnisse"] == [1, 0]
    assert german["ohne Angabe"] == [1, 0]
    assert german["Insgesamt"] == [5, 5]
    residence = values(tables, "residence")
    assert residence["Aufenthaltserlaubnis – anerkannter Flüchtling"][0] == 5


def test_exit_reasons_and_integration_rate(tables):
    exits = values(tables, "exit_reasons")
    assert exits["Arbeit"] == [1]
    assert exits["Ausbildung"] == [1]
    assert exits["Abbruch/kein Kontakt"] == [0]  # E's exit was undone by reopening
    assert exits["Umzug"] == [0]  # C left before the period
    assert exits["Austritte insgesamt"] == [2]
    assert exits["davon in Arbeit, Ausbildung oder EQ"] == [2]
    assert exits["Integrationsquote"] == [100.0]


def test_whereabouts_after_exit(tables):
    where = values(tables, "whereabouts")
    assert where["in Arbeit"] == [1, 0]
    assert where["nicht erfasst"] == [1, 2]
    assert where["Insgesamt"] == [2, 2]


def test_placements_started_in_period_by_kind_and_field(tables):
    kinds = values(tables, "placement_kinds")
    # P1 (running, spans the boundary), P2 (completed), P5 (aborted); P4 began in 2024.
    assert kinds["Orientierungspraktikum"] == [3, 1, 1, 1]
    assert kinds["Beschäftigung"] == [1, 0, 0, 1]
    assert kinds["Insgesamt"] == [4, 1, 1, 2]
    fields = values(tables, "placement_fields")
    assert fields["2 Rohstoffgewinnung, Produktion und Fertigung"] == [2]
    assert fields["8 Gesundheit, Soziales, Lehre und Erziehung"] == [1]
    assert fields["ohne Angabe"] == [1]
    assert fields["Insgesamt"] == [4]


def test_completed_placements_duration_and_follow_on_at_same_employer(tables):
    results = values(tables, "placement_results")
    # Internships completed in the period: P2 (18 days, job at emp1 afterwards), P4 (28 days).
    assert results["Beendete Einsätze"][0] == 2
    assert results["davon mit Anschluss im selben Betrieb"][0] == 1
    assert results["Anteil mit Anschluss im selben Betrieb"][0] == 50.0
    assert results["Durchschnittliche Dauer (Tage)"][0] == 23.0
    assert results["Beendete Einsätze"][4] == 0  # the job is still running


def test_recognition_procedures(tables):
    assert values(tables, "recognition") == {
        "Entschiedene Verfahren": [2],
        "davon volle Gleichwertigkeit": [1],
        "davon teilweise Gleichwertigkeit": [1],
        "davon keine Gleichwertigkeit (abgelehnt)": [0],
        "Beantragte Verfahren": [2],
    }


def test_employer_network(tables):
    assert values(tables, "network") == {
        "Aktive Partnerbetriebe am Stichtag": [2],
        "Neue Partnerbetriebe im Zeitraum": [1],
        "Betriebe mit begonnenem Einsatz im Zeitraum": [2],
        "Netzwerkpartner": [1],
    }
    fields = values(tables, "partner_fields")
    assert fields["2 Rohstoffgewinnung, Produktion und Fertigung"] == [2]
    assert fields["8 Gesundheit, Soziales, Lehre und Erziehung"] == [1]
    assert values(tables, "network_kinds")["Insgesamt"] == [1]


def test_caseload_and_contacts_per_participant_and_month(tables):
    caseload = values(tables, "caseload")
    assert caseload["Fallmanager:innen mit aktiven Fällen"] == [2]
    assert caseload["Teilnehmende je Fallmanager:in (Durchschnitt)"] == [2.5]  # 3 and 2
    assert caseload["Teilnehmende je Fallmanager:in (Maximum)"] == [3]
    assert caseload["Kontakte im Zeitraum"] == [3]
    # 3 contacts / 5 participants / (181 days / 30.4375) = 0.1009
    assert caseload["Kontakte je Teilnehmende:r und Monat"] == [0.1]


def test_scope_to_one_caseworker(placements, other_caseworker):
    tables = compute_tables(Context(H1_2025, other_caseworker, today=D(2026, 11, 25)))
    overview = values(tables, "overview")
    assert overview["Aktiv im Zeitraum"] == [2]  # F and G
    assert overview["Eintritte im Zeitraum"] == [1]
    assert values(tables, "placement_kinds")["Insgesamt"] == [1, 0, 1, 0]  # G's P5


def test_more_than_five_countries_are_merged(caseworker):
    for code in ["SY", "SY", "SY", "AF", "AF", "IQ", "IR", "ER", "SO", "TR", ""]:
        ParticipantFactory(caseworker=caseworker, country_of_origin=code, entry_date=D(2025, 1, 5))
    countries = values(compute_tables(Context(H1_2025)), "country")
    assert list(countries)[:2] == ["Syrien", "Afghanistan"]
    assert len(countries) == 8  # five countries, Sonstige, ohne Angabe, Insgesamt
    assert countries["Sonstige"][0] == 2
    assert countries["ohne Angabe"][0] == 1
    assert countries["Insgesamt"][0] == 11


def test_periods():
    assert Period.quarter(2025, 3).start == D(2025, 7, 1)
    assert Period.quarter(2025, 3).end == D(2025, 9, 30)
    assert Period.half(2024, 2).end == D(2024, 12, 31)
    assert Period.year(2024).days == 366
    assert len(Period.free(D(2024, 11, 15), D(2025, 2, 1)).month_starts()) == 4


def test_figures_are_computed_with_a_constant_number_of_queries(
    caseworker, django_assert_max_num_queries
):
    ParticipantFactory.create_batch(3, caseworker=caseworker, entry_date=D(2025, 1, 5))
    with django_assert_max_num_queries(30):
        compute_tables(Context(H1_2025))
    ParticipantFactory.create_batch(40, caseworker=caseworker, entry_date=D(2025, 1, 5))
    with django_assert_max_num_queries(30):
        compute_tables(Context(H1_2025))


def test_months_merge_rather_than_hide_a_total_the_overview_shows(caseworker):
    # Three exits in three different months, 2026: the overview shows "3 exits"; months of
    # "< 3" each could be computed back to exactly 1 person, so the table merges into quarters.
    from fallmanagement.reports.suppression import protect_tables, publish

    for month in (2, 5, 8):
        ParticipantFactory(
            caseworker=caseworker,
            entry_date=D(2025, 6, 1),
            status=Participant.Status.CLOSED,
            exit_date=D(2026, month, 10),
            exit_reason=Participant.ExitReason.EMPLOYMENT,
        )
    for i in range(4):
        ParticipantFactory(caseworker=caseworker, entry_date=D(2026, 1 + 3 * i, 5))
    with translation.override("de"):
        ctx = Context(Period.year(2026), today=D(2026, 12, 31), kind=ReportKind.PUBLICATION)
        tables = compute_tables(ctx)
    table = next(t for t in tables if t.key == "months")
    marks = protect_tables(tables)
    published = {
        row["label"]: [c["text"] for c in row["cells"]] for row in publish(table, marks)["rows"]
    }
    assert published["Insgesamt"] == ["4", "3"]
    assert len(published) < 13  # merged, not monthly
    exits = [cells[1] for label, cells in published.items() if label != "Insgesamt"]
    assert exits.count("< 3") != 3 or "x" in exits


def test_the_single_pass_counts_agree_with_one_query_per_rule(caseworker, other_caseworker):
    """`participant_counts` (one GROUPING SETS query) against plain ORM counts per rule."""
    import random

    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    rng = random.Random(7)
    statuses = [c for c, _l in Participant.ExitReason.choices]
    for _i in range(60):
        entry = D(2024, 10, 1) + datetime.timedelta(days=rng.randrange(0, 400))
        # (an exit before the entry is refused by the database: participant_exit_not_before_entry)
        exit_date = entry + datetime.timedelta(days=rng.randrange(0, 300))
        closed = rng.random() < 0.5
        ParticipantFactory(
            caseworker=rng.choice([caseworker, other_caseworker, None]),
            gender=rng.choice([c for c, _l in Participant.Gender.choices]),
            date_of_birth=rng.choice([None, D(1960 + rng.randrange(0, 50), 6, 30)]),
            country_of_origin=rng.choice(["SY", "AF", "UA", "ER", ""]),
            isced_level=rng.choice(["", "0-2", "3-4"]),
            german_level=rng.choice(["", "A1", "B1"]),
            entry_date=entry,
            status=S.CLOSED if closed else S.PROFILING,
            exit_date=exit_date if closed else None,
            exit_reason=rng.choice(statuses) if closed else "",
        )
    # (Bad data with an exit before the entry cannot be written any more: the database refuses
    # it, participant_exit_not_before_entry; `manage.py check_rules` finds older rows.)
    ctx = Context(H1_2025)
    counts = ctx.participant_counts
    active = ctx.active
    for dimension in ("gender", "country_of_origin", "isced_level", "german_level", "caseworker"):
        expected = {
            row[dimension]: (row["a"], row["e"], row["x"])
            for row in active.values(dimension).annotate(
                a=Count("pk"), e=Count("pk", filter=ctx.q_entry), x=Count("pk", filter=ctx.q_exit)
            )
        }
        got = {k: (c.active, c.entries, c.exits) for k, c in counts[dimension].items() if c.active}
        assert got == expected, dimension
    everybody = Participant.objects.aggregate(
        a=Count("pk", filter=ctx.q_active),
        o=Count("pk", filter=ctx.q_on_end),
        e=Count("pk", filter=ctx.q_entry),
        x=Count("pk", filter=ctx.q_exit),
    )
    total = counts["total"][None]
    assert (total.active, total.on_end, total.all_entries, total.all_exits) == (
        everybody["a"],
        everybody["o"],
        everybody["e"],
        everybody["x"],
    )
    assert everybody["a"] > 10 and everybody["x"] > 3  # the data set exercises the rules
    entries_by_month = dict(
        Participant.objects.filter(ctx.q_entry)
        .annotate(m=TruncMonth("entry_date"))
        .values("m")
        .annotate(n=Count("pk"))
        .values_list("m", "n")
    )
    got_months = {m: c.all_entries for m, c in counts["entry_month"].items() if m is not None}
    assert got_months == entries_by_month
    exit_reasons = dict(
        ctx.exits.values("exit_reason").annotate(n=Count("pk")).values_list("exit_reason", "n")
    )
    got_reasons = {k: c.all_exits for k, c in counts["exit_reason"].items() if c.all_exits}
    assert got_reasons == exit_reasons
