"""Running an import: the column mapping, the dry run and the real run, and the undo.

Both runs do the same work inside one transaction; the dry run rolls it back at the end, so
its per-row results (created / updated / unchanged / error, possible duplicates) are exactly
what the real run will do. A row that breaks a rule is rolled back to its savepoint and
listed; the other rows are written together or not at all. Every write happens inside a
`pghistory.context` naming the import, so the audit trail shows the import as its origin.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import asdict

import pghistory
import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import values as v
from .kinds import HANDLERS, UNDO_MODELS, Column, Handler, RowError, RowResult, plain
from .models import ImportedRecord, ImportRun
from .reading import Table, open_table

# Per-row details kept in the run (errors first); the counts are always complete.
MAX_REPORTED_ROWS = 2000
# Rows per batch: looked up, checked and written together (see kinds.Handler).
CHUNK = 1000


def columns_of(kind: str) -> tuple[Column, ...]:
    return HANDLERS[kind].columns


def _aliases(kind: str) -> dict[str, str]:
    aliases: dict[str, str] = {}
    for column in columns_of(kind):
        for alias in column.aliases:
            aliases.setdefault(v.norm(alias), column.name)
        aliases.setdefault(v.norm(str(column.label)), column.name)
    return aliases


def known_header(kind: str) -> Callable[[str], bool]:
    aliases = _aliases(kind)
    return lambda text: v.norm(text) in aliases


def read(run: ImportRun) -> Table:
    return open_table(bytes(run.content), run.filename, known_header(run.kind))


def suggest_mapping(kind: str, headers: list[str], template: dict | None = None) -> dict:
    """{header: column name or ""}: the template's choice, else the header's words."""
    aliases = _aliases(kind)
    names = {c.name for c in columns_of(kind)}
    mapping, used = {}, set()
    for header in headers:
        chosen = (template or {}).get(header)
        if chosen not in names:
            chosen = aliases.get(v.norm(header), "")
        if chosen in used:
            chosen = ""
        mapping[header] = chosen
        if chosen:
            used.add(chosen)
    return mapping


def mapping_errors(kind: str, mapping: dict) -> list[str]:
    chosen = [name for name in mapping.values() if name]
    problems = []
    labels = {c.name: c.label for c in columns_of(kind)}
    for name in {n for n in chosen if chosen.count(n) > 1}:
        problems.append(_("„%(field)s“ ist mehreren Spalten zugeordnet.") % {"field": labels[name]})
    for column in columns_of(kind):
        if column.required and column.name not in chosen:
            problems.append(_("Es fehlt eine Spalte für „%(field)s“.") % {"field": column.label})
    return problems


class _DryRun(Exception):
    pass


class RunAborted(Exception):
    """The run was declared abandoned (no heartbeat for too long) while this worker still
    worked on it: this worker stops, and its transaction is rolled back."""


class _Progress:
    """Writes the progress and the heartbeat on its own connection, so they are visible while
    the import's transaction is still open (the page polls them)."""

    def __init__(self, run_id: int | None):
        self.run_id = run_id
        self.conn = None

    def __call__(self, percent: int) -> None:
        if self.run_id is None:
            return
        if self.conn is None:
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            self.conn = psycopg.connect(**params, autocommit=True)
        cursor = self.conn.execute(
            "UPDATE imports_importrun SET progress = %s, heartbeat_at = now() "
            "WHERE id = %s AND status = %s",
            (percent, self.run_id, ImportRun.Status.RUNNING),
        )
        if cursor.rowcount == 0:
            raise RunAborted

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def _convert(row: dict, mapping: dict, by_name: dict[str, Column]):
    """({column name: value}, [(header, message)]) for one row."""
    values, errors = {}, []
    for header, name in mapping.items():
        if not name:
            continue
        cell = row.get(header)
        if v.is_empty(cell):
            continue
        try:
            values[name] = by_name[name].convert(cell)
        except ValueError as error:
            errors.append((header, str(error)))
    for column in by_name.values():
        if column.required and column.name in mapping.values() and column.name not in values:
            header = next(h for h, n in mapping.items() if n == column.name)
            if not any(h == header for h, _m in errors):
                errors.append((header, _("Dieses Feld darf nicht leer sein.")))
    return values, errors


def _label(values: dict) -> str:
    """What the row is about, for the preview (a name or a job title)."""
    parts = [values.get(n) for n in ("first_name", "last_name", "name", "job_title")]
    return " ".join(str(p) for p in parts if p)[:200]


def _chunks(rows, size: int):
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def process(
    run: ImportRun, *, dry_run: bool, progress: Callable[[int], None] | None = None
) -> list[RowResult]:
    """Import (or try) every row of the run's file; store the counts in the run.

    The file is read as a stream in batches of CHUNK rows; per batch the handler looks up
    what the rows refer to at once, checks each row, and writes the batch's new records
    together (see `kinds.Handler`). Only the counts and a bounded list of row results are
    kept, so memory does not grow with the file."""
    table = read(run)
    by_name = {c.name: c for c in columns_of(run.kind)}
    header_of = {name: header for header, name in run.mapping.items() if name}
    handler: Handler = HANDLERS[run.kind](run)
    total = table.count_rows() if progress else 0
    counts = {"created": 0, "updated": 0, "unchanged": 0, "error": 0}
    duplicates = 0
    reported: list[RowResult] = []
    done = 0
    try:
        with (
            transaction.atomic(),
            pghistory.context(
                import_run=run.pk,
                import_file=run.filename,
                origin="import",
                user=run.started_by_id,
            ),
        ):
            handler.prepare()
            for chunk in _chunks(table.rows(), CHUNK):
                batch = []
                for number, row in chunk:
                    result = RowResult(row=number)
                    values, errors = _convert(row, run.mapping, by_name)
                    result.label = _label(values)
                    if errors:
                        result.action, result.errors = "error", errors
                    batch.append((result, None if errors else values))
                handler.prefetch([values for _result, values in batch if values is not None])
                for result, values in batch:
                    if values is not None:
                        _apply(handler, values, result)
                handler.flush_batch()
                for result, values in batch:
                    if values is not None and result.action == "error":
                        # The handler names fields; the preview names the file's columns.
                        result.errors = [(header_of.get(f, ""), m) for f, m in result.errors]
                    counts[result.action] += 1
                    duplicates += bool(result.duplicates)
                    if result.action != "unchanged" and len(reported) < MAX_REPORTED_ROWS:
                        reported.append(result)
                done += len(batch)
                if progress and total:
                    progress(min(99, 100 * done // total))
            handler.flush()
            if dry_run:
                raise _DryRun
            if progress:
                # The lease, last time before the commit: a run declared abandoned meanwhile
                # (and perhaps started again) must not be written twice.
                progress(99)
    except _DryRun:
        pass
    reported.sort(key=lambda r: (r.action != "error", r.row))
    ImportRun.objects.filter(pk=run.pk).update(
        created=counts["created"],
        updated=counts["updated"],
        unchanged=counts["unchanged"],
        errors=counts["error"],
        duplicates=duplicates,
        rows=[asdict(r) for r in reported],
        status=ImportRun.Status.PREVIEWED if dry_run else ImportRun.Status.DONE,
        progress=100,
        finished_at=None if dry_run else timezone.now(),
    )
    run.refresh_from_db()
    return reported


def _apply(handler: Handler, values: dict, result: RowResult) -> None:
    """One row; a refused row is listed with its messages (keyed by field) and not stored.
    Kinds that write row by row get a savepoint per row (an employer and its contact)."""
    try:
        if handler.batched:
            result.action = handler.apply(values, result)
        else:
            with transaction.atomic():
                result.action = handler.apply(values, result)
        handler.row_done()
    except RowError as error:
        handler.row_failed()
        result.action, result.errors = "error", list(error.errors)
    except (ValidationError, DatabaseError) as error:
        handler.row_failed()
        result.action = "error"
        result.errors = [("", "; ".join(getattr(error, "messages", [str(error)])))]


def run_in_background(run_id: int, *, dry_run: bool) -> None:
    """What the background task does (tasks.py): process with progress, record a failure."""
    run = ImportRun.objects.select_related("started_by").get(pk=run_id)
    ImportRun.objects.filter(pk=run_id).update(
        status=ImportRun.Status.RUNNING, progress=1, heartbeat_at=timezone.now()
    )
    reporter = _Progress(run_id)
    try:
        process(run, dry_run=dry_run, progress=reporter)
    except RunAborted:
        return
    except Exception as error:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportRun.Status.FAILED, failure=str(error)[:500]
        )
        raise
    finally:
        reporter.close()


def expire_stale_runs() -> int:
    """Mark running imports without a heartbeat for IMPORT_STALE_MINUTES as "abgebrochen"
    (checked when the import pages are shown: no scheduler needed). Nothing of such a run was
    written (one transaction, never committed); it can be started again."""
    cutoff = timezone.now() - datetime.timedelta(minutes=settings.IMPORT_STALE_MINUTES)
    return (
        ImportRun.objects.filter(status=ImportRun.Status.RUNNING)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
        .update(
            status=ImportRun.Status.ABORTED,
            failure=_("Der Import hat sich nicht mehr gemeldet (Hintergrundprozess beendet)."),
        )
    )


# --- undo ------------------------------------------------------------------------------------


def _records(run: ImportRun) -> Iterator[ImportedRecord]:
    # Newest first: contact persons before their employer, later rows before earlier ones.
    return run.records.order_by("-pk").iterator()


def undo_problems(run: ImportRun) -> list[str]:
    """Why the run cannot be undone (empty when it can): edited since, or built upon."""
    if run.status != ImportRun.Status.DONE:
        return [_("Nur ein abgeschlossener Import kann rückgängig gemacht werden.")]
    problems = []
    for record in _records(run):
        model = UNDO_MODELS[record.model]
        obj = model.objects.filter(pk=record.object_id).first()
        if obj is None:
            problems.append(
                _("%(what)s Nr. %(id)s wurde inzwischen gelöscht.")
                % {"what": model._meta.verbose_name, "id": record.object_id}
            )
        elif any(plain(getattr(obj, f)) != value for f, value in record.after.items()):
            problems.append(
                _("%(what)s „%(obj)s“ wurde seit dem Import bearbeitet.")
                % {"what": model._meta.verbose_name, "obj": obj}
            )
        elif record.action == ImportedRecord.Action.CREATED and _has_later_entries(obj, run):
            problems.append(
                _("Zu %(what)s „%(obj)s“ wurde seit dem Import etwas erfasst.")
                % {"what": model._meta.verbose_name, "obj": obj}
            )
        if len(problems) >= 10:
            break
    return problems


def _has_later_entries(obj, run: ImportRun) -> bool:
    """Did anybody attach something to a record this run created (notes, placements …)?"""
    own = {(r.model, r.object_id) for r in run.records.only("model", "object_id")}
    for relation in obj._meta.related_objects:
        label = relation.related_model._meta.label_lower
        if not relation.one_to_many or label.startswith("privacy."):  # the audit trail
            continue
        for pk in getattr(obj, relation.get_accessor_name()).values_list("pk", flat=True)[:50]:
            if (label, pk) not in own:
                return True
    return False


def undo(run: ImportRun, user) -> None:
    """Delete what the run created and put back what it changed; raises ValidationError."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        problems = undo_problems(run)
        if problems:
            raise ValidationError(problems)
        with pghistory.context(undo_import=run.pk, origin="import-undo"):
            for record in _records(run):
                model = UNDO_MODELS[record.model]
                if record.action == ImportedRecord.Action.CREATED:
                    model.objects.filter(pk=record.object_id).delete()
                else:
                    obj = model.objects.get(pk=record.object_id)
                    for name, value in record.before.items():
                        field = model._meta.get_field(name)
                        setattr(obj, field.attname, field.to_python(value))
                    if hasattr(obj, "version"):
                        obj.version += 1
                    obj.save()
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportRun.Status.UNDONE, undone_at=timezone.now(), undone_by=user
        )
