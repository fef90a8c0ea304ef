"""Anonymise closed cases whose exit lies longer ago than RETENTION_DAYS (dry run by default)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand

from fallmanagement.privacy.gdpr import anonymise, due_for_anonymisation, retention_cutoff


class Command(BaseCommand):
    help = (
        "Anonymisiert abgeschlossene Fälle, deren Austritt länger als RETENTION_DAYS zurückliegt. "
        "Ohne --apply nur Probelauf."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="wirklich anonymisieren")
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, default=None, help="Stichtag (Tests)"
        )

    def handle(self, *args, apply: bool = False, today=None, **options):
        cutoff = retention_cutoff(today)
        due = list(due_for_anonymisation(today).order_by("pk").only("pk", "exit_date"))
        mode = "Anonymisierung" if apply else "Probelauf (nichts geändert, --apply zum Ausführen)"
        self.stdout.write(
            f"{mode}: {len(due)} abgeschlossene Fälle mit Austritt vor {cutoff:%d.%m.%Y} "
            f"(Frist {settings.RETENTION_DAYS} Tage)."
        )
        for participant in due:
            # Ids and dates only: the log carries no names.
            self.stdout.write(
                f"  Teilnehmende Nr. {participant.pk}, Austritt {participant.exit_date:%d.%m.%Y}"
            )
            if apply:
                anonymise(participant)
        if apply:
            self.stdout.write(self.style.SUCCESS(f"{len(due)} Fälle anonymisiert."))
