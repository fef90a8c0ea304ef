"""The referral journey in the browser: refer a participant to a language course from the
case file, record the registration, the start and the completion with a certificate; the
German level changes; axe finds no violations on the pages on the way."""

import pytest

from fallmanagement.core.roles import Role
from offers.models import Referral
from participants.models import FollowUp
from tests.factories import ParticipantFactory, make_user
from tests.offers.factories import OfferFactory

from .browser import assert_no_axe_violations, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_refer_start_complete_updates_the_german_level(page, axe, transactional_db):
    sabine = make_user(Role.CASEWORK, username="sabine", first_name="Sabine", last_name="Krüger")
    participant = ParticipantFactory(caseworker=sabine, german_level="A2")
    offer = OfferFactory(title="Berufssprachkurs B1 Pflege", starts_on=None, places=12)
    login(page, sabine)
    page.goto("/angebote/")
    assert "Berufssprachkurs B1 Pflege" in page.content()
    assert_no_axe_violations(page, axe)

    page.goto(f"/teilnehmende/{participant.pk}/")
    page.get_by_role("link", name="Angebot zuweisen").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page, axe)
    page.select_option("#id_offer", str(offer.pk))
    page.get_by_role("button", name="Zuweisung speichern").click()
    page.wait_for_load_state()
    referral = Referral.objects.get()
    assert page.url.endswith(f"/angebote/zuweisungen/{referral.pk}/")
    assert_no_axe_violations(page, axe)

    for label in ("Angemeldet", "Hat begonnen"):
        page.locator("summary", has_text=label).click()
        page.get_by_role("button", name=f"„{label}“ speichern").click()
        page.wait_for_load_state()
    referral.refresh_from_db()
    assert referral.state == Referral.State.STARTED
    assert FollowUp.objects.filter(kind=FollowUp.Kind.OFFER_END, done_on__isnull=True).exists()

    page.locator("summary", has_text="Abgeschlossen").click()
    page.fill("#id_abschliessen-certificate", "Deutsch-Test für den Beruf B1")
    page.select_option("#id_abschliessen-level_reached", "B1")
    assert_no_axe_violations(page, axe)
    page.get_by_role("button", name="„Abgeschlossen“ speichern").click()
    page.get_by_text("Deutschkenntnisse aktualisiert: B1.").wait_for()
    participant.refresh_from_db()
    assert participant.german_level == "B1"

    page.goto(f"/teilnehmende/{participant.pk}/")
    assert "Deutsch-Test für den Beruf B1" in page.content()
    assert_no_axe_violations(page, axe)
