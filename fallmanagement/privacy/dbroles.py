"""Least privilege in the database: what the owner role sets up after every `migrate`.

The application connects as a role that owns nothing (DATABASE_URL); the owner role runs the
migrations (DATABASE_OWNER_URL, `manage.py migrate --database owner`). After every migrate
`harden()` (post_migrate, run as the owner) makes sure that

- the application role may SELECT/INSERT/UPDATE/DELETE the tables and use the sequences, for
  new tables too (ALTER DEFAULT PRIVILEGES of the owner), and nothing else;
- the append-only tables (audit trail event tables, access log, security log, issued
  reports) refuse UPDATE,
  DELETE and TRUNCATE twice over: the application role lacks the privilege, and a trigger
  refuses every change unless the current user is the table owner. pgtrigger's own protect
  triggers honour the session variable `pgtrigger.ignore`, which any session may set; this
  trigger looks at `current_user`, which a session of the application role cannot change
  (no SET ROLE to the owner, no superuser for session_replication_role, not the owner for
  ALTER TABLE … DISABLE TRIGGER, DROP TRIGGER or CREATE OR REPLACE FUNCTION);
- retention and erasure prune the trail through one narrow SECURITY DEFINER function owned by
  the owner, `fm_prune_participant_history(participant, kind)`: it deletes only the history
  of a participant who is already erased (kind 'erasure') or anonymised ('anonymised'), and
  writes a security event saying how many entries it removed and for which login role.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections, transaction

from fallmanagement.core.auditing import append_only_models, history_models
from participants.models import Participant

from .history import (
    GRANDCHILDREN,
    PARTICIPANT_CHILDREN,
    event_model,
    protected_uris,
)
from .models import AccessLog, SecurityEvent

TRIGGER_FUNCTION = "fm_append_only"
PRUNE_FUNCTION = "fm_prune_participant_history"
PRUNE_KINDS = (SecurityEvent.Kind.ERASURE, SecurityEvent.Kind.ANONYMISED)


def append_only_tables() -> dict[str, str | None]:
    """Table -> the one column the application may still set to NULL (or None)."""
    tables: dict[str, str | None] = {
        event_model(model)._meta.db_table: None for model in history_models()
    }
    # The access log, the security log, issued funding reports (auditors compare against
    # them) …: whatever registered with core.auditing.keep_append_only.
    for model, nullable in append_only_models().items():
        tables[model._meta.db_table] = (
            model._meta.get_field(nullable).column if nullable is not None else None
        )
    return tables


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Trigger function: refuses UPDATE/DELETE/TRUNCATE unless the current user owns the table (a
# migration, or the owner's SECURITY DEFINER prune function). Qualified names and a fixed
# search_path: a session must not shadow pg_class with a temporary table.
TRIGGER_SQL = f"""
CREATE OR REPLACE FUNCTION public.{TRIGGER_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
    table_owner name;
BEGIN
    SELECT pg_catalog.pg_get_userbyid(c.relowner) INTO table_owner
      FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID;
    IF current_user = table_owner THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND TG_NARGS = 1
       AND (pg_catalog.to_jsonb(NEW) - TG_ARGV[0]) = (pg_catalog.to_jsonb(OLD) - TG_ARGV[0])
       AND pg_catalog.to_jsonb(NEW) -> TG_ARGV[0] = 'null'::jsonb THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Das Protokoll % ist unveränderlich: % verweigert', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$fn$;
"""


def _prune_sql(pgtrigger_ids: list[str]) -> str:
    participant = Participant._meta.db_table
    # Children of placements and notes first: they are found through their parent's events.
    deletes = [
        f"DELETE FROM {_quote(event_model(m)._meta.db_table)} WHERE {column} IN "
        f"(SELECT pgh_obj_id FROM {_quote(event_model(parent)._meta.db_table)} "
        "WHERE participant_id = p_participant)"
        for parent, children, column in GRANDCHILDREN
        for m in children
    ]
    deletes += [
        f"DELETE FROM {_quote(event_model(m)._meta.db_table)} WHERE participant_id = p_participant"
        for m in PARTICIPANT_CHILDREN
    ]
    deletes.append(
        f"DELETE FROM {_quote(event_model(Participant)._meta.db_table)} "
        "WHERE pgh_obj_id = p_participant"
    )
    body = "\n".join(
        f"    {sql};\n    GET DIAGNOSTICS n = ROW_COUNT;\n    total := total + n;"
        for sql in deletes
    )
    ignore = "{" + ",".join(pgtrigger_ids) + "}"
    security = _quote(SecurityEvent._meta.db_table)
    return f"""
CREATE OR REPLACE FUNCTION public.{PRUNE_FUNCTION}(p_participant bigint, p_kind text)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp
AS $fn$
DECLARE
    n integer;
    total integer := 0;
    ignored text := pg_catalog.current_setting('pgtrigger.ignore', true);
BEGIN
    IF p_kind = 'erasure' THEN
        IF EXISTS (SELECT FROM {_quote(participant)} WHERE id = p_participant) THEN
            RAISE EXCEPTION 'Teilnehmende % sind nicht gelöscht', p_participant
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF p_kind = 'anonymised' THEN
        IF NOT EXISTS (SELECT FROM {_quote(participant)}
                        WHERE id = p_participant AND anonymised_at IS NOT NULL) THEN
            RAISE EXCEPTION 'Teilnehmende % sind nicht anonymisiert', p_participant
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSE
        RAISE EXCEPTION 'unbekannter Anlass %', p_kind USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- pgtrigger's protect triggers (the first line of defence) step aside for these deletes.
    PERFORM pg_catalog.set_config('pgtrigger.ignore', '{ignore}', true);
{body}
    PERFORM pg_catalog.set_config('pgtrigger.ignore', coalesce(ignored, ''), true);
    INSERT INTO {security} (at, kind, username, path, participant_id, detail)
    VALUES (now(), p_kind, '', '', p_participant,
            pg_catalog.format('Verlauf gelöscht: %s Einträge ({PRUNE_FUNCTION}, Rolle %s)',
                              total, session_user));
    RETURN total;
END
$fn$;
"""


def _pgtrigger_ids() -> list[str]:
    import pgtrigger.registry

    ids = []
    for model, trigger in pgtrigger.registry.registered(*protected_uris()):
        pgid = trigger.get_pgid(model)
        ids += [pgid, f"{model._meta.db_table}:{pgid}"]  # both forms, as pgtrigger.ignore does
    return sorted(ids)


def harden(using: str = "default", **kwargs) -> None:
    """Install the append-only triggers, the prune function and the application role's
    privileges. Runs after every migrate as the owner; a session that does not own the
    tables (the application role) leaves everything as it is."""
    connection = connections[using]
    tables = append_only_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_get_userbyid(relowner) FROM pg_class "
            "WHERE oid = to_regclass(%s)",
            [AccessLog._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None or row[0] != row[1]:
        return
    owner = row[0]
    app_role = settings.DATABASE_APP_ROLE
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(TRIGGER_SQL)
        for table, nullable_column in tables.items():
            args = f"'{nullable_column}'" if nullable_column else ""
            cursor.execute(
                f"DROP TRIGGER IF EXISTS fm_append_only ON {_quote(table)};"
                f"CREATE TRIGGER fm_append_only BEFORE UPDATE OR DELETE ON {_quote(table)} "
                f"FOR EACH ROW EXECUTE FUNCTION public.{TRIGGER_FUNCTION}({args});"
                f"DROP TRIGGER IF EXISTS fm_append_only_truncate ON {_quote(table)};"
                f"CREATE TRIGGER fm_append_only_truncate BEFORE TRUNCATE ON {_quote(table)} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION public.{TRIGGER_FUNCTION}();"
            )
        cursor.execute(_prune_sql(_pgtrigger_ids()))
        cursor.execute(f"REVOKE ALL ON FUNCTION public.{PRUNE_FUNCTION}(bigint, text) FROM PUBLIC")
        if not app_role or app_role == owner:
            return  # one role for everything (e.g. a superuser URL): nothing to grant
        app = _quote(app_role)
        cursor.execute(
            f"GRANT EXECUTE ON FUNCTION public.{PRUNE_FUNCTION}(bigint, text) TO {app};"
            f"GRANT USAGE ON SCHEMA public TO {app};"
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};"
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};"
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_quote(owner)} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};"
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {_quote(owner)} IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {app};"
        )
        for table, nullable_column in tables.items():
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {app}")
            if nullable_column:
                column = _quote(nullable_column)
                cursor.execute(f"GRANT UPDATE ({column}) ON {_quote(table)} TO {app}")


def prune_participant_history(participant_id: int, kind: str, using: str = "default") -> int:
    """Delete a participant's recorded history through the privileged database function
    (erasure: the participant is deleted; retention: anonymised). Returns the entries removed;
    the function itself writes a security event."""
    if kind not in PRUNE_KINDS:
        raise ValueError(kind)
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT public.{PRUNE_FUNCTION}(%s, %s)", [participant_id, str(kind)])
        return cursor.fetchone()[0]
