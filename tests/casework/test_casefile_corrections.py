"""Corrections that keep history (case file): a note and its follow-up in one form, the
author's same-day correction and later addendum, reopening a follow-up ticked by mistake."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fallmanagement.privacy.history import event_model
from participants.models import CaseNote, FollowUp, NoteAddendum
from participants.workflow import add_note_addendum
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


def _written_days_ago(note, days=2):
    CaseNote.objects.filter(pk=note.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


def test_later_the_author_adds_an_addendum_and_the_text_stays(
    caseworker_client, participant, caseworker
):
    note = CaseNoteFactory(participant=participant, author=caseworker, text="Original")
    _written_days_ago(note)
    page = caseworker_client.get(edit_url(note)).content.decode()
    assert "Nachtrag zur Notiz" in page
    response = caseworker_client.post(
        edit_url(note),
        {"note-edit-addendum": "Betrieb hat zurückgerufen.", "note-edit-text": "Geändert"},
    )
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Original"
    assert note.corrected_at is None
    [addendum] = note.addenda.all()
    assert addendum.text == "Betrieb hat zurückgerufen."
    assert addendum.author == caseworker
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    assert "Nachtrag vom" in body.content.decode()


def test_any_number_of_addenda_each_with_author_and_time(
    caseworker_client, participant, caseworker, django_assert_max_num_queries
):
    caseworker.first_name, caseworker.last_name = "Sabine", "Krüger"
    caseworker.save()
    note = CaseNoteFactory(participant=participant, author=caseworker, text="Original")
    _written_days_ago(note, days=5)
    for text in ("Erster Nachtrag", "Zweiter Nachtrag", "Dritter Nachtrag"):
        response = caseworker_client.post(edit_url(note), {"note-edit-addendum": text})
        assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Original"
    assert [a.text for a in note.addenda.all()] == [
        "Erster Nachtrag",
        "Zweiter Nachtrag",
        "Dritter Nachtrag",
    ]
    # Each addendum is shown as such, in order, with author and time, under the note.
    body = caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    html = body.content.decode()
    first, second, third = (html.index(t) for t in ("Erster", "Zweiter", "Dritter"))
    assert html.index("Original") < first < second < third
    stamp = timezone.localtime(note.addenda.first().created_at).strftime("%d.%m.%Y %H:%M")
    assert html.count(f"Nachtrag vom {stamp[:10]}") == 3
    assert "(Sabine Krüger)" in html
    # The edit page shows the note and every addendum so far before the next one.
    page = caseworker_client.get(edit_url(note)).content.decode()
    assert page.count("note-addendum") == 3
    # The timeline loads the addenda of all notes in one extra query, not one per note.
    for _ in range(3):
        other = CaseNoteFactory(participant=participant, author=caseworker)
        other.addenda.create(author=caseworker, text="noch einer")
    with django_assert_max_num_queries(60) as small:
        caseworker_client.get(reverse("participants:detail", args=[participant.pk]))
    for _ in range(10):
        other = CaseNoteFactory(participant=participant, author=caseworker)
        other.addenda.create(author=caseworker, text="noch einer")
    with django_assert_max_num_queries(len(small.captured_queries)):
        caseworker_client.get(reverse("participants:detail", args=[participant.pk]))


def test_addenda_are_in_the_audit_trail(caseworker_client, participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker, text="Original")
    _written_days_ago(note)
    caseworker_client.post(edit_url(note), {"note-edit-addendum": "Nachtrag A"})
    caseworker_client.post(edit_url(note), {"note-edit-addendum": "Nachtrag B"})
    events = event_model(NoteAddendum).objects.filter(note_id=note.pk).order_by("pgh_id")
    assert [(e.pgh_label, e.text) for e in events] == [
        ("insert", "Nachtrag A"),
        ("insert", "Nachtrag B"),
    ]


def test_on_the_day_of_the_note_there_is_no_addendum_but_a_correction(participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker)
    with pytest.raises(ValidationError):
        add_note_addendum(note, caseworker, "zu früh")
    assert not note.addenda.exists()


def test_nobody_but_the_author_adds_an_addendum(
    other_caseworker_client, participant, caseworker, other_caseworker
):
    participant.shared_with.add(other_caseworker)
    note = CaseNoteFactory(participant=participant, author=caseworker)
    _written_days_ago(note)
    response = other_caseworker_client.post(edit_url(note), {"note-edit-addendum": "fremd"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        add_note_addendum(note, other_caseworker, "fremd")
    assert not note.addenda.exists()


def test_empty_addendum_is_refused(caseworker_client, participant, caseworker):
    note = CaseNoteFactory(participant=participant, author=caseworker)
    _written_days_ago(note)
    for text in ("", "   "):
        response = caseworker_client.post(edit_url(note), {"note-edit-addendum": text})
        assert response.status_code == 422
    assert not note.addenda.exists()


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
