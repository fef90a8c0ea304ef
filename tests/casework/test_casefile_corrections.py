"""Corrections that keep history (case file): a note and its follow-up in one form, the
author's same-day correction and later addendum, reopening a follow-up ticked by mistake."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fallmanagement.privacy.history import event_model
from participants.models import CaseNote, FollowUp
from tests.factories import CaseNoteFactory, FollowUpFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def note_data(**overrides):
    data = {
        "note-date": today().isoformat(),
        "note-contact_kind": CaseNote.ContactKind.PHONE,
        "note-text": "Termin beim Jobcenter besprochen.",
    }
    data.update(overrides)
    return data


def edit_url(note):
    return reverse("participants:note_edit", args=[note.participant_id, note.pk])


# --- note plus follow-up -------------------------------------------------------------------


@pytest.mark.parametrize("choice,days", [("7", 7), ("14", 14), ("28", 28)])
def test_note_with_follow_up_in_weeks(caseworker_client, participant, caseworker, choice, days):
    url = reverse("participants:note_add", args=[participant.pk])
    data = note_data(**{"note-followup_subject": "Bescheid nachfragen", "note-followup_in": choice})
    assert caseworker_client.post(url, data).status_code == 302
    followup = FollowUp.objects.get(participant=participant)
    assert followup.due_on == today() + datetime.timedelta(days=days)
    assert followup.subject == "Bescheid nachfragen"
    assert followup.created_by == caseworker
    assert CaseNote.objects.filter(participant=participant).count() == 1


def test_note_with_follow_up_on_a_free_date(caseworker_client, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    due = today() + datetime.timedelta(days=10)
    data = note_data(
        **{
            "note-followup_subject": "Anruf Betrieb",
            "note-followup_in": "datum",
            "note-followup_due_on": due.isoformat(),
        }
    )
    assert caseworker_client.post(url, data).status_code == 302
    assert FollowUp.objects.get(participant=participant).due_on == due


def test_note_without_follow_up_creates_none(caseworker_client, participant):
    url = reverse("participants:note_add", args=[participant.pk])
    assert caseworker_client.post(url, note_data()).status_code == 302
    assert CaseNote.objects.count() == 1
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"note-followup_subject": "Anruf"}, "Bitte angeben, wann die Wiedervorlage fällig ist."),
        ({"note-followup_in": "14"}, "Bitte angeben, was zu tun ist."),
        (
            {"note-followup_subject": "Anruf", "note-followup_in": "datum"},
            "Bitte das Datum der Wiedervorlage angeben.",
        ),
        (
            {
                "note-followup_subject": "Anruf",
                "note-followup_in": "datum",
                "note-followup_due_on": "2020-01-01",
            },
            "Eine Wiedervorlage kann nicht in der Vergangenheit liegen.",
        ),
        ({"note-followup_subject": "Anruf", "note-followup_in": "99"}, "keine gültige Auswahl"),
        (
            {
                "note-followup_subject": "Anruf",
                "note-followup_in": "datum",
                "note-followup_due_on": "kein Datum",
            },
            "gültiges Datum",
        ),
    ],
)
def test_incomplete_follow_up_saves_neither(caseworker_client, participant, overrides, message):
    url = reverse("participants:note_add", args=[participant.pk])
    response = caseworker_client.post(url, note_data(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CaseNote.objects.exists()
    assert not FollowUp.objects.exists()


# --- correcting a note ----------------------------------------------------------------------


def test_author_corrects_a_note_on_the_same_day(caseworker_client, participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker, text="Termn bestätigt")
    page = caseworker_client.get(edit_url(note))
    assert page.status_code == 200
    assert "Notiz korrigieren" in page.content.decode()
    response = caseworker_client.post(
        edit_url(note), {"note-edit-text": "Termin bestätigt", "note-edit-version": "1"}
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Termin bestätigt"
    assert note.corrected_at is not None
    assert note.version == 2
    texts = [
        e.text for e in event_model(CaseNote).objects.filter(pgh_obj_id=note.pk).order_by("pgh_id")
    ]
    assert texts == ["Termn bestätigt", "Termin bestätigt"]
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "korrigiert am" in body.content.decode()


def test_later_the_author_adds_an_addendum_and_the_text_stays(
    caseworker_client, participant, caseworker
):
    note = CaseNoteFactory(participant=participant, author=caseworker, text="Original")
    CaseNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    page = caseworker_client.get(edit_url(note)).content.decode()
    assert "Nachtrag zur Notiz" in page
    response = caseworker_client.post(
        edit_url(note),
        {"note-edit-addendum": "Betrieb hat zurückgerufen.", "note-edit-text": "Geändert"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Original"
    assert note.addendum == "Betrieb hat zurückgerufen."
    assert note.addendum_at is not None
    assert note.corrected_at is None
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "Nachtrag vom" in body.content.decode()


def test_empty_addendum_is_refused(caseworker_client, participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker)
    CaseNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )
    response = caseworker_client.post(edit_url(note), {"note-edit-addendum": ""})
    assert response.status_code == 422
    note.refresh_from_db()
    assert note.addendum == ""


def test_stale_correction_keeps_input_and_changes_nothing(
    caseworker_client, participant, caseworker
):
    note = CaseNoteFactory(participant=participant, author=caseworker, text="A")
    CaseNote.objects.filter(pk=note.pk).update(version=2, text="B")
    response = caseworker_client.post(
        edit_url(note), {"note-edit-text": "C", "note-edit-version": "1"}
    )
    assert response.status_code == 422
    assert "inzwischen von jemand anderem geändert" in response.content.decode()
    note.refresh_from_db()
    assert note.text == "B"


def test_substitute_may_not_correct_someone_elses_note(
    other_caseworker_client, other_caseworker, participant, caseworker
):
    participant.shared_with.add(other_caseworker)
    note = CaseNoteFactory(participant=participant, author=caseworker, text="A")
    assert other_caseworker_client.get(edit_url(note)).status_code == 403
    response = other_caseworker_client.post(edit_url(note), {"note-edit-text": "B"})
    assert response.status_code == 403
    note.refresh_from_db()
    assert note.text == "A"


def test_foreign_case_note_is_404(other_caseworker_client, participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker)
    assert other_caseworker_client.get(edit_url(note)).status_code == 404


def test_note_of_another_case_is_404(caseworker_client, caseworker, participant):
    other = ParticipantFactory(caseworker=caseworker)
    note = CaseNoteFactory(participant=other, author=caseworker)
    url = reverse("participants:note_edit", args=[participant.pk, note.pk])
    assert caseworker_client.get(url).status_code == 404


def test_reporter_and_admin_may_not_correct(reporter_client, admin_client_role, participant):
    note = CaseNoteFactory(participant=participant, author=participant.caseworker)
    assert reporter_client.get(edit_url(note)).status_code == 403
    assert admin_client_role.get(edit_url(note)).status_code == 403


def test_only_the_author_sees_the_correction_link(
    caseworker_client, other_caseworker, participant, caseworker
):
    mine = CaseNoteFactory(participant=participant, author=caseworker)
    theirs = CaseNoteFactory(participant=participant, author=other_caseworker)
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    html = body.content.decode()
    assert edit_url(mine) in html
    assert edit_url(theirs) not in html


# --- reopening a follow-up ------------------------------------------------------------------


def reopen_url(followup):
    return reverse("participants:followup_reopen", args=[followup.participant_id, followup.pk])


def test_done_follow_up_can_be_reopened(caseworker_client, participant, caseworker):
    followup = FollowUpFactory(
        participant=participant, due_on=today(), done_on=today(), done_by=caseworker
    )
    assert caseworker_client.post(reopen_url(followup)).status_code == 302
    followup.refresh_from_db()
    assert followup.done_on is None
    assert followup.done_by is None
    events = event_model(FollowUp).objects.filter(pgh_obj_id=followup.pk).order_by("pgh_id")
    assert [e.done_on for e in events] == [today(), None]


def test_reopen_with_htmx_returns_the_case_file(caseworker_client, participant):
    followup = FollowUpFactory(participant=participant, due_on=today(), done_on=today())
    response = caseworker_client.post(
        reopen_url(followup), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="casefile"
    )
    assert response.status_code == 200
    assert 'id="casefile"' in response.content.decode()


def test_open_follow_up_cannot_be_reopened(caseworker_client, participant):
    followup = FollowUpFactory(participant=participant, due_on=today())
    assert caseworker_client.post(reopen_url(followup)).status_code == 404


def test_reopen_refused_for_others(other_caseworker_client, reporter_client, participant):
    followup = FollowUpFactory(participant=participant, due_on=today(), done_on=today())
    assert other_caseworker_client.post(reopen_url(followup)).status_code == 404
    assert reporter_client.post(reopen_url(followup)).status_code == 403
    followup.refresh_from_db()
    assert followup.done_on == today()


def test_reopen_needs_post(caseworker_client, participant):
    followup = FollowUpFactory(participant=participant, due_on=today(), done_on=today())
    assert caseworker_client.get(reopen_url(followup)).status_code == 405
