"""GDPR duties: Art. 15 export (JSON, PDF), retention anonymisation, erasure on request."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import Count, Value
from django.db.models.functions import Least
from django.urls import reverse
from pypdf import PdfReader

from fallmanagement.privacy.gdpr import _readable_plain
from fallmanagement.privacy.history import event_model
from fallmanagement.privacy.models import AccessLog, SecurityEvent
from participants.models import CaseNote, Language, NoteAddendum, Participant
from placements.models import CheckIn, Placement
from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_participant(caseworker):
    p = ParticipantFactory(
        caseworker=caseworker,
        first_name="Husein",
        last_name="Al Qasin",
        street="Königsstraße 1",
        phone="0561 12345",
        health_notes="Rückenleiden",
    )
    Language.objects.create(participant=p, language="Arabisch", level="Muttersprache")
    CaseNoteFactory(participant=p, text="Erstgespräch mit Dolmetscherin")
    placement = PlacementFactory(participant=p, tasks="Schweißen lernen")
    CheckIn.objects.create(
        placement=placement,
        date=datetime.date(2026, 3, 10),
        with_whom="Herr Hofmann",
        rating=CheckIn.Rating.GOOD,
        issues="Pünktlich",
        author=caseworker,
    )
    Participant.objects.filter(pk=p.pk).update(city="Kassel")
    return p


def test_art15_json_contains_everything_incl_history_and_access_log(
    admin_client_role, full_participant, caseworker
):
    AccessLog.objects.create(
        user=caseworker,
        username="sabine",
        action="view",
        participant_id=full_participant.pk,
        object_type="participants.Participant",
        path="/teilnehmende/x/",
    )
    response = admin_client_role.get(reverse("privacy:art15_json", args=[full_participant.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    person = data["topics"]["person"]["participant"]["rows"][0]
    assert person["last_name"] == "Al Qasin" and person["health_notes"] == "Rückenleiden"
    assert data["topics"]["person"]["languages"]["rows"][0]["language"] == "Arabisch"
    assert "Dolmetscherin" in data["topics"]["casework"]["notes"]["rows"][0]["text"]
    assert data["topics"]["placements"]["placements"]["rows"][0]["tasks"] == "Schweißen lernen"
    assert data["topics"]["placements"]["checkins"]["rows"][0]["with_whom"] == "Herr Hofmann"
    assert any(c["new"] == "Kassel" for e in data["history"] for c in e["changes"])
    assert any(a["user"] == "sabine" for a in data["access_log"])
    # The export itself is logged.
    assert AccessLog.objects.filter(
        participant_id=full_participant.pk, action="export", object_type="art15-json"
    ).exists()
    assert SecurityEvent.objects.filter(kind="art15_export").exists()


def test_art15_json_is_for_machines_names_iso_values_and_topics(
    admin_client_role, full_participant, caseworker, settings
):
    caseworker.first_name, caseworker.last_name = "Sabine", "Krüger"
    caseworker.save()
    note = full_participant.notes.get()
    NoteAddendum.objects.create(note=note, author=caseworker, text="Nachtrag eins")
    NoteAddendum.objects.create(note=note, author=caseworker, text="Nachtrag zwei")
    Participant.objects.filter(pk=full_participant.pk).update(
        date_of_birth=datetime.date(1990, 5, 1)
    )
    full_participant.notes.update(with_interpreter=True)
    response = admin_client_role.get(reverse("privacy:art15_json", args=[full_participant.pk]))
    data = json.loads(response.content)
    assert data["format"] == "fallmanagement-art15/2"
    assert data["participant"] == {"id": full_participant.pk, "name": "Husein Al Qasin"}
    # Grouped by topic like the PDF; each topic's sections keyed by stable field names.
    assert list(data["topics"]) == ["person", "casework", "placements", "documents"]
    assert set(data["topics"]["casework"]) == {
        "notes",
        "note_addenda",
        "status_changes",
        "goals",
        "followups",
        "referrals",
    }
    person = data["topics"]["person"]["participant"]["rows"][0]
    assert person["date_of_birth"] == "1990-05-01"
    assert person["caseworker"] == "Sabine Krüger"  # a name, not an id
    assert "search_name" not in person and "name_keys" not in person and "id" not in person
    [row] = data["topics"]["casework"]["notes"]["rows"]
    assert row["with_interpreter"] is True and row["confidential"] is False  # JSON booleans
    assert row["author"] == "Sabine Krüger"
    assert row["contact_kind"]["code"] == note.contact_kind
    assert row["contact_kind"]["text"] == note.get_contact_kind_display()
    # A local time with its offset (Europe/Berlin: +01:00 in winter, +02:00 in summer).
    created = datetime.datetime.fromisoformat(row["created_at"])
    assert created.utcoffset() in (datetime.timedelta(hours=1), datetime.timedelta(hours=2))
    assert created == note.created_at
    addenda = data["topics"]["casework"]["note_addenda"]["rows"]
    assert [(a["text"], a["author"]) for a in addenda] == [
        ("Nachtrag eins", "Sabine Krüger"),
        ("Nachtrag zwei", "Sabine Krüger"),
    ]
    assert addenda[0]["note"] == str(note)
    [checkin] = data["topics"]["placements"]["checkins"]["rows"]
    assert checkin["date"] == "2026-03-10"
    assert checkin["rating"] == {
        "code": CheckIn.Rating.GOOD.value,
        "text": str(CheckIn.Rating.GOOD.label),
    }
    assert checkin["placement"] == str(full_participant.placements.get())
    # Labels in German for each key.
    assert data["topics"]["casework"]["notes"]["labels"]["with_interpreter"] == (
        "mit Dolmetscher:in"
    )
    assert all(a["action"]["code"] for a in data["access_log"])


def test_art15_pdf_renders_the_data(admin_client_role, full_participant):
    response = admin_client_role.get(reverse("privacy:art15_pdf", args=[full_participant.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Al Qasin" in text and "Arabisch" in text and "Schweißen lernen" in text
    assert AccessLog.objects.filter(participant_id=full_participant.pk, action="pdf").exists()


def test_art15_overview_page(admin_client_role, full_participant):
    response = admin_client_role.get(reverse("privacy:art15", args=[full_participant.pk]))
    assert response.status_code == 200
    assert reverse("privacy:art15_pdf", args=[full_participant.pk]) in response.content.decode()


# --- retention -----------------------------------------------------------------------------


def _close(p, exit_date, reason):
    # An old exit needs an entry before it (participant_exit_not_before_entry).
    Participant.objects.filter(pk=p.pk).update(
        status=Participant.Status.CLOSED,
        exit_date=exit_date,
        exit_reason=reason,
        entry_date=Least("entry_date", Value(exit_date)),
    )


def _exits_by_reason(start, end):
    return dict(
        Participant.objects.filter(exit_date__range=(start, end))
        .values_list("exit_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )


def test_retention_dry_run_changes_nothing(full_participant):
    reason = Participant.ExitReason.values[0]
    _close(full_participant, datetime.date(2020, 6, 30), reason)
    out = io.StringIO()
    call_command("apply_retention", today=datetime.date(2026, 11, 25), stdout=out)
    assert "Probelauf" in out.getvalue() and f"Nr. {full_participant.pk}" in out.getvalue()
    assert "Al Qasin" not in out.getvalue()
    full_participant.refresh_from_db()
    assert full_participant.last_name == "Al Qasin" and full_participant.anonymised_at is None


def test_retention_anonymises_old_closed_cases_and_keeps_aggregates(full_participant, caseworker):
    reasons = Participant.ExitReason.values
    _close(full_participant, datetime.date(2020, 6, 30), reasons[0])
    recent = ParticipantFactory(caseworker=caseworker, last_name="Neuerfall")
    _close(recent, datetime.date(2026, 6, 30), reasons[0])
    other_old = ParticipantFactory(caseworker=caseworker, last_name="Altfall")
    _close(other_old, datetime.date(2021, 1, 15), reasons[-1])
    period = (datetime.date(2020, 1, 1), datetime.date(2021, 12, 31))
    before = _exits_by_reason(*period)
    before_placements = list(
        Placement.objects.values_list("participant_id", "kind", "planned_start", "outcome")
    )
    before_counts = dict(Participant.objects.values_list("gender").annotate(n=Count("pk")))

    call_command(
        "apply_retention", "--apply", today=datetime.date(2026, 11, 25), stdout=io.StringIO()
    )

    full_participant.refresh_from_db()
    p = full_participant
    assert p.first_name == p.last_name == "Anonymisiert"
    assert p.date_of_birth == datetime.date(1995, 1, 1)
    assert p.street == p.phone == p.city == p.health_notes == ""
    assert p.anonymised_at is not None
    assert p.gender and p.country_of_origin and p.german_level and p.exit_reason == reasons[0]
    assert not Language.objects.filter(participant=p).exists()
    assert CaseNote.objects.get(participant=p).text == ""
    assert Placement.objects.get(participant=p).tasks == ""
    assert CheckIn.objects.get(placement__participant=p).with_whom == ""
    # No old values left in the audit trail.
    assert not event_model(Participant).objects.filter(last_name="Al Qasin").exists()
    assert not event_model(CaseNote).objects.filter(text__contains="Dolmetscherin").exists()
    recent.refresh_from_db()
    assert recent.last_name == "Neuerfall"
    # Reports for past periods stay the same.
    assert _exits_by_reason(*period) == before
    assert (
        list(Placement.objects.values_list("participant_id", "kind", "planned_start", "outcome"))
        == before_placements
    )
    assert dict(Participant.objects.values_list("gender").annotate(n=Count("pk"))) == before_counts
    assert SecurityEvent.objects.filter(kind="anonymised", participant_id=p.pk).exists()
    # Running again does nothing more.
    out = io.StringIO()
    call_command("apply_retention", "--apply", today=datetime.date(2026, 11, 25), stdout=out)
    assert "0 abgeschlossene" in out.getvalue()


# --- erasure -------------------------------------------------------------------------------


def test_erasure_needs_typed_confirmation(admin_client_role, full_participant):
    url = reverse("privacy:erase", args=[full_participant.pk])
    assert admin_client_role.get(url).status_code == 200
    response = admin_client_role.post(url, {"confirmation": "ja"})
    assert response.status_code == 200
    assert Participant.objects.filter(pk=full_participant.pk).exists()


def test_erasure_deletes_everything_and_keeps_only_the_fact(
    admin_client_role, administrator, full_participant
):
    pk = full_participant.pk
    url = reverse("privacy:erase", args=[pk])
    response = admin_client_role.post(url, {"confirmation": "LÖSCHEN"})
    assert response.status_code == 302
    assert not Participant.objects.filter(pk=pk).exists()
    assert not Placement.objects.filter(participant_id=pk).exists()
    assert not CaseNote.objects.filter(participant_id=pk).exists()
    for model in (Participant, CaseNote, Language, Placement):
        field = "pgh_obj_id" if model is Participant else "participant_id"
        assert not event_model(model).objects.filter(**{field: pk}).exists()
    assert not event_model(CheckIn).objects.exists()
    event = SecurityEvent.objects.get(kind="erasure", user_id=administrator.pk)
    assert event.participant_id == pk
    # The database's own record of the pruned history (fm_prune_participant_history).
    assert SecurityEvent.objects.get(kind="erasure", user_id=None).participant_id == pk
    assert "Al Qasin" not in event.detail


def test_erasure_of_another_participant_keeps_theirs(admin_client_role, full_participant):
    other = ParticipantFactory(last_name="Bleibt")
    CaseNoteFactory(participant=other)
    admin_client_role.post(
        reverse("privacy:erase", args=[full_participant.pk]), {"confirmation": "LÖSCHEN"}
    )
    assert Participant.objects.filter(pk=other.pk).exists()
    assert event_model(CaseNote).objects.filter(participant_id=other.pk).exists()


def test_caseworker_cannot_erase(caseworker_client, full_participant):
    response = caseworker_client.post(
        reverse("privacy:erase", args=[full_participant.pk]), {"confirmation": "LÖSCHEN"}
    )
    assert response.status_code == 403
    assert Participant.objects.filter(pk=full_participant.pk).exists()


def test_art15_pdf_is_readable_for_the_person(admin_client_role, full_participant, caseworker):
    caseworker.first_name, caseworker.last_name = "Sabine", "Keller"
    caseworker.save()
    response = admin_client_role.get(reverse("privacy:art15_pdf", args=[full_participant.pk]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    # German labels and topics, names instead of ids, ja/nein, dd.mm.yyyy.
    for expected in (
        "Nachname (laut Dokument)",
        "Gesprächsnotizen",
        "Begleitungen",
        "Sabine Keller",
        "Metallbau",  # the employer's name, not its id
        "14.03.1995",
        "10.03.2026",
        "mit Dolmetscher:in",
        "nein",
    ):
        assert expected in text, expected
    for raw in ("True", "False", "1995-03-14", "caseworker_id", "last_name"):
        assert raw not in text, raw


def test_readable_values():
    assert _readable_plain(True) == "ja"
    assert _readable_plain(False) == "nein"
    assert _readable_plain("2026-03-10") == "10.03.2026"
    assert _readable_plain("2026-03-10T08:30:00+00:00") == "10.03.2026 09:30"
    assert _readable_plain(None) == "–"
    assert _readable_plain("2026-13-99") == "2026-13-99"
