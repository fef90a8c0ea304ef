"""The caseworker's journey in the browser: intake, a note and a follow-up in the case file
(htmx), matching employers, and planning the internship from the matching list."""

import pytest

from fallmanagement.roles import Role
from participants.models import CaseNote, FollowUp, Participant
from tests.factories import ContactPersonFactory, EmployerFieldFactory, make_user

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_caseworker_takes_in_a_participant_and_finds_an_employer(page, axe, transactional_db):
    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    field = EmployerFieldFactory()  # KldB 24 Metallbau, active partner
    ContactPersonFactory(employer=field.employer)
    login(page, sabine)

    # Intake: only the names are required; the interest makes matching possible.
    page.goto("/teilnehmende/neu/")
    page.fill("#id_last_name", "Al Qasin")
    page.fill("#id_first_name", "Husein")
    page.locator("input[name=interest_groups][value='24']").check()
    # Without consent the case file is read-only (no notes, no placements).
    page.fill("#id_consent_date", "2026-11-20")
    page.fill("#id_consent_scope", "Fallmanagement, Weitergabe an Praktikumsbetriebe")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    participant = Participant.objects.get(last_name="Al Qasin")
    assert participant.caseworker == sabine
    assert page.url.endswith(f"/teilnehmende/{participant.pk}/")
    assert_no_axe_violations(page, axe)

    # A case note (sent with htmx, the case file is swapped in place).
    page.get_by_text("Gesprächsnotiz erfassen").click()
    page.fill("#id_note-text", "Erstgespräch mit Dolmetscher, Unterlagen besprochen.")
    page.get_by_role("button", name="Notiz speichern").click()
    page.get_by_text("Erstgespräch mit Dolmetscher").first.wait_for()
    assert CaseNote.objects.filter(participant=participant).count() == 1

    # A follow-up.
    page.get_by_text("Wiedervorlage anlegen").click()
    page.fill("#id_followup-due_on", "2026-12-01")
    page.fill("#id_followup-subject", "Zeugnisse zur Anerkennung nachreichen")
    page.get_by_role("button", name="Wiedervorlage speichern").click()
    page.get_by_text("Zeugnisse zur Anerkennung nachreichen").first.wait_for()
    assert FollowUp.objects.filter(participant=participant, done_on__isnull=True).exists()
    assert_no_axe_violations(page, axe)

    # Matching lists the metal-construction firm; plan the internship from there.
    page.goto(f"/betriebe/passend/{participant.pk}/")
    assert field.employer.name in page.content()
    assert_no_axe_violations(page, axe)
    page.get_by_role("link", name="Einsatz planen").first.click()
    page.wait_for_load_state()
    assert "/einsaetze/neu/" in page.url
    assert_no_axe_violations(page, axe)
