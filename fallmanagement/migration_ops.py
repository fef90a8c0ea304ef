"""Operations shared by migrations."""

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
