"""Handover after a reassignment: the previous caseworker READS the case until the handover's
last day (every read access-logged) and changes nothing; the day after, the case is gone for
them without any scheduled job (the visibility query compares the date with today)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fallmanagement.imports.reassignment import reassign
from fallmanagement.privacy.gdpr import anonymise
from fallmanagement.privacy.models import AccessLog
from offers.models import Referral
from participants.models import CaseHandover, CaseNote, FollowUp, Participant
from placements.models import Placement

from ..factories import (
    CaseNoteFactory,
    EmployerFactory,
    FollowUpFactory,
    ParticipantFactory,
    PlacementFactory,
)
from ..offers.factories import ReferralFactory


@pytest.fixture
def handed_over(caseworker, other_caseworker, administrator):
    case = ParticipantFactory(caseworker=caseworker, last_name="Haddad")
    until = timezone.localdate() + datetime.timedelta(days=3)
    reassign([case], other_caseworker, reason="Teamwechsel", by=administrator, handover_until=until)
    return case


def _fresh(user):
    return type(user).objects.get(pk=user.pk)  # a new request: nothing cached on the user


def test_previous_caseworker_reads_the_case_and_the_read_is_logged(
    handed_over, caseworker, caseworker_client
):
    assert Participant.objects.visible_to(_fresh(caseworker)).filter(pk=handed_over.pk).exists()
    assert not Participant.objects.writable_by(_fresh(caseworker)).filter(pk=handed_over.pk)
    before = AccessLog.objects.filter(participant_id=handed_over.pk, user=caseworker).count()
    response = caseworker_client.get(reverse("participants:detail", args=[handed_over.pk]))
    assert response.status_code == 200
    assert "Haddad" in response.text
    after = AccessLog.objects.filter(participant_id=handed_over.pk, user=caseworker).count()
    assert after == before + 1


def test_every_write_endpoint_refuses_the_previous_caseworker(
    handed_over, caseworker, caseworker_client
):
    placement = PlacementFactory(participant=handed_over)
    note = CaseNoteFactory(participant=handed_over, author=caseworker)
    followup = FollowUpFactory(participant=handed_over)
    referral = ReferralFactory(participant=handed_over)
    p = handed_over.pk
    # Sub-records the case does not have: the case's loader refuses before looking for them.
    missing = 999_999
    writes = [
        reverse("participants:goal_close", args=[p, missing]),
        reverse("participants:followup_done", args=[p, followup.pk]),
        reverse("participants:followup_reopen", args=[p, followup.pk]),
        reverse("participants:recognition_edit", args=[p, missing]),
        reverse("participants:document_delete", args=[p, missing]),
        reverse("participants:week_followup_untick", args=[followup.pk]),
        reverse("offers:referral_edit", args=[referral.pk]),
        reverse("offers:referral_transition", args=[referral.pk, "start"]),
        reverse("participants:edit", args=[p]),
        reverse("participants:note_add", args=[p]),
        reverse("participants:note_edit", args=[p, note.pk]),
        reverse("participants:goal_add", args=[p]),
        reverse("participants:followup_add", args=[p]),
        reverse("participants:status_change", args=[p]),
        reverse("participants:recognition_add", args=[p]),
        reverse("participants:document_add", args=[p]),
        reverse("participants:share", args=[p]),
        reverse("participants:week_followup_tick", args=[followup.pk]),
        reverse("placements:create") + f"?participant={p}",
        reverse("placements:edit", args=[placement.pk]),
        reverse("placements:transition", args=[placement.pk, "agree"]),
        reverse("placements:checkin_add", args=[placement.pk]),
        reverse("placements:assessment", args=[placement.pk]),
        reverse("placements:outcome", args=[placement.pk]),
        reverse("offers:referral_create", args=[p]),
    ]
    for url in writes:
        response = caseworker_client.post(url, {"text": "x", "date": "01.12.2026"})
        assert response.status_code == 403, url
    assert CaseNote.objects.filter(participant=handed_over).count() == 1
    assert FollowUp.objects.get(pk=followup.pk).done_on is None
    assert Placement.objects.filter(participant=handed_over).count() == 1
    assert Referral.objects.filter(participant=handed_over).count() == 1
    handed_over.refresh_from_db()
    assert handed_over.version == 2  # the reassignment's bump, nothing since


def test_the_new_caseworker_may_write(handed_over, other_caseworker, other_caseworker_client):
    url = reverse("participants:note_add", args=[handed_over.pk])
    response = other_caseworker_client.post(url, {})
    assert response.status_code != 403


def test_a_case_also_shared_with_them_stays_writable(handed_over, caseworker, other_caseworker):
    handed_over.shared_with.add(caseworker)
    assert Participant.objects.writable_by(_fresh(caseworker)).filter(pk=handed_over.pk).exists()


def test_last_day_still_reads_the_day_after_nothing(handed_over, caseworker, caseworker_client):
    today = timezone.localdate()
    CaseHandover.objects.update(until=today)
    assert (
        caseworker_client.get(reverse("participants:detail", args=[handed_over.pk])).status_code
        == 200
    )
    CaseHandover.objects.update(until=today - datetime.timedelta(days=1))
    assert (
        caseworker_client.get(reverse("participants:detail", args=[handed_over.pk])).status_code
        == 404
    )
    assert not Participant.objects.visible_to(_fresh(caseworker)).filter(pk=handed_over.pk)


def test_placement_form_offers_only_writable_cases(handed_over, caseworker, caseworker_client):
    own = ParticipantFactory(caseworker=caseworker, last_name="Eigen")
    EmployerFactory()
    page = caseworker_client.get(reverse("placements:create"))
    choices = list(page.context["form"].fields["participant"].queryset)
    assert own in choices
    assert handed_over not in choices


def test_anonymising_a_case_ends_its_handover(handed_over, caseworker):
    assert CaseHandover.objects.filter(participant=handed_over).exists()
    anonymise(handed_over)
    assert not CaseHandover.objects.filter(participant=handed_over).exists()
    assert not Participant.objects.visible_to(_fresh(caseworker)).filter(pk=handed_over.pk)


def test_the_previous_caseworker_sees_no_edit_controls(
    handed_over, caseworker_client, other_caseworker_client
):
    url = reverse("participants:detail", args=[handed_over.pk])
    edit = reverse("participants:edit", args=[handed_over.pk])
    add_note = reverse("participants:note_add", args=[handed_over.pk])
    reading = caseworker_client.get(url).text
    assert "Haddad" in reading
    assert edit not in reading and add_note not in reading
    working = other_caseworker_client.get(url).text  # the case's new caseworker
    assert edit in working and add_note in working


def test_the_placement_page_shows_the_previous_caseworker_no_edit_controls(
    handed_over, caseworker_client, other_caseworker_client
):
    placement = PlacementFactory(participant=handed_over)
    url = reverse("placements:detail", args=[placement.pk])
    edit = reverse("placements:edit", args=[placement.pk])
    reading = caseworker_client.get(url)
    assert reading.status_code == 200
    assert edit not in reading.text
    assert edit in other_caseworker_client.get(url).text
