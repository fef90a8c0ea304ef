"""The report's figures on offers: referrals by kind and outcome, German levels gained;
against hand-built data for H1 2025 (expected values worked out in the comments), for the
whole programme and one caseworker, and present in every export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from fallmanagement.reports.figures import Context, compute_tables
from fallmanagement.reports.periods import Period
from offers.models import Offer, Referral
from participants.models import GermanLevelRecord
from tests.factories import ParticipantFactory
from tests.offers.factories import OfferFactory, ReferralFactory

pytestmark = pytest.mark.django_db
D = datetime.date
H1_2025 = Period.half(2025, 1)  # 01.01.2025 – 30.06.2025
S = Referral.State


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def values(tables, key: str) -> dict[str, list]:
    table = next(t for t in tables if t.key == key)
    return {str(row.label): row.values for row in table.rows}


@pytest.fixture
def data(caseworker, other_caseworker):
    P = [ParticipantFactory(caseworker=caseworker) for _ in range(5)]
    P.append(ParticipantFactory(caseworker=other_caseworker))  # P[5]: the other caseworker's
    K = Offer.Kind
    lang = OfferFactory(kind=K.JOB_LANGUAGE_COURSE, target_level="B1")
    integ = OfferFactory(kind=K.INTEGRATION_COURSE, target_level="")
    quali = OfferFactory(kind=K.QUALIFICATION, target_level="")
    training = OfferFactory(kind=K.APPLICATION_TRAINING, target_level="")

    def referral(person, offer, state, proposed, started=None, ended=None, **kw):
        return ReferralFactory(
            participant=person,
            offer=offer,
            state=state,
            proposed_on=proposed,
            started_on=started,
            ended_on=ended,
            **kw,
        )

    # r1: proposed before, started and completed in the period with certificate and B1.
    r1 = referral(P[0], lang, S.COMPLETED, D(2024, 12, 1), D(2025, 1, 10), D(2025, 5, 30),
                  certificate="DTZ B1", level_reached="B1")  # fmt: skip
    # r2: proposed, started and aborted in the period.
    referral(P[1], lang, S.ABORTED, D(2025, 1, 5), D(2025, 2, 1), D(2025, 3, 15))
    # r3: proposed and not taken up in the period.
    referral(P[2], integ, S.NOT_TAKEN_UP, D(2025, 2, 1), None, D(2025, 2, 20))
    # r4: proposed on the last day.
    referral(P[3], quali, S.PROPOSED, D(2025, 6, 30))
    # r5: everything outside the period (completed the day after it): not counted.
    referral(P[4], training, S.COMPLETED, D(2024, 11, 1), D(2024, 12, 1), D(2025, 7, 1))
    # r6: other caseworker, first and last day, completed without certificate.
    referral(P[5], integ, S.COMPLETED, D(2025, 1, 1), D(2025, 1, 15), D(2025, 6, 30))
    # r7: P0's second referral, proposed in the period, registered (open).
    referral(P[0], integ, S.REGISTERED, D(2025, 3, 1), registered_on=D(2025, 3, 5))

    def level(person, new, old, on, **kw):
        return GermanLevelRecord.objects.create(
            participant=person, level=new, previous_level=old, attested_on=on, evidence="x", **kw
        )

    # P0: A2 -> B1 by the course (r1), then B1 -> B2 elsewhere: highest B2, by course.
    r1.level_record = level(P[0], "B1", "A2", D(2025, 5, 30))
    r1.save()
    level(P[0], "B2", "B1", D(2025, 6, 15))
    level(P[1], "A2", "A2", D(2025, 3, 1))  # no gain (same level)
    level(P[2], "B1", "", D(2025, 4, 1))  # level before unknown: no gain counted
    level(P[3], "A1", "keine", D(2024, 12, 31))  # before the period
    level(P[4], "A2", "A1", D(2025, 6, 30))  # gain on the last day, not by a course
    level(P[5], "C1", "B2", D(2025, 2, 1))  # other caseworker's participant
    return P


COLUMNS = 6  # zugewiesen, begonnen, abgeschlossen, davon mit Zertifikat, abgebrochen, n. a.


def test_referrals_by_kind_and_outcome(data):
    table = values(compute_tables(Context(H1_2025)), "referrals")
    assert table["Integrationskurs"] == [3, 1, 1, 0, 0, 1]  # r3, r6, r7
    assert table["Berufssprachkurs"] == [1, 2, 1, 1, 1, 0]  # r1, r2
    assert table["Qualifizierung/Weiterbildung"] == [1, 0, 0, 0, 0, 0]  # r4
    assert table["Bewerbungstraining"] == [0] * COLUMNS  # r5 lies outside
    assert table["Kinderbetreuung"] == [0] * COLUMNS
    assert table["Insgesamt"] == [5, 3, 2, 1, 1, 1]


def test_referrals_of_one_caseworker(data, caseworker):
    table = values(compute_tables(Context(H1_2025, caseworker)), "referrals")
    assert table["Integrationskurs"] == [2, 0, 0, 0, 0, 1]  # without r6
    assert table["Insgesamt"] == [4, 2, 1, 1, 1, 1]


def test_german_levels_gained(data):
    table = values(compute_tables(Context(H1_2025)), "german_levels_gained")
    assert "keine Kenntnisse" not in table
    assert table["A1"] == [0, 0]
    assert table["A2"] == [1, 0]  # P4
    assert table["B1"] == [0, 0]  # P0 counts once, at the highest level (B2)
    assert table["B2"] == [1, 1]  # P0, by the course
    assert table["C1"] == [1, 0]  # P5
    assert table["Insgesamt"] == [3, 1]


def test_german_levels_gained_of_one_caseworker(data, caseworker):
    table = values(compute_tables(Context(H1_2025, caseworker)), "german_levels_gained")
    assert table["C1"] == [0, 0]
    assert table["Insgesamt"] == [2, 1]


def test_empty_period_gives_zeros(db):
    tables = compute_tables(Context(H1_2025))
    assert values(tables, "referrals")["Insgesamt"] == [0] * COLUMNS
    assert values(tables, "german_levels_gained")["Insgesamt"] == [0, 0]


@pytest.mark.parametrize("fmt", ["pdf", "csv", "xlsx"])
def test_offer_figures_are_in_every_export(reporter_client, data, fmt):
    url = reverse("reports:export", args=[fmt]) + "?kind=jahr&year=2025"
    response = reporter_client.get(url)
    assert response.status_code == 200
    if fmt == "pdf":
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    elif fmt == "csv":
        text = response.content.decode("utf-8-sig")
    else:
        workbook = load_workbook(io.BytesIO(response.content))
        text = "\n".join(
            str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)
            for v in row if v is not None
        )  # fmt: skip
    assert "Zuweisungen zu Angeboten nach Art und Ergebnis" in text
    assert "Erreichte Sprachniveaus (Deutsch)" in text


def test_offer_figures_are_on_the_report_page(reporter_client, data):
    response = reporter_client.get(reverse("reports:index") + "?kind=jahr&year=2025")
    body = response.content.decode()
    assert "Angebote und Zuweisungen" in body
    assert "davon mit Zertifikat" in body
