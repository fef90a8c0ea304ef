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

from tests.conftest import OWNER_URL

DATA = Path(__file__).resolve().parents[1] / "data"
# Tables that gain rows on any migrate that adds models (their permissions, content types).
GROW_WITH_NEW_MODELS = {"auth_permission", "auth_group_permissions", "django_content_type"}
ROOT = Path(__file__).resolve().parents[2]


def _admin_conninfo() -> str:
    """Connection string of the server the tests run on, to the maintenance database, as the
    owner role where there is one (the application role may not create databases)."""
    if OWNER_URL:
        return psycopg.conninfo.make_conninfo(OWNER_URL, dbname="postgres")
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


# What later migrations add to the old database, on purpose.
ADDED_TABLES = {
    # KldB 2010 Berufsgruppen/-untergruppen/-gattungen (144 + 702 + 1 300) and the wishes.
    "core_kldboccupation": 2146,
    "participants_participant_interest_occupations": 0,
}


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

    # migrate runs as the owner, granting to the application role (as `make` does).
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1"}
    if OWNER_URL:
        env["DATABASE_APP_ROLE"] = connection.settings_dict["USER"]
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
        elif table in GROW_WITH_NEW_MODELS:
            assert after[table] > rows, table
        else:
            assert after[table] == rows, table
    assert set(expected) <= set(after)  # no table lost
    # Tables added since the dump belong to models of today's code (added by later migrations).
    added = set(after) - set(expected)
    assert added <= set(connection.introspection.django_table_names(include_views=False))
    for table, rows in ADDED_TABLES.items():
        assert after[table] == rows, table
    # The two-digit fields are kept and marked for refinement (no finer KldB code yet).
    with psycopg.connect(conninfo) as conn:
        for table in ("employers_employerfield", "participants_vocationalexperience"):
            kept = conn.execute(
                f"SELECT count(*) FILTER (WHERE kldb_group_id IS NOT NULL AND "  # noqa: S608
                f"kldb_occupation_id IS NULL), count(*) FROM {table}"
            ).fetchone()
            assert kept[0] == kept[1] == expected[table], table

    old_triggers = {
        (table, re.sub(r"_[0-9a-f]{5}$", "", name))
        for table, name in (
            line.split("|") for line in (DATA / "pre_layers_triggers.txt").read_text().split()
        )
    }
    triggers = _triggers(conninfo)
    assert old_triggers <= triggers  # the audit trail and append-only triggers
    # New triggers: those of new tables, and the database guard of the append-only tables
    # (fallmanagement.privacy.dbroles, set up after every migrate).
    guard = {"fm_append_only", "fm_append_only_truncate"}
    assert {table for table, name in triggers - old_triggers if name not in guard} <= added

    with psycopg.connect(conninfo) as conn:
        labels = {row[0] for row in conn.execute("SELECT app_label FROM django_content_type")}
        assert "fallmanagement" not in labels
        assert {"core", "reports", "privacy"} <= labels
        # the report permission moved with the model that carries it
        assert conn.execute(
            "SELECT ct.app_label FROM auth_permission p JOIN django_content_type ct "
            "ON ct.id = p.content_type_id WHERE p.codename = 'view_funding_reports'"
        ).fetchall() == [("reports",)]
