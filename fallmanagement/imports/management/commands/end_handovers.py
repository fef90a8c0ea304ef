"""`manage.py end_handovers` (daily, cron): end the handover periods of reassigned cases."""

from django.core.management.base import BaseCommand

from fallmanagement.imports.reassignment import end_handovers


class Command(BaseCommand):
    help = "Beendet abgelaufene Übergabezeiträume neu zugewiesener Fälle."

    def handle(self, *args, **options):
        self.stdout.write(f"{end_handovers()} Übergabe(n) beendet.")
