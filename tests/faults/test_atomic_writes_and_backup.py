"""Faults: a multi-row save is atomic, and backup/restore round-trips the database."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import DatabaseError, connection

from participants.models import FollowUp, Participant, StatusChange
from participants.workflow import change_status
from tests.factories import CaseNoteFactory, ParticipantFactory, PlacementFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_error_half_way_through_closing_a_case_leaves_nothing_behind(participant, caseworker):
    # Inject a real database fault: the last of the rows written by change_status fails.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION fm_test_fail() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER fm_test_fail BEFORE INSERT ON participants_followup "
            "FOR EACH ROW EXECUTE FUNCTION fm_test_fail()"
        )
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
    env = {**os.environ, "DATABASE_URL": source}
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
    subprocess.run(  # noqa: S603
        ["psql", source, "-c", f'CREATE DATABASE "{target_name}"'],  # noqa: S607
        check=True,
        capture_output=True,
    )
    try:
        restore = subprocess.run(  # noqa: S603
            ["make", "restore", f"FILE={dump}"],  # noqa: S607
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": target},
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
            ["psql", source, "-c", f'DROP DATABASE IF EXISTS "{target_name}"'],  # noqa: S607
            capture_output=True,
        )
        dump.unlink(missing_ok=True)
