"""Faults: a multi-row save is atomic, and backup/restore round-trips the database."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import DatabaseError, connection

from participants.models import FollowUp, Participant, StatusChange
from participants.workflow import change_status
from tests.conftest import OWNER_URL
from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def followup_fault(django_db_setup, django_db_blocker):
    """A real database fault on demand: inserting a follow-up fails while the session variable
    fm.test_fault is on. DDL is the owner's business: the trigger is made (and removed) on a
    connection of the owner role, outside every test's transaction."""
    install = [
        "CREATE OR REPLACE FUNCTION fm_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF current_setting('fm.test_fault', true) = 'on' THEN "
        "RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$",
        "CREATE OR REPLACE TRIGGER fm_test_fail BEFORE INSERT ON participants_followup "
        "FOR EACH ROW EXECUTE FUNCTION fm_test_fail()",
    ]
    remove = [
        "DROP TRIGGER IF EXISTS fm_test_fail ON participants_followup",
        "DROP FUNCTION IF EXISTS fm_test_fail()",
    ]
    with django_db_blocker.unblock():
        url = _owner_url(connection.settings_dict["NAME"])
    with psycopg.connect(url, autocommit=True) as owner:
        for sql in install:
            owner.execute(sql)
    yield
    with psycopg.connect(url, autocommit=True) as owner:
        for sql in remove:
            owner.execute(sql)


@pytest.mark.django_db
@pytest.mark.usefixtures("followup_fault")
def test_error_half_way_through_closing_a_case_leaves_nothing_behind(participant, caseworker):
    # The last of the rows written by change_status fails.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL fm.test_fault = 'on'")
    version = participant.version
    with pytest.raises(DatabaseError, match="injected fault"):
        change_status(
            participant,
            Participant.Status.CLOSED,
            caseworker,
            on=datetime.date(2026, 11, 1),
            exit_reason=Participant.ExitReason.values[0],
        )
    fresh = Participant.objects.get(pk=participant.pk)
    assert fresh.status == Participant.Status.INTAKE
    assert fresh.exit_date is None and fresh.version == version
    assert not StatusChange.objects.filter(participant=participant).exists()
    assert not FollowUp.objects.filter(participant=participant).exists()


def _db_url(name: str) -> str:
    """The DATABASE_URL of this run with another database name (same cluster, same user)."""
    base = urlsplit(os.environ.get("DATABASE_URL", "postgresql://localhost/fallmanagement"))
    return urlunsplit(base._replace(path=f"/{name}"))


def _owner_url(name: str) -> str:
    """The owner role's URL for another database (the app role when there is only one)."""
    if not OWNER_URL:
        return _db_url(name)
    return urlunsplit(urlsplit(OWNER_URL)._replace(path=f"/{name}"))


def _counts(url: str, tables: list[str]) -> dict:
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)  # noqa: S608
    out = subprocess.run(  # noqa: S603
        ["psql", url, "-At", "-F", "=", "-c", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split("=") for line in out.strip().splitlines())


@pytest.mark.skipif(not shutil.which("pg_dump") or not shutil.which("make"), reason="no pg_dump")
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_into_a_fresh_database(caseworker):
    for _ in range(3):
        p = ParticipantFactory(caseworker=caseworker)
        CaseNoteFactory(participant=p)
        PlacementFactory(participant=p)
    source = _db_url(connection.settings_dict["NAME"])
    target_name = f"fm_restore_{os.getpid()}"
    target = _db_url(target_name)
    tables = [
        "participants_participant",
        "participants_casenote",
        "placements_placement",
        "employers_employer",
        "auth_user",
        "fallmanagement_participantevent",
        "fallmanagement_kldbgroup",
    ]
    # Backup and restore run as the owner (pg_dump must read everything, pg_restore creates).
    env = {
        **os.environ,
        "DATABASE_URL": source,
        "DATABASE_OWNER_URL": _owner_url(connection.settings_dict["NAME"]),
    }
    backup = subprocess.run(  # noqa: S603
        ["make", "backup", f"BACKUP_DIR={ROOT / 'backups'}"],  # noqa: S607
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert backup.returncode == 0, backup.stderr
    dump = Path(re.search(r"Sicherung: (\S+)", backup.stdout).group(1))
    # Social data: only the owner of the backup directory may read it.
    assert dump.stat().st_mode & 0o777 == 0o600
    assert dump.parent.stat().st_mode & 0o777 == 0o700
    subprocess.run(  # noqa: S603
        ["psql", env["DATABASE_OWNER_URL"], "-c", f'CREATE DATABASE "{target_name}"'],  # noqa: S607
        check=True,
        capture_output=True,
    )
    try:
        restore = subprocess.run(  # noqa: S603
            ["make", "restore", f"FILE={dump}"],  # noqa: S607
            cwd=ROOT,
            env={
                **os.environ,
                "DATABASE_URL": target,
                "DATABASE_OWNER_URL": _owner_url(target_name),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restore.returncode == 0, restore.stderr
        expected = _counts(source, tables)
        assert expected["participants_participant"] == "3"
        assert _counts(target, tables) == expected
    finally:
        subprocess.run(  # noqa: S603
            ["psql", env["DATABASE_OWNER_URL"], "-c", f'DROP DATABASE IF EXISTS "{target_name}"'],  # noqa: S607
            capture_output=True,
        )
        dump.unlink(missing_ok=True)
