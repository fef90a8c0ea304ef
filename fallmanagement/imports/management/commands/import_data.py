"""`manage.py import_data FILE --kind teilnehmende [--dry-run] [--user NAME]`: the import
from the command line, with the mapping the headers suggest (or a saved template)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportKind, ImportRun, MappingTemplate
from fallmanagement.imports.reading import UnreadableFile


class Command(BaseCommand):
    help = "Importiert Teilnehmende, Betriebe, Netzwerkpartner oder Einsätze aus XLSX/CSV."

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX- oder CSV-Datei")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts speichern")
        parser.add_argument("--template", help="Name einer gespeicherten Zuordnungsvorlage")
        parser.add_argument(
            "--user",
            help="Benutzername, dem der Import zugerechnet wird (Standard: erster Superuser)",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Datei nicht gefunden: {path}")
        user = self._user(options["user"])
        run = ImportRun(
            kind=options["kind"], filename=path.name, content=path.read_bytes(), started_by=user
        )
        try:
            table = engine.read(run)
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        template = None
        if options["template"]:
            found = MappingTemplate.objects.filter(kind=run.kind, name=options["template"]).first()
            if found is None:
                raise CommandError(f"Keine Vorlage „{options['template']}“.")
            template = found.mapping
        run.mapping = engine.suggest_mapping(run.kind, table.headers, template)
        problems = engine.mapping_errors(run.kind, run.mapping)
        if problems:
            raise CommandError(" ".join(problems))
        ignored = [h for h, name in run.mapping.items() if not name]
        if ignored:
            self.stdout.write("Nicht zugeordnete Spalten: " + ", ".join(ignored))
        run.save()
        rows = engine.process(run, dry_run=options["dry_run"])
        for row in rows:
            if row.action == "error":
                for header, message in row.errors:
                    self.stdout.write(f"Zeile {row.row}: {header or '–'}: {message}")
        self.stdout.write(
            f"{'Probelauf' if options['dry_run'] else 'Import'} #{run.pk}: {run.created} neu, "
            f"{run.updated} geändert, {run.unchanged} unverändert, {run.errors} Fehler, "
            f"{run.duplicates} mögliche Dubletten"
        )

    def _user(self, username):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"Kein Benutzer „{username}“.")
            return user
        user = User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("Bitte --user angeben (es gibt keinen Superuser).")
        return user
