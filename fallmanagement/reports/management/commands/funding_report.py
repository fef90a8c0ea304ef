"""`manage.py funding_report --from 2026-01-01 --to 2026-12-31 --output bericht.pdf`:
the funding report for scheduled use (cron), as PDF, CSV or XLSX."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from fallmanagement.reports.exports import EXPORT_LANGUAGE, Report, render_report, scope_label
from fallmanagement.reports.figures import compute_report
from fallmanagement.reports.periods import Period


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Ungültiges Datum (erwartet JJJJ-MM-TT): {value}") from error


class Command(BaseCommand):
    help = "Erstellt den Förderbericht für einen Zeitraum als PDF, CSV oder XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="Beginn, JJJJ-MM-TT")
        parser.add_argument("--to", dest="end", required=True, help="Ende, JJJJ-MM-TT")
        parser.add_argument("--output", required=True, help="Zieldatei")
        parser.add_argument(
            "--format",
            choices=("pdf", "csv", "xlsx"),
            help="Format (ohne Angabe aus der Dateiendung, sonst pdf)",
        )
        parser.add_argument(
            "--caseworker", help="Nur die Fälle dieser Fallmanager:in (Benutzername)"
        )

    def handle(self, *args, **options):
        start, end = iso_date(options["start"]), iso_date(options["end"])
        if end < start:
            raise CommandError("Das Ende darf nicht vor dem Beginn liegen.")
        output = Path(options["output"])
        fmt = options["format"] or output.suffix.lstrip(".").lower()
        if fmt not in ("pdf", "csv", "xlsx"):
            fmt = "pdf"
        caseworker = None
        if options["caseworker"]:
            try:
                caseworker = get_user_model().objects.get(username=options["caseworker"])
            except get_user_model().DoesNotExist as error:
                raise CommandError("Unbekannte Fallmanager:in.") from error
        with translation.override(EXPORT_LANGUAGE):
            period = Period.free(start, end)
            report = Report(
                period=period,
                scope_label=scope_label(caseworker),
                created_by="manage.py funding_report",
                tables=compute_report(period, caseworker),
            )
        output.write_bytes(render_report(report, fmt))
        self.stdout.write(f"Förderbericht {period.label} ({fmt}) geschrieben: {output}")
