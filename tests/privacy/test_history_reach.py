"""Every recorded model is reached by a case's audit trail and by erasure/anonymisation.

Seen: the addenda of notes (recorded since they became a table of their own) were found by
neither – the case's change history did not show them and erasure left their text in the
event table – because they hang off a note, not off the case. Handovers were not recorded at
all. Now each recorded model is listed as a child of the case, of a placement or of a note (or
as not about a participant), and a test fails for any model that is not.
"""

import datetime

import pytest
from django.urls import reverse

from fallmanagement.core.auditing import history_models
from fallmanagement.imports.reassignment import reassign
from fallmanagement.privacy.history import (
    NOTE_CHILDREN,
    PARTICIPANT_CHILDREN,
    PLACEMENT_CHILDREN,
    event_model,
    participant_history,
    unreachable_history_models,
)
from participants.models import CaseHandover, CaseNote, NoteAddendum, Participant
from tests.factories import CaseNoteFactory, ParticipantFactory, make_user

pytestmark = pytest.mark.django_db

ADDENDUM = "Nachtrag: Dolmetscherin war Frau Haddad"


def test_every_recorded_field_has_a_german_label():
    """The trail and the Art. 15 copy show labels, not Django's "created at"."""
    from fallmanagement.privacy.history import NOISE_FIELDS, field_label

    raw = [
        f"{model.__name__}.{field.name}"
        for model in history_models()
        for field in model._meta.concrete_fields
        if field.name not in NOISE_FIELDS
        and field.name != "id"
        and not field.generated  # search keys: not recorded
        and str(field_label(field)) == field.name.replace("_", " ")
    ]
    assert raw == []


def test_every_recorded_model_is_reached_from_a_case_or_is_not_about_one():
    assert unreachable_history_models() == []
    # The lookups the trail and the prune function use exist on the event tables.
    for children, column in (
        (PARTICIPANT_CHILDREN, "participant_id"),
        (PLACEMENT_CHILDREN, "placement_id"),
        (NOTE_CHILDREN, "note_id"),
    ):
        for model in children:
            assert model in history_models()
            columns = {f.attname for f in event_model(model)._meta.concrete_fields}
            assert column in columns, (model, column)


@pytest.fixture
def case_with_addendum_and_handover(caseworker, other_caseworker, administrator):
    p = ParticipantFactory(caseworker=caseworker, last_name="Nachtragsfall")
    note = CaseNoteFactory(participant=p, author=caseworker, text="Erstgespräch")
    NoteAddendum.objects.create(note=note, author=caseworker, text=ADDENDUM)
    reassign(
        Participant.objects.filter(pk=p.pk),
        other_caseworker,
        reason="Elternzeit",
        by=administrator,
        handover_until=datetime.date.today() + datetime.timedelta(days=14),
    )
    assert CaseHandover.objects.filter(participant=p).exists()
    return p


def _models_in_trail(participant_id, reader=None):
    return {str(e["model"]) for e in participant_history(participant_id, reader=reader)}


def test_the_case_trail_shows_addenda_and_handovers(
    admin_client_role, case_with_addendum_and_handover
):
    p = case_with_addendum_and_handover
    shown = _models_in_trail(p.pk)
    assert str(NoteAddendum._meta.verbose_name) in shown
    assert str(CaseHandover._meta.verbose_name) in shown
    html = admin_client_role.get(reverse("privacy:participant_history", args=[p.pk])).content
    assert ADDENDUM in html.decode()
    assert "created at" not in html.decode() and "Lesezugriff bis" in html.decode()


def test_the_addendum_of_a_confidential_note_is_hidden_like_the_note(
    caseworker, case_with_addendum_and_handover
):
    p = case_with_addendum_and_handover
    CaseNote.objects.filter(participant=p).update(confidential=True)
    stranger = make_user("Administration", username="karin")
    values = [
        str(v)
        for e in participant_history(p.pk, reader=stranger)
        for _label, old, new in e["changes"]
        for v in (old, new)
    ]
    assert ADDENDUM not in values
    assert "(vertraulicher Inhalt)" in values
    author_values = [
        str(new) for e in participant_history(p.pk, reader=caseworker) for *_x, new in e["changes"]
    ]
    assert ADDENDUM in author_values


def test_erasure_leaves_no_addendum_and_no_handover_in_the_trail(
    admin_client_role, case_with_addendum_and_handover, caseworker
):
    p = case_with_addendum_and_handover
    # Another case's addendum stays.
    other = ParticipantFactory(caseworker=caseworker, last_name="Bleibt")
    other_note = CaseNoteFactory(participant=other, author=caseworker)
    NoteAddendum.objects.create(note=other_note, author=caseworker, text="Bleibt stehen")
    addenda, handovers = event_model(NoteAddendum).objects, event_model(CaseHandover).objects
    assert addenda.filter(text=ADDENDUM).exists() and handovers.filter(participant_id=p.pk).exists()

    response = admin_client_role.post(
        reverse("privacy:erase", args=[p.pk]), {"confirmation": "LÖSCHEN"}
    )
    assert response.status_code == 302
    assert not addenda.filter(text=ADDENDUM).exists()
    assert not handovers.filter(participant_id=p.pk).exists()
    assert addenda.filter(text="Bleibt stehen").exists()


def test_anonymisation_leaves_no_addendum_text_in_the_trail(case_with_addendum_and_handover):
    from fallmanagement.privacy.dbroles import prune_participant_history

    p = case_with_addendum_and_handover
    Participant.objects.filter(pk=p.pk).update(anonymised_at=datetime.datetime.now(datetime.UTC))
    prune_participant_history(p.pk, "anonymised")
    assert not event_model(NoteAddendum).objects.filter(text=ADDENDUM).exists()
    assert not event_model(CaseHandover).objects.filter(participant_id=p.pk).exists()
