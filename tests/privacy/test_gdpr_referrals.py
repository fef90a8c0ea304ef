"""Referrals and the German level history in the GDPR tools: the Art. 15 export, the audit
trail of the case, anonymisation after the retention period, and erasure."""

import datetime
import json

import pytest
from django.urls import reverse

from fallmanagement.privacy.gdpr import anonymise
from fallmanagement.privacy.history import event_model, participant_history
from offers import workflow
from offers.models import Offer, Referral
from participants.models import GermanLevelRecord, Participant
from participants.workflow import record_german_level
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def referral(participant, caseworker):
    offer = OfferFactory(title="Berufssprachkurs B1")
    referral = workflow.refer(
        participant, offer, caseworker, proposed_on=D(2026, 2, 1), notes="braucht Kita-Platz"
    )
    Referral.objects.filter(pk=referral.pk).update(certificate="DTZ B1")
    record_german_level(participant, "B1", D(2026, 6, 26), "DTZ B1 vom 26.06.", caseworker)
    return referral


def test_art15_contains_referrals_and_german_levels(admin_client_role, participant, referral):
    response = admin_client_role.get(reverse("privacy:art15_json", args=[participant.pk]))
    topics = json.loads(response.content)["topics"]
    assert topics["casework"]["referrals"]["rows"][0]["notes"] == "braucht Kita-Platz"
    assert topics["person"]["german_levels"]["rows"][0]["evidence"] == "DTZ B1 vom 26.06."


def test_referral_changes_are_in_the_case_history(participant, referral):
    records = {str(e["model"]) for e in participant_history(participant.pk)}
    assert {"Zuweisung", "Nachweis Deutschkenntnisse"} <= records


def test_anonymisation_blanks_the_free_text_and_keeps_what_reports_count(participant, referral):
    anonymise(participant)
    referral.refresh_from_db()
    assert (referral.notes, referral.certificate) == ("", "")
    assert referral.offer.kind == Offer.Kind.JOB_LANGUAGE_COURSE
    record = GermanLevelRecord.objects.get(participant=participant)
    assert (record.evidence, record.level, record.attested_on) == ("", "B1", D(2026, 6, 26))
    assert not event_model(Referral).objects.filter(participant_id=participant.pk).exists()


def test_erasure_deletes_referrals_and_their_history(admin_client_role, participant, referral):
    pk = participant.pk
    response = admin_client_role.post(
        reverse("privacy:erase", args=[pk]), {"confirmation": "LÖSCHEN"}
    )
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=pk).exists()
    assert not Referral.objects.filter(participant_id=pk).exists()
    assert not GermanLevelRecord.objects.filter(participant_id=pk).exists()
    assert not event_model(Referral).objects.filter(participant_id=pk).exists()
    assert Offer.objects.filter(pk=referral.offer_id).exists()  # the catalogue stays
