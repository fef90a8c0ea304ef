"""Berichtswesen's journey: choose a year, read the figures, download the funding report PDF."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from fallmanagement.core.roles import Role
from tests.factories import ParticipantFactory, make_user

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_reporter_downloads_the_yearly_funding_report(page, axe, transactional_db):
    sabine = make_user(Role.CASEWORK, username="sabine")
    for i in range(6):
        ParticipantFactory(caseworker=sabine, last_name=f"Haddad{i}")
    petra = make_user(Role.REPORTING, username="petra", first_name="Petra", last_name="Hoffmann")
    login(page, petra)
    page.get_by_role("link", name="Förderbericht erstellen").click()
    page.select_option("#id_kind", "jahr")
    page.fill("#id_year", "2026")
    page.get_by_role("button", name="Bericht anzeigen").click()
    page.wait_for_load_state()
    assert "kind=jahr" in page.url
    # Aggregates only: no participant's name anywhere on the page.
    assert "Haddad" not in page.content()
    assert_no_axe_violations(page, axe)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF herunterladen").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Förderbericht" in text
    assert "Haddad" not in text
    # Tagged PDF with language and title (BITV / PDF/UA).
    assert pdf.trailer["/Root"].get("/Lang")
    assert pdf.metadata.title
