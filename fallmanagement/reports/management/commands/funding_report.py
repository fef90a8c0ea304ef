"""`manage.py funding_report --from 2026-01-01 --to 2026-12-31 --output bericht.pdf`:
the funding report for scheduled use (cron), as PDF, CSV or XLSX.

The format is the file's extension (`--format` may say it too, but must agree), and the
file is written atomically: a temporary file in the same directory, renamed when complete,
so a failed run never leaves a half-written or wrongly typed report behind.
"""

import datetime
import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fallmanagement.reports.exports import EXPORT_LANGUAGE, build_report, render_report
from fallmanagement.reports.models import ReportKind
from fallmanagement.reports.periods import Period

FORMATS = ("pdf", "csv", "xlsx")


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Ungültiges Datum (erwartet JJJJ-MM-TT): {value}") from error


def output_format(output: Path, requested: str | None) -> str:
    """The format the file gets: its extension decides; `--format` must agree with it."""
    extension = output.suffix.lstrip(".").lower()
    if extension not in FORMATS:
        raise CommandError(
            f"Die Zieldatei muss auf .pdf, .csv oder .xlsx enden (nicht „{output.name}“)."
        )
    if requested and requested != extension:
        raise CommandError(
            f"--format {requested} passt nicht zur Dateiendung .{extension}: bitte "
            f"--output {output.with_suffix('.' + requested).name} angeben oder --format "
            "weglassen."
        )
    return extension


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = "Erstellt den Förderbericht für einen Zeitraum als PDF, CSV oder XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="Beginn, JJJJ-MM-TT")
        parser.add_argument("--to", dest="end", required=True, help="Ende, JJJJ-MM-TT")
        parser.add_argument(
            "--output", required=True, help="Zieldatei (.pdf, .csv oder .xlsx: die Endung zählt)"
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="Format; muss zur Dateiendung passen (ohne Angabe: aus der Dateiendung)",
        )
        parser.add_argument(
            "--kind",
            choices=ReportKind.values,
            default=ReportKind.FUNDER,
            help="foerdergeber (exakte Zahlen, Standard) oder veroeffentlichung "
            "(kleine Fallzahlen geschützt)",
        )
        parser.add_argument(
            "--caseworker", help="Nur die Fälle dieser Fallmanager:in (Benutzername)"
        )

    def handle(self, *args, **options):
        start, end = iso_date(options["start"]), iso_date(options["end"])
        if end < start:
            raise CommandError("Das Ende darf nicht vor dem Beginn liegen.")
        output = Path(options["output"])
        fmt = output_format(output, options["format"])
        if not output.parent.is_dir():
            raise CommandError(f"Das Verzeichnis {output.parent} gibt es nicht.")
        caseworker = None
        if options["caseworker"]:
            try:
                caseworker = get_user_model().objects.get(username=options["caseworker"])
            except get_user_model().DoesNotExist as error:
                raise CommandError("Unbekannte Fallmanager:in.") from error
        period = Period.free(start, end)
        report = build_report(
            period,
            caseworker,
            "manage.py funding_report",
            kind=options["kind"],
            language=EXPORT_LANGUAGE,
        )
        write_atomically(output, render_report(report, fmt))
        self.stdout.write(f"{report.kind_label} {period.label} ({fmt}) geschrieben: {output}")
