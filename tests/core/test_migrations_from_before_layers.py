"""A database made by the code before the apps were nested migrates forward with every row.

tests/data/pre_layers_demo.sql.gz is a plain pg_dump of a populated demo database made by
commit bdbd404 (the last one before the layers): demo data, access log, security events, an
issued report, report jobs, audit events, a 2FA device, an erased participant.
pre_layers_counts.json holds its row count per table, pre_layers_triggers.txt its triggers.
The test restores it into a scratch database, runs `manage.py migrate` of today's code on it
and compares.
"""

import gzip
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
# Models added by migrations after the dump was made: their tables, and the content types (one
# per model) and permissions (four per model) that come with them.
LATER_MODELS = 2  # participants.CaseShareChange, privacy.CaseShareChangeEvent
LATER_TABLES = {"participants_casesharechange", "fallmanagement_casesharechangeevent"}
LATER_TRIGGERS = {
    ("participants_casesharechange", "pgtrigger_insert_insert"),
    ("participants_casesharechange", "pgtrigger_update_update"),
    ("participants_casesharechange", "pgtrigger_delete_delete"),
    ("fallmanagement_casesharechangeevent", "pgtrigger_append_only"),
}
ADDED_ROWS = {"django_content_type": LATER_MODELS, "auth_permission": 4 * LATER_MODELS}


def _admin_conninfo() -> str:
    """Connection string of the server the tests run on, to the maintenance database."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    params.pop("options", None)
    params["dbname"] = "postgres"
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if v is not None and k != "pool"}
    )


def _url_of(conninfo: str, dbname: str) -> str:
    parts = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = parts.get("user", "")
    password = f":{parts['password']}" if parts.get("password") else ""
    host = parts.get("host", "")
    port = f"&port={parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{password}@/{dbname}?host={host}{port}"


def _counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def _triggers(conninfo: str) -> set[tuple[str, str]]:
    """(table, trigger name without pgtrigger's hash, which depends on the app label)."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()
    return {(table, re.sub(r"_[0-9a-f]{5}$", "", name)) for table, name in rows}


@pytest.fixture
def old_database(django_db_blocker):
    name = f"fm_pre_layers_{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        admin = _admin_conninfo()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    target = psycopg.conninfo.make_conninfo(admin, dbname=name)
    try:
        # psql of older PostgreSQL releases does not know pg_dump's \restrict lines.
        sql = "\n".join(
            line
            for line in gzip.decompress((DATA / "pre_layers_demo.sql.gz").read_bytes())
            .decode()
            .splitlines()
            if not line.startswith(("\\restrict", "\\unrestrict"))
        )
        subprocess.run(  # noqa: S603
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", target],  # noqa: S607
            input=sql,
            text=True,
            check=True,
            capture_output=True,
            timeout=120,
        )
        yield target, _url_of(admin, name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_database_of_the_old_code_migrates_forward_keeping_every_row(old_database):
    conninfo, url = old_database
    expected = json.loads((DATA / "pre_layers_counts.json").read_text())
    assert _counts(conninfo) == expected  # the dump is what the counts say

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "core.0001_initial" not in result.stdout  # replaced migrations: marked, not run

    after = _counts(conninfo)
    for table, rows in expected.items():
        if table == "django_migrations":
            assert after[table] > rows
        elif table in ADDED_ROWS:
            assert after[table] == rows + ADDED_ROWS[table], table
        else:
            assert after[table] == rows, table
    assert set(after) == set(expected) | LATER_TABLES  # no table lost, only later ones added

    old_triggers = {
        (table, re.sub(r"_[0-9a-f]{5}$", "", name))
        for table, name in (
            line.split("|") for line in (DATA / "pre_layers_triggers.txt").read_text().split()
        )
    }
    # the audit trail and append-only triggers (and those of the models added later)
    assert _triggers(conninfo) == old_triggers | LATER_TRIGGERS

    with psycopg.connect(conninfo) as conn:
        labels = {row[0] for row in conn.execute("SELECT app_label FROM django_content_type")}
        assert "fallmanagement" not in labels
        assert {"core", "reports", "privacy"} <= labels
        # the report permission moved with the model that carries it
        assert conn.execute(
            "SELECT ct.app_label FROM auth_permission p JOIN django_content_type ct "
            "ON ct.id = p.content_type_id WHERE p.codename = 'view_funding_reports'"
        ).fetchall() == [("reports",)]
