"""Confidential notes stay confidential everywhere: the change history, every export but the
person's own Art. 15 copy, search, the Django admin. They show that such a note exists and who
changed it when, never its text, to anyone but its author (and the case's caseworker, who is
the author of notes on their own case or reads them in the case file anyway)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from participants.models import CaseNote, Participant
from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory, make_user
from tests.participants.test_need_to_know import _leaks  # noqa: F401 (text of PDFs too)
from tests.privacy.test_hostile_input import discover_urls

pytestmark = pytest.mark.django_db

SECRET = "Streng geheim: Therapie"
EARLIER = "Erste Fassung vor dem Vertraulich-Setzen"


@pytest.fixture
def confidential_note(caseworker, participant):
    # First written openly, then made confidential and rewritten: both texts are secret now.
    note = CaseNoteFactory(participant=participant, text=EARLIER, author=caseworker)
    CaseNote.objects.filter(pk=note.pk).update(confidential=True, text=SECRET)
    return note


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/pdf"):
        from io import BytesIO

        from pypdf import PdfReader

        return "".join(p.extract_text() for p in PdfReader(BytesIO(response.content)).pages)
    body = b"".join(response) if response.streaming else response.content
    return body.decode(errors="replace")


def test_history_shows_that_a_confidential_note_changed_but_not_its_text(
    admin_client_role, confidential_note, caseworker
):
    url = reverse("privacy:participant_history", args=[confidential_note.participant_id])
    html = admin_client_role.get(url).content.decode()
    assert SECRET not in html and EARLIER not in html
    # Both events are there, with author and placeholder.
    assert html.count("(vertraulicher Inhalt)") >= 2
    assert "Gesprächsnotiz" in html
    assert caseworker.get_full_name() in html  # the note's author (`Verfasst von`)


def test_open_notes_keep_their_text_in_the_history(admin_client_role, participant):
    CaseNoteFactory(participant=participant, text="Offene Notiz")
    url = reverse("privacy:participant_history", args=[participant.pk])
    assert "Offene Notiz" in admin_client_role.get(url).content.decode()


def test_the_author_reads_the_history_of_their_confidential_note(confidential_note, caseworker):
    from fallmanagement.privacy.history import participant_history

    entries = participant_history(confidential_note.participant_id, reader=caseworker)
    texts = [new for e in entries for _label, _old, new in e["changes"]]
    assert SECRET in texts and EARLIER in texts
    stranger = make_user("Administration", username="karin")
    entries = participant_history(confidential_note.participant_id, reader=stranger)
    texts = [str(v) for e in entries for _label, old, new in e["changes"] for v in (old, new)]
    assert SECRET not in texts and EARLIER not in texts


def test_art15_copy_of_the_person_keeps_the_text(admin_client_role, confidential_note):
    pk = confidential_note.participant_id
    data = json.loads(admin_client_role.get(reverse("privacy:art15_json", args=[pk])).content)
    assert SECRET in json.dumps(data, ensure_ascii=False)


def test_no_other_page_export_or_admin_page_shows_the_text(
    confidential_note, administrator, caseworker
):
    participant = Participant.objects.get(pk=confidential_note.participant_id)
    substitute = make_user("Fallmanagement", username="vertretung")
    participant.shared_with.add(substitute)
    placement = PlacementFactory(participant=participant)
    ids = {
        "pk": participant.pk,
        "participant_pk": participant.pk,
        "placement_pk": placement.pk,
        "employer_pk": placement.employer_id,
    }
    admin_urls = [
        "/admin/",
        *(
            reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m in _admin_models()
        ),
        reverse("admin:participants_participant_change", args=[participant.pk]),
    ]
    art15 = {reverse(n, args=[participant.pk]) for n in ("privacy:art15_json", "privacy:art15_pdf")}
    checked = 0
    for user in (administrator, substitute):
        client = Client(raise_request_exception=True)
        client.force_login(user)
        client.post(reverse("participants:list"), {"q": "Therapie"})  # search: no snippet
        for url in [*discover_urls(ids), *admin_urls]:
            if url in art15:
                continue
            response = client.get(url)
            text = _text(response)
            assert SECRET not in text and EARLIER not in text, (user.username, url)
            checked += 1
    assert checked > 40


def _admin_models():
    from django.contrib import admin

    return list(admin.site._registry)


def test_the_walk_would_notice_the_text(confidential_note, caseworker):
    # The assigned caseworker (the author) reads it in the case file: the check can fail.
    client = Client()
    client.force_login(caseworker)
    url = reverse("participants:detail", args=[confidential_note.participant_id])
    assert SECRET in client.get(url).content.decode()


def test_another_participant_unaffected(admin_client_role, caseworker):
    other = ParticipantFactory(caseworker=caseworker)
    CaseNoteFactory(participant=other, text="Andere Notiz", confidential=False)
    url = reverse("privacy:participant_history", args=[other.pk])
    assert "Andere Notiz" in admin_client_role.get(url).content.decode()
