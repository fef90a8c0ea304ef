"""`seed_demo` produces valid, realistic data, and `copy_create` inserts like bulk_create."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.db.models import F

from employers.models import Employer
from fallmanagement.core.bulk import copy_create
from fallmanagement.demo.management.commands.seed_demo import LARGE
from offers.models import Offer, Referral
from participants.models import CaseNote, FollowUp, GermanLevelRecord, Participant, StatusChange
from placements.models import Placement
from tests.conftest import OWNER_URL, connected_as_owner
from tests.factories import ParticipantFactory


@pytest.fixture
def seeded(db):
    call_command("seed_demo", participants=70, seed=7)


def test_seed_demo_creates_a_realistic_caseload(seeded):
    assert Participant.objects.count() == 70
    assert Employer.objects.count() >= 40
    assert CaseNote.objects.count() >= 70 * 2
    assert StatusChange.objects.count() >= 70
    assert FollowUp.objects.exists()
    assert Placement.objects.exists()
    statuses = set(Participant.objects.values_list("status", flat=True))
    assert len(statuses) >= 6
    assert Participant.objects.filter(first_name="Husein", last_name="Al Qasin").exists()


def test_seed_demo_keeps_every_rule(seeded):
    out = io.StringIO()
    call_command("check_rules", stdout=out)  # raises CommandError naming the rows otherwise
    assert "Alle Datensätze halten alle Regeln ein." in out.getvalue()


def test_seed_demo_internships_last_at_most_four_weeks_and_never_overlap(seeded):
    internships = Placement.objects.filter(kind=Placement.Kind.INTERNSHIP)
    too_long = internships.filter(planned_end__gt=F("planned_start") + datetime.timedelta(days=27))
    assert not too_long.exists()
    per_participant: dict[int, list] = {}
    for p in internships.exclude(state=Placement.State.ABORTED):
        per_participant.setdefault(p.participant_id, []).append((p.start, p.end))
    for periods in per_participant.values():
        periods.sort()
        for (_s1, e1), (s2, _e2) in zip(periods, periods[1:], strict=False):
            assert s2 > e1


def test_seed_demo_closed_cases_have_exit_date_and_reason(seeded):
    closed = Participant.objects.filter(status=Participant.Status.CLOSED)
    assert closed.exists()
    assert not closed.filter(exit_date__isnull=True).exists()
    assert not closed.filter(exit_reason="").exists()


def test_seed_demo_refuses_a_database_with_participants_without_force(seeded):
    with pytest.raises(CommandError):
        call_command("seed_demo", participants=5)
    call_command("seed_demo", participants=5, if_empty=True)
    assert Participant.objects.count() == 70


def test_seed_demo_spreads_a_large_data_set_over_many_caseworkers(db):
    call_command("seed_demo", participants=300, employers=50)
    mine = Participant.objects.filter(caseworker__username="fallmanagement").count()
    assert 50 <= mine <= 100


def test_copy_create_assigns_primary_keys_and_fills_defaults(caseworker):
    participant = ParticipantFactory(caseworker=caseworker)
    notes = copy_create(
        CaseNote,
        [
            CaseNote(
                participant=participant,
                date=datetime.date(2026, 3, day),
                contact_kind=CaseNote.ContactKind.PHONE,
                text=f"Notiz {day}",
                author=caseworker,
            )
            for day in (1, 2, 3)
        ],
    )
    assert all(n.pk for n in notes)
    stored = CaseNote.objects.get(pk=notes[0].pk)
    assert stored.text == "Notiz 1"
    assert stored.confidential is False
    assert stored.created_at is not None
    # The sequence moved on: a normal save does not collide with the copied rows.
    later = CaseNote.objects.create(
        participant=participant,
        date=datetime.date(2026, 3, 4),
        contact_kind=CaseNote.ContactKind.PHONE,
        text="danach",
        author=caseworker,
    )
    assert later.pk > max(n.pk for n in notes)


def test_seed_demo_takes_the_password_from_demo_password(db, monkeypatch):
    from django.contrib.auth import get_user_model

    monkeypatch.setenv("DEMO_PASSWORD", "ein-anderes-passwort-99")
    call_command("seed_demo", participants=3, employers=2)
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password("ein-anderes-passwort-99")
    assert not admin.check_password("demo-passwort-2026")


def test_seed_demo_refers_open_cases_to_offers(seeded):
    assert Offer.objects.catalogue().count() == 7
    states = set(Referral.objects.values_list("state", flat=True))
    assert {"angemeldet", "begonnen"} <= states
    assert not Referral.objects.filter(participant__status="abgeschlossen").exists()
    # a completed B1 course with its certificate is in the level history
    for referral in Referral.objects.filter(state="abgeschlossen"):
        assert GermanLevelRecord.objects.get(pk=referral.level_record_id).level == "B1"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not OWNER_URL, reason="needs the owner role (DATABASE_OWNER_URL)")
def test_a_large_seed_as_the_owner_switches_triggers_off_only_inside_its_transaction():
    """`make bench` seeds as the owner role (no superuser): the owner switches its tables' own
    triggers off inside the seeding transaction and on again before the commit."""
    from django.db import connection

    from fallmanagement.privacy.history import event_model

    with connected_as_owner() as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert cursor.fetchone() == (False,)  # the replication-role path is closed
        out = io.StringIO()
        call_command("seed_demo", participants=LARGE + 1, employers=60, seed=3, stdout=out)
        assert "ohne Zeilen-Trigger" in out.getvalue()  # the fast path was taken
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE NOT t.tgisinternal AND t.tgenabled = 'D'"
            )
            assert cursor.fetchall() == []  # every trigger is on again
    assert Participant.objects.count() == LARGE + 1
    # Seeded without audit events; the data keeps every rule.
    assert not event_model(Participant).objects.exists()
    call_command("check_rules", stdout=io.StringIO())
    # The triggers work again, for the app role as before.
    participant = Participant.objects.order_by("pk").first()
    Participant.objects.filter(pk=participant.pk).update(city="Fulda")
    assert event_model(Participant).objects.filter(pgh_obj_id=participant.pk).exists()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {event_model(Participant)._meta.db_table}")  # noqa: S608
