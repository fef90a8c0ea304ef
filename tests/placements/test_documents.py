"""Placement documents: the agreement before the start and the certificate after the end
(German and English), checked by extracting their text; every download is logged."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from fallmanagement.privacy.models import AccessLog
from placements import documents
from placements.models import Assessment, Placement
from tests.factories import ContactPersonFactory, EmployerFactory, PlacementFactory

pytestmark = pytest.mark.django_db

D = datetime.date


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def planned(participant):
    employer = EmployerFactory(name="Metallbau Schäfer GmbH", street="Industriestraße 4")
    return PlacementFactory(
        participant=participant,
        employer=employer,
        supervisor=ContactPersonFactory(employer=employer, name="Jörg Hofmann"),
        planned_start=D(2026, 12, 1),
        planned_end=D(2026, 12, 28),
        hours_per_week=30,
        daily_hours="Mo–Fr 7:30–13:30 Uhr",
        pay="unvergütet",
        leave="kein Urlaubsanspruch",
        goals="Fachsprache im Metallbau lernen",
    )


@pytest.fixture
def certified(participant):
    participant.gender = participant.Gender.FEMALE
    participant.first_name, participant.last_name = "Rana", "Haddad"
    participant.save()
    placement = PlacementFactory(
        participant=participant,
        employer=EmployerFactory(name="Metallbau Schäfer GmbH"),
        job_title="Helferin Metallbau",
        state=Placement.State.COMPLETED,
        agreement_signed_on=D(2026, 2, 20),
        insurance_confirmed_on=D(2026, 2, 21),
        actual_start=D(2026, 3, 2),
        actual_end=D(2026, 3, 27),
        hours_per_week=38.5,
        tasks="Zuschnitt von Blechen, Schweißen unter Anleitung",
    )
    Assessment.objects.create(
        placement=placement,
        assessed_on=D(2026, 3, 27),
        punctuality=1,
        reliability=2,
        pace=3,
        care=2,
        teamwork=1,
        german_at_work=4,
        aptitude=2,
        recommendation=Assessment.Recommendation.RECOMMEND,
        recorded_by=participant.caseworker,
    )
    return placement


def test_agreement_pdf_names_parties_and_conditions(caseworker_client, planned, settings):
    response = caseworker_client.get(reverse("placements:agreement_pdf", args=[planned.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in [
        "Praktikumsvereinbarung",
        "§ 2 Abs. 1a NachwG",
        "Husein Al Qasin",
        "geboren am 14.03.1995",
        "Metallbau Schäfer GmbH",
        "Jörg Hofmann",
        settings.PROGRAMME["organisation"],
        "01.12.2026",
        "28.12.2026 (28 Kalendertage)",
        "Mo–Fr 7:30–13:30 Uhr",
        "30 Stunden",
        "unvergütet",
        "kein Urlaubsanspruch",
        "Fachsprache im Metallbau lernen",
        "§ 22 Abs. 1 S. 2 Nr. 2 MiLoG",
        "unfallversichert",
    ]:
        assert expected in text, expected


def test_agreement_pdf_is_tagged_german_with_title(planned):
    reader = PdfReader(io.BytesIO(documents.agreement_pdf(planned)))
    assert reader.trailer["/Root"]["/Lang"] == "de"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata.title == "Praktikumsvereinbarung – Husein Al Qasin"


def test_certificate_in_german_summarises_ratings_in_words(caseworker_client, certified, settings):
    response = caseworker_client.get(reverse("placements:certificate_pdf", args=[certified.pk]))
    text = pdf_text(response.content)
    for expected in [
        settings.PROGRAMME["organisation"],
        "Praktikumsbescheinigung",
        "Rana Haddad, geboren am 14.03.1995",
        "vom 02.03.2026 bis zum 27.03.2026",
        "Metallbau Schäfer GmbH",
        "Helferin Metallbau",
        "38,5 Stunden",
        "Zuschnitt von Blechen",
        "Frau Haddad erschien stets pünktlich zur Arbeit.",
        "Sie war stets zuverlässig.",
        "Sie arbeitete in einem angemessenen Tempo.",
        "Sie konnte sich am Arbeitsplatz mit Unterstützung auf Deutsch verständigen.",
        "Aus Sicht des Betriebs ist Frau Haddad für diesen Beruf geeignet.",
        "Unterschrift und Stempel des Betriebs",
    ]:
        assert expected in text, expected
    assert "befriedigend" not in text and "sehr gut" not in text  # words, not grades


def test_certificate_in_english(caseworker_client, certified):
    url = reverse("placements:certificate_pdf", args=[certified.pk]) + "?lang=en"
    content = caseworker_client.get(url).content
    text = pdf_text(content)
    for expected in [
        "Internship Certificate",
        "Rana Haddad, born on 14 March 1995",
        "from 2 March 2026 to 27 March 2026",
        "Ms Haddad was always punctual.",
        "She was always reliable.",
        "She was able to communicate in German at work with some support.",
        "Signature and stamp of the host company",
    ]:
        assert expected in text, expected
    assert "Praktikumsbescheinigung" not in text
    assert PdfReader(io.BytesIO(content)).trailer["/Root"]["/Lang"] == "en"


@pytest.mark.parametrize(
    ("hours", "lang", "expected"),
    [("30.0", "de", "30"), ("38.5", "de", "38,5"), ("38.5", "en", "38.5")],
)
def test_weekly_hours_are_written_without_needless_decimals(hours, lang, expected):
    import decimal

    assert documents._hours(decimal.Decimal(hours), lang) == expected


def test_certificate_uses_the_full_name_without_gender(certified):
    participant = certified.participant
    participant.gender = participant.Gender.UNSPECIFIED
    sentences = documents.assessment_sentences(certified.assessment, participant, "de")
    assert sentences[0] == "Rana Haddad erschien stets pünktlich zur Arbeit."
    assert sentences[1] == "Rana Haddad war stets zuverlässig."


def test_certificate_only_after_the_end(caseworker_client, planned):
    response = caseworker_client.get(
        reverse("placements:certificate_pdf", args=[planned.pk]), follow=True
    )
    assert response["Content-Type"].startswith("text/html")
    assert "erst, wenn das Praktikum beendet ist" in response.content.decode()


def test_each_pdf_download_is_logged(caseworker_client, certified, caseworker):
    caseworker_client.get(reverse("placements:agreement_pdf", args=[certified.pk]))
    caseworker_client.get(reverse("placements:certificate_pdf", args=[certified.pk]))
    logs = AccessLog.objects.filter(action=AccessLog.Action.PDF)
    assert logs.count() == 2
    assert {log.participant_id for log in logs} == {certified.participant_id}
    assert {log.user for log in logs} == {caseworker}
