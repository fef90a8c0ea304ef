"""The caseworker's day in the browser (issue 15), each step checked with axe (WCAG 2.1 AA):
Meine Woche with a due check-in and a follow-up ticked off in place (htmx), a document
uploaded, downloaded and deleted, a note corrected on the same day and given addenda later,
and the Stammblatt PDF from the case file."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfWriter

from fallmanagement.core.roles import Role
from participants.models import CaseNote, FollowUp
from placements.models import Document, Placement
from tests.factories import (
    CaseNoteFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
    make_user,
)

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def sabine(transactional_db):
    return make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")


@pytest.fixture
def case(sabine):
    return ParticipantFactory(caseworker=sabine, first_name="Husein", last_name="Al Qasin")


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_my_week_shows_the_due_check_in_and_ticks_a_follow_up_in_place(page, axe, sabine, case):
    today = timezone.localdate()
    placement = PlacementFactory(
        participant=case,
        # Four weeks from 8 days ago: the first-week check-in (start + 6) is overdue.
        planned_start=today - datetime.timedelta(days=8),
        planned_end=today + datetime.timedelta(days=19),
        actual_start=today - datetime.timedelta(days=8),
        state=Placement.State.RUNNING,
    )
    followup = FollowUpFactory(
        participant=case, created_by=sabine, due_on=today, subject="Bescheid nachfragen"
    )
    login(page, sabine)
    page.goto("/")
    expect(page.get_by_role("link", name="Begleitung erfassen").first).to_be_visible()
    assert_no_axe_violations(page, axe)

    # Tick the follow-up off on the start page: htmx swaps the row, no page load.
    row = page.locator(f"#wv-{followup.pk}")
    row.get_by_role("button", name="Erledigt").click()
    expect(row.get_by_role("button", name="Rückgängig")).to_be_visible()
    expect(row.get_by_text("erledigt", exact=True)).to_be_visible()
    # The pointer still rests on the new button: axe would measure the colours halfway
    # through Bootstrap's hover transition (0.15 s), which no reader sees.
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    followup.refresh_from_db()
    assert followup.done_on == today
    assert_no_axe_violations(page, axe)

    # Undo it, then go to the check-in form from the list.
    row.get_by_role("button", name="Rückgängig").click()
    expect(row.get_by_role("button", name="Erledigt")).to_be_visible()
    assert FollowUp.objects.get(pk=followup.pk).done_on is None
    page.get_by_role("link", name="Begleitung erfassen").first.click()
    page.wait_for_url(re.compile(rf"/einsaetze/{placement.pk}/"))
    assert_no_axe_violations(page, axe)


def test_document_upload_download_delete(page, axe, sabine, case):
    content = pdf_bytes()
    login(page, sabine)
    page.goto(f"/teilnehmende/{case.pk}/")
    page.get_by_role("link", name="Dokument hochladen").click()
    page.wait_for_url(re.compile("/dokumente/"))
    assert_no_axe_violations(page, axe)
    page.locator("#id_kind").select_option(index=1)
    page.set_input_files(
        "#id_file",
        files=[{"name": "Bescheid.pdf", "mimeType": "application/pdf", "buffer": content}],
    )
    page.get_by_role("button", name="Hochladen").click()
    page.wait_for_url(re.compile(rf"/teilnehmende/{case.pk}/"))
    document = Document.objects.get()
    link = page.locator(f"a[href$='/dokumente/{document.pk}/']").first
    expect(link).to_be_visible()
    assert_no_axe_violations(page, axe)

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Bescheid.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == content

    page.locator(f"a[href$='/dokumente/{document.pk}/loeschen/']").first.click()
    expect(page.get_by_role("button", name="Endgültig löschen")).to_be_visible()
    assert_no_axe_violations(page, axe)
    page.get_by_role("button", name="Endgültig löschen").click()
    page.wait_for_url(re.compile(rf"/teilnehmende/{case.pk}/"))
    assert not Document.objects.exists()
    assert_no_axe_violations(page, axe)


def test_note_corrected_the_same_day_and_given_addenda_later(page, axe, sabine, case):
    today_note = CaseNoteFactory(participant=case, author=sabine, text="Termn bestätigt")
    old_note = CaseNoteFactory(
        participant=case,
        author=sabine,
        text="Betrieb angerufen",
        date=timezone.localdate() - datetime.timedelta(days=3),
    )
    CaseNote.objects.filter(pk=old_note.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    login(page, sabine)
    page.goto(f"/teilnehmende/{case.pk}/")
    page.locator(f"a[href$='/notizen/{today_note.pk}/korrigieren/']").click()
    page.wait_for_url(re.compile("/korrigieren/"))
    assert_no_axe_violations(page, axe)
    page.fill("#id_note-edit-text", "Termin bestätigt")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(rf"/teilnehmende/{case.pk}/"))
    expect(page.get_by_text("korrigiert am").first).to_be_visible()

    for text in ("Betrieb hat zurückgerufen", "Vertrag liegt vor"):
        page.locator(f"a[href$='/notizen/{old_note.pk}/korrigieren/']").click()
        page.wait_for_url(re.compile("/korrigieren/"))
        expect(page.get_by_role("heading", name="Nachtrag zur Notiz")).to_be_visible()
        assert_no_axe_violations(page, axe)
        page.fill("#id_note-edit-addendum", text)
        page.get_by_role("button", name="Speichern").click()
        page.wait_for_url(re.compile(rf"/teilnehmende/{case.pk}/"))
    expect(page.locator(".note-addendum")).to_have_count(2)
    assert old_note.addenda.count() == 2
    assert CaseNote.objects.get(pk=old_note.pk).text == "Betrieb angerufen"
    assert_no_axe_violations(page, axe)


def test_stammblatt_from_the_case_file(page, axe, sabine, case):
    login(page, sabine)
    page.goto(f"/teilnehmende/{case.pk}/")
    link = page.get_by_role("link", name="Stammblatt (PDF)")
    expect(link).to_be_visible()
    assert_no_axe_violations(page, axe)
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
