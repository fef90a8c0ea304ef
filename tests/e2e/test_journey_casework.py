"""The caseworker's journey in the browser: intake, a note and a follow-up in the case file
(htmx), matching employers, and planning the internship from the matching list."""

import pytest

from fallmanagement.core.roles import Role
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


def test_caseworker_runs_a_four_week_internship_and_downloads_the_certificate(
    page, axe, transactional_db
):
    import datetime

    from placements.models import Placement
    from tests.factories import ParticipantFactory

    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    participant = ParticipantFactory(
        caseworker=sabine, first_name="Husein", last_name="Al Qasin", status="profiling"
    )
    field = EmployerFieldFactory()
    ContactPersonFactory(employer=field.employer)
    start = datetime.date.today() - datetime.timedelta(days=40)
    end = start + datetime.timedelta(days=27)  # four weeks, end inclusive
    login(page, sabine)

    page.goto(f"/einsaetze/neu/?participant={participant.pk}&employer={field.employer.pk}")
    page.fill("#id_job_title", "Helfer Metallbau")
    page.fill("#id_planned_start", start.isoformat())
    page.fill("#id_planned_end", end.isoformat())
    page.select_option("#id_legal_basis", Placement.LegalBasis.MILOG)
    page.fill("#id_agreement_signed_on", (start - datetime.timedelta(days=5)).isoformat())
    page.fill("#id_insurance_confirmed_on", (start - datetime.timedelta(days=4)).isoformat())
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    placement = Placement.objects.get(participant=participant)
    assert page.url.endswith(f"/einsaetze/{placement.pk}/")
    assert_no_axe_violations(page, axe)

    # Planned -> agreed -> running -> completed, each with its own small form.
    for label, state in (
        ("Vereinbarung festhalten", Placement.State.AGREED),
        ("Einsatz beginnt", Placement.State.RUNNING),
        ("Einsatz beenden", Placement.State.COMPLETED),
    ):
        page.get_by_role("button", name=label).click()
        page.wait_for_load_state()
        placement.refresh_from_db()
        assert placement.state == state, page.locator("main").inner_text()[:500]

    # The employer's assessment and the outcome.
    page.get_by_role("link", name="Beurteilung erfassen").click()
    for name in Placement.assessment.related.related_model.RATED_FIELDS:
        page.locator(f"input[name={name}][value='2']").check()
    page.select_option("#id_recommendation", "empfohlen")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert Placement.objects.get(pk=placement.pk).assessment.punctuality == 2
    page.select_option("#id_outcome", Placement.Outcome.APPRENTICESHIP)
    page.fill("#id_follow_on_job_title", "Ausbildung Metallbauer")
    page.get_by_role("button", name="Ergebnis speichern").click()
    page.wait_for_load_state()
    placement.refresh_from_db()
    assert placement.outcome == Placement.Outcome.APPRENTICESHIP
    assert_no_axe_violations(page, axe)

    # The certificate opens inline: fetch it with the browser's session.
    page.goto(f"/einsaetze/{placement.pk}/")
    link = page.get_by_role("link", name="Praktikumsbescheinigung (PDF, deutsch)")
    response = page.context.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
