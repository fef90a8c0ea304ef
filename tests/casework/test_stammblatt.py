"""The case at a glance: the summary card and completeness hint on the case file, the
Stammblatt PDF (who may, what it says, access log) and the print styles."""

from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from fallmanagement.core.models import KldbGroup
from fallmanagement.privacy.models import AccessLog
from participants.models import Language, Participant, VocationalExperience
from participants.workflow import intake_gaps
from tests.factories import FollowUpFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)


def stammblatt_url(participant):
    return reverse("participants:stammblatt", args=[participant.pk])


@pytest.fixture
def complete(caseworker):
    p = ParticipantFactory(
        caseworker=caseworker,
        first_name="Rana",
        last_name="Haddad",
        street="Wilhelmshöher Allee 12",
        postcode="34117",
        city="Kassel",
        phone="0561 123456",
        interests="Arbeit mit Metall, Schweißen",
        qualifications="Berufsschule Damaskus",
    )
    Language.objects.create(participant=p, language="Arabisch", level="Muttersprache")
    VocationalExperience.objects.create(
        participant=p, kldb_group=KldbGroup.objects.get(code="24"), years=3, description="Schlosser"
    )
    return p


def test_intake_gaps_name_what_the_next_step_needs():
    p = Participant(
        first_name="A",
        last_name="B",
        residence_status=Participant.ResidenceStatus.DULDUNG,
        work_permit=Participant.WorkPermit.NO,
    )
    assert [str(gap) for gap in intake_gaps(p, has_languages=False)] == [
        "Einwilligung in die Datenverarbeitung",
        "Geburtsdatum",
        "Beschäftigungserlaubnis der Ausländerbehörde (vor einem Praktikum)",
        "Deutschniveau (vor der Praktikumsplanung)",
        "Kontakt: Telefon, E-Mail oder Anschrift",
        "Sprachen",
    ]


def test_complete_intake_has_no_gaps(complete):
    assert intake_gaps(complete, has_languages=True) == []


def test_case_file_shows_master_data_at_a_glance(caseworker_client, complete):
    html = caseworker_client.get(reverse("participants:detail", args=[complete.pk])).content
    html = html.decode()
    assert "Auf einen Blick" in html
    assert "Wilhelmshöher Allee 12, 34117 Kassel" in html
    assert "Arabisch (Muttersprache)" in html
    assert "Schlosser" in html
    assert "Arbeit mit Metall, Schweißen" in html
    assert "Für den nächsten Schritt fehlt noch" not in html
    assert stammblatt_url(complete) in html


def test_case_file_lists_what_the_intake_lacks(caseworker_client, caseworker):
    p = ParticipantFactory(caseworker=caseworker, german_level="", date_of_birth=None)
    html = caseworker_client.get(reverse("participants:detail", args=[p.pk])).content.decode()
    assert "Für den nächsten Schritt fehlt noch:" in html
    assert "Deutschniveau (vor der Praktikumsplanung)" in html
    assert "Geburtsdatum" in html


def test_stammblatt_pdf_says_it_all_and_is_logged(caseworker_client, caseworker, complete):
    response = caseworker_client.get(stammblatt_url(complete))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    for expected in (
        "Stammblatt: Rana Haddad",
        "Wilhelmshöher Allee 12, 34117 Kassel",
        "Arabisch (Muttersprache)",
        "Schlosser",
        "Arbeit mit Metall, Schweißen",
        "14.03.1995",
    ):
        assert expected in text
    assert "Es fehlt noch" not in text
    log = AccessLog.objects.get(participant_id=complete.pk)
    assert (log.action, log.user) == ("pdf", caseworker)


def test_stammblatt_of_incomplete_intake_lists_gaps(caseworker_client, caseworker):
    p = ParticipantFactory(caseworker=caseworker, german_level="")
    text = pdf_text(caseworker_client.get(stammblatt_url(p)))
    assert "Es fehlt noch:" in text
    assert "Deutschniveau" in text


def test_stammblatt_access(
    other_caseworker_client, reporter_client, admin_client_role, no_role_client, complete
):
    assert other_caseworker_client.get(stammblatt_url(complete)).status_code == 404
    assert reporter_client.get(stammblatt_url(complete)).status_code == 403
    assert no_role_client.get(stammblatt_url(complete)).status_code == 403
    assert admin_client_role.get(stammblatt_url(complete)).status_code == 200
    assert AccessLog.objects.filter(participant_id=complete.pk).count() == 1


def test_stammblatt_of_unknown_case_is_404(caseworker_client):
    assert caseworker_client.get("/teilnehmende/999999/stammblatt.pdf").status_code == 404


def test_stammblatt_query_count_does_not_grow(caseworker_client, complete):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert caseworker_client.get(stammblatt_url(complete)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        Language.objects.create(participant=complete, language=f"Sprache {i}")
        FollowUpFactory(participant=complete)
    assert count() == few


def test_print_styles_hide_navigation_buttons_and_forms():
    css = Path(finders.find("css/app.css")).read_text(encoding="utf-8")
    print_block = css[css.index("@media print") :]
    for selector in ("nav", "form", ".btn", "button", "details", ".d-print-none"):
        assert selector in print_block.split("display: none")[0]
