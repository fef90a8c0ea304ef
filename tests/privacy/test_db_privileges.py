"""Least privilege: as the application role no log row can be changed or removed, by any
route a session has (privileges, triggers, session variables, roles, DDL); retention and
erasure still prune through the owner's narrow function, which leaves a record."""

import dj_database_url
import pytest
from django.db import DatabaseError, connection, transaction

from fallmanagement.privacy import gdpr
from fallmanagement.privacy.dbroles import PRUNE_FUNCTION, _pgtrigger_ids, append_only_tables
from fallmanagement.privacy.history import event_model
from fallmanagement.privacy.models import AccessLog, SecurityEvent
from participants.models import Participant
from tests.conftest import OWNER_URL
from tests.factories import CaseNoteFactory, ParticipantFactory

pytestmark = pytest.mark.skipif(
    not OWNER_URL, reason="one role for everything (DATABASE_OWNER_URL not set, see make test)"
)

OWNER = dj_database_url.parse(OWNER_URL)["USER"] if OWNER_URL else ""
LOGS = [
    AccessLog._meta.db_table,
    SecurityEvent._meta.db_table,
    event_model(Participant)._meta.db_table,
]


@pytest.fixture
def logged(participant, caseworker):
    """One row in each log table."""
    AccessLog.objects.create(
        user=caseworker,
        username=caseworker.username,
        action="view",
        participant_id=participant.pk,
        object_type="participant",
        path="/",
    )
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.LOGIN, username=caseworker.username)
    return participant


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608
        return cursor.fetchone()[0]


def _refused(*statements: str) -> None:
    """Run the statements in a savepoint; one of them must fail."""
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def test_application_role_is_no_superuser_and_owns_nothing(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls, "
            "(SELECT count(*) FROM pg_class WHERE relowner = r.oid), "
            "(SELECT count(*) FROM pg_proc WHERE proowner = r.oid), "
            "pg_has_role(current_user, %s, 'MEMBER') "
            "FROM pg_roles r WHERE rolname = current_user",
            [OWNER],
        )
        assert cursor.fetchone() == (False, False, False, False, 0, 0, False)


@pytest.mark.parametrize("table", sorted(append_only_tables()))
def test_every_append_only_table_is_guarded_by_privilege_and_trigger(db, table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE'), "
            "has_table_privilege(%s, 'TRUNCATE'), has_table_privilege(%s, 'INSERT'), "
            "(SELECT array_agg(tgname ORDER BY tgname) FROM pg_trigger "
            " WHERE tgrelid = %s::regclass AND tgname LIKE 'fm_append_only%%' AND tgenabled = 'O')",
            [table] * 5,
        )
        assert cursor.fetchone() == (
            False, False, False, True, ["fm_append_only", "fm_append_only_truncate"]
        )  # fmt: skip


def _attacks(table: str) -> dict[str, list[str]]:
    ignore = "{" + ",".join(_pgtrigger_ids()) + "}"
    t = f'"{table}"'
    return {
        "update": [f"UPDATE {t} SET id = id"],
        "delete": [f"DELETE FROM {t}"],
        "truncate": [f"TRUNCATE {t}"],
        "truncate cascade": [f"TRUNCATE {t} CASCADE"],
        "disable trigger": [f"ALTER TABLE {t} DISABLE TRIGGER ALL", f"DELETE FROM {t}"],
        "disable our trigger": [
            f"ALTER TABLE {t} DISABLE TRIGGER fm_append_only",
            f"DELETE FROM {t}",
        ],
        "drop trigger": [f"DROP TRIGGER fm_append_only ON {t}", f"DELETE FROM {t}"],
        "replication role": ["SET LOCAL session_replication_role = replica", f"DELETE FROM {t}"],
        "pgtrigger.ignore": [f"SET LOCAL pgtrigger.ignore = '{ignore}'", f"DELETE FROM {t}"],
        "set_config": [
            f"SELECT set_config('pgtrigger.ignore', '{ignore}', false)",
            f"DELETE FROM {t}",
        ],
        "made-up setting": ["SET LOCAL fm.append_only = 'off'", f"DELETE FROM {t}"],
        "set role owner": [f'SET ROLE "{OWNER}"', f"DELETE FROM {t}"],
        "session authorization": [f'SET SESSION AUTHORIZATION "{OWNER}"', f"DELETE FROM {t}"],
        "replace trigger function": [
            "CREATE OR REPLACE FUNCTION public.fm_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
            f"DELETE FROM {t}",
        ],
        "own function": [
            "CREATE FUNCTION public.fm_wipe() RETURNS void LANGUAGE sql SECURITY DEFINER "
            f"AS $$ DELETE FROM {t} $$",
            "SELECT public.fm_wipe()",
        ],
        "take ownership": [f"ALTER TABLE {t} OWNER TO CURRENT_USER", f"DELETE FROM {t}"],
        "rename": [f"ALTER TABLE {t} RENAME TO fm_gone"],
        "drop table": [f"DROP TABLE {t} CASCADE"],
        "shadow pg_class": [
            "CREATE TEMP TABLE pg_class AS SELECT oid, relowner FROM pg_catalog.pg_class",
            "SET LOCAL search_path = pg_temp, public",
            f"DELETE FROM {t}",
        ],
    }


ATTACKS = sorted(_attacks("x"))


@pytest.mark.parametrize("table", LOGS)
@pytest.mark.parametrize("attack", ATTACKS)
def test_application_role_cannot_change_or_remove_a_log_row(logged, table, attack):
    before = _count(table)
    assert before > 0
    _refused(*_attacks(table)[attack])
    assert _count(table) == before


def test_access_log_allows_only_forgetting_a_deleted_user(logged, no_role_user):
    entry = AccessLog.objects.create(
        user=no_role_user, username="ohnerolle", action="view", object_type="x", path="/"
    )
    _refused(f"UPDATE fallmanagement_accesslog SET path = 'x' WHERE id = {entry.pk}")
    _refused(
        f"UPDATE fallmanagement_accesslog SET user_id = NULL, path = 'x' WHERE id = {entry.pk}"
    )
    no_role_user.delete()  # ON DELETE SET NULL, the one update the log allows
    entry.refresh_from_db()
    assert entry.user_id is None and entry.path == "/"


def test_prune_function_refuses_the_history_of_a_live_participant(logged):
    events = event_model(Participant).objects.filter(pgh_obj_id=logged.pk)
    assert events.exists()
    _refused(f"SELECT {PRUNE_FUNCTION}({logged.pk}, 'erasure')")
    _refused(f"SELECT {PRUNE_FUNCTION}({logged.pk}, 'anonymised')")
    _refused(f"SELECT {PRUNE_FUNCTION}({logged.pk}, 'whatever')")
    assert events.exists()


def _prune_records(participant_id: int):
    return SecurityEvent.objects.filter(
        participant_id=participant_id, detail__startswith="Verlauf gelöscht"
    )


def test_erasure_prunes_the_history_and_the_database_records_it(logged, administrator):
    CaseNoteFactory(participant=logged, text="vertraulich")
    pk = logged.pk
    gdpr.erase(logged, administrator)
    assert not event_model(Participant).objects.filter(pgh_obj_id=pk).exists()
    record = _prune_records(pk).get()
    assert record.kind == SecurityEvent.Kind.ERASURE
    assert record.detail.endswith(f"Rolle {connection.settings_dict['USER']})")
    # The access log and the security log are not touched by pruning.
    assert AccessLog.objects.filter(participant_id=pk).exists()


def test_retention_prunes_the_history_and_the_database_records_it(caseworker):
    participant = ParticipantFactory(caseworker=caseworker)
    CaseNoteFactory(participant=participant, text="vertraulich")
    gdpr.anonymise(participant)
    assert (
        not event_model(Participant)
        .objects.filter(pgh_obj_id=participant.pk, first_name=participant.first_name)
        .exists()
    )
    assert _prune_records(participant.pk).get().kind == SecurityEvent.Kind.ANONYMISED
