"""`manage.py check_rules`: list the rows of this database that break a rule of a case.

Each rule is re-checked in plain SQL (the RULE_CHECKS of participants.workflow and
placements.workflow), so rows written before a rule existed, or past the application, are
found too. Prints one line per row with a link to the case file; exits with status 1 when it
found something (for monitoring), 0 when every row keeps every rule.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from participants import workflow as case_rules
from placements import workflow as placement_rules


def rule_checks():
    return (*case_rules.RULE_CHECKS, *placement_rules.RULE_CHECKS)


def breaking_rows(check) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(check.sql, {"today": timezone.localdate()})
        return sorted(set(cursor.fetchall()))


class Command(BaseCommand):
    help = "Listet Datensätze, die eine Regel verletzen, mit Link zur Fallakte."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default=getattr(settings, "SITE_URL", ""),
            help="Anfang der Links, z. B. https://fallmanagement.example.de",
        )

    def handle(self, *args, base_url: str = "", **options):
        base_url = base_url.rstrip("/")
        total = 0
        for check in rule_checks():
            rows = breaking_rows(check)
            if not rows:
                continue
            total += len(rows)
            self.stdout.write(f"{check.description} [{check.name}]: {len(rows)}")
            for participant_id, row_id in rows:
                link = base_url + reverse("participants:detail", args=[participant_id])
                self.stdout.write(f"  Fall {participant_id}, Zeile {row_id}: {link}")
        if total:
            raise CommandError(
                f"{total} Zeile(n) verletzen eine Regel. Bitte in der Fallakte korrigieren."
            )
        self.stdout.write("Alle Datensätze halten alle Regeln ein.")
