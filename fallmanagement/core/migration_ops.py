"""Operations shared by migrations."""

from django.core.management.base import CommandError
from django.db import migrations

_DROP_SQL = """
    DO $$ DECLARE t record; BEGIN
        FOR t IN SELECT tgname FROM pg_trigger
                 WHERE tgrelid = '{table}'::regclass AND tgname LIKE 'pgtrigger_update_%'
        LOOP EXECUTE format('DROP TRIGGER %I ON {table}', t.tgname); END LOOP;
    END $$;
"""


def drop_update_triggers(table: str, *, when_reversed: bool = False) -> migrations.RunSQL:
    """Drop the audit trail's UPDATE trigger of `table` before one of its columns changes.

    PostgreSQL refuses to change a column that a trigger's WHEN clause names; pgtrigger
    installs the trigger again after `migrate` (PGTRIGGER_INSTALL_ON_MIGRATE). Put one call
    before the change and one with `when_reversed=True` after it (for the way back).
    """
    sql = _DROP_SQL.format(table=table)  # a table name from the migration, not user input
    if when_reversed:
        return migrations.RunSQL(migrations.RunSQL.noop, sql)
    return migrations.RunSQL(sql, migrations.RunSQL.noop)


# Every migration of the former app "fallmanagement" (before the apps were nested). The first
# migrations of core, reports and privacy replace them all: a database migrated by the old code
# has them applied and keeps its tables, a new database runs the replacements.
FORMER_APP_MIGRATIONS = [
    ("fallmanagement", "0001_initial"),
    ("fallmanagement", "0002_kldb_reference_data"),
    ("fallmanagement", "0003_audit"),
    ("fallmanagement", "0003_reports"),
    ("fallmanagement", "0004_merge_0003_audit_0003_reports"),
    ("fallmanagement", "0005_german_collation"),
    ("fallmanagement", "0006_report_job_issue"),
]


def refuse_rows_breaking(rules: dict[str, str]) -> migrations.RunPython:
    """Before a migration adds constraints: stop with an explanation (not a stack trace)
    when existing rows break them. `rules` maps a German description of each rule to a
    query returning the ids of the rows that break it (copied into the migration, so it
    stays as it was when the constraint came)."""

    def check(apps, schema_editor):
        found = []
        with schema_editor.connection.cursor() as cursor:
            for description, sql in rules.items():
                cursor.execute(sql)
                ids = [row[0] for row in cursor.fetchall()]
                if ids:
                    shown = ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")
                    found.append(f"  - {description}: {len(ids)} Zeile(n), id {shown}")
        if found:
            raise CommandError(
                "Die Migration kann die neuen Regeln nicht als Datenbank-Bedingung anlegen, "
                "weil vorhandene Daten sie verletzen:\n"
                + "\n".join(found)
                + "\n\nSo finden und korrigieren Sie diese Daten:\n"
                "  1. Den vorigen Stand laufen lassen und `python manage.py check_rules` "
                "aufrufen: es listet jede betroffene Zeile mit dem Link zur Fallakte.\n"
                "  2. Die Daten in der Anwendung korrigieren (z. B. tatsächliche Daten des "
                "Einsatzes, Austrittsdatum).\n"
                "  3. `python manage.py migrate` erneut aufrufen. Es wurde nichts geändert."
            )

    return migrations.RunPython(check, migrations.RunPython.noop, elidable=True)
