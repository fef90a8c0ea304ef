"""`manage.py seed_demo`: a fictional, realistic demo data set and one demo user per role.

Each app contributes its part (`employers.demo`, `participants.demo`, `placements.demo`);
this command only orchestrates. It refuses to touch a database that already holds
participants unless `--force` is given; `--if-empty` makes that a silent no-op (make run).
"""

import os
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from employers import demo as employer_demo
from fallmanagement.core.roles import Role
from offers import demo as offer_demo
from participants import demo as participant_demo
from participants.models import Participant
from placements import demo as placement_demo

# The documented demo login (README); `make run` passes it in DEMO_PASSWORD, which wins.
DEMO_PASSWORD = "demo-passwort-2026"  # noqa: S105


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD


UNUSABLE = "!"
# From this many participants on, seed_demo loads in bulk mode (see skip_row_triggers).
LARGE = 1000

DEMO_USERS = [
    # username, first name, last name, role, is_staff
    ("fallmanagement", "Sabine", "Krüger", Role.CASEWORK, False),
    ("fallmanagement2", "Jonas", "Weber", Role.CASEWORK, False),
    ("berichtswesen", "Petra", "Hoffmann", Role.REPORTING, False),
    ("admin", "Thomas", "Schäfer", Role.ADMINISTRATION, True),
]


class Command(BaseCommand):
    help = "Lädt fiktive Demodaten (Teilnehmende, Betriebe, Einsätze) und Demo-Benutzer:innen."

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=70)
        parser.add_argument("--employers", type=int, default=None)
        parser.add_argument("--seed", type=int, default=2017)
        parser.add_argument(
            "--if-empty", action="store_true", help="Nichts tun, wenn schon Daten da sind."
        )
        parser.add_argument(
            "--force", action="store_true", help="Auch in eine Datenbank mit Daten schreiben."
        )

    def handle(self, *args, **options):
        if Participant.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Datenbank enthält bereits Daten – keine Demodaten geladen.")
                return
            if not options["force"]:
                raise CommandError(
                    "Die Datenbank enthält bereits Teilnehmende. Demodaten werden nur mit "
                    "--force geladen (niemals in eine Produktivdatenbank!)."
                )
        rng = random.Random(options["seed"])
        n_participants = options["participants"]
        n_employers = options["employers"] or max(40, n_participants // 2)
        with transaction.atomic():
            users = self.create_users()
            caseworkers = [u for u in users if u.username.startswith("fallmanagement")]
            if n_participants > 200:
                # Large data sets (benchmark): spread the caseload over more caseworkers.
                caseworkers += self.create_extra_caseworkers(n_participants // 70)
            fast = n_participants > LARGE and self.skip_row_triggers()
            employers = employer_demo.create(rng, n_employers, users)
            participants = participant_demo.create(rng, n_participants, caseworkers)
            placement_demo.create(rng, participants, employers)
            offer_demo.create(rng, participants)
            if fast and self.disabled_tables:
                with connection.cursor() as cursor:
                    for table in self.disabled_tables:
                        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        if n_participants > LARGE:
            # After a bulk load: statistics for the planner, and the visibility map, without
            # which the covering indexes (matching, lists) cannot answer from the index alone.
            with connection.cursor() as cursor:
                # VACUUM cannot run inside a transaction (a caller's atomic block).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        if fast:
            self.stdout.write("Großer Datenbestand: ohne Zeilen-Trigger (Audit-Events) geladen.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodaten geladen: {n_participants} Teilnehmende, {n_employers} Betriebe."
            )
        )

    def skip_row_triggers(self) -> bool:
        """Large data sets (benchmark): no row triggers for the rest of this transaction.

        The audit-trail triggers would write one event per generated row (doubling the work)
        and the deferred foreign-key checks would run millions of lookups at COMMIT. The demo
        data is valid by construction (the tests seed with triggers on); the check, unique
        and exclusion constraints still apply. Needs a superuser (the local cluster); without
        the privilege (the owner role of a deployment-like cluster, `make bench`) the owner
        switches its tables' own triggers off with `ALTER TABLE … DISABLE TRIGGER USER` inside
        this transaction (switched on again before it commits, so no other session ever sees
        them off) and checks foreign keys per statement: with millions of deferred checks
        queued, PostgreSQL's bookkeeping at every savepoint grows quadratically.
        """
        self.disabled_tables = []
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            pass
        else:
            return True
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT DISTINCT quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
                " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE NOT t.tgisinternal AND pg_has_role(c.relowner, 'USAGE')"
                " AND n.nspname = current_schema() ORDER BY 1"
            )
            tables = [row[0] for row in cursor.fetchall()]
            try:
                with transaction.atomic():
                    for table in tables:
                        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            except DatabaseError:
                return False
        self.disabled_tables = tables
        return True

    def create_users(self):
        User = get_user_model()
        users = []
        for username, first, last, role, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": is_staff,
                    "email": f"{username}@example.org",
                },
            )
            if created:
                user.set_password(demo_password())
                user.save()
            user.groups.add(Group.objects.get(name=role))
            users.append(user)
        return users

    def create_extra_caseworkers(self, count):
        User = get_user_model()
        group = Group.objects.get(name=Role.CASEWORK)
        names = [f"fm{i:04d}" for i in range(count)]
        # A second run (--force) reuses the accounts of the first.
        existing = {u.username: u for u in User.objects.filter(username__in=names)}
        extra = User.objects.bulk_create(
            [
                # Unusable password: the extra benchmark accounts cannot log in.
                User(
                    username=name,
                    first_name="Fall",
                    last_name=f"Manager {i}",
                    password=UNUSABLE,
                )
                for i, name in enumerate(names)
                if name not in existing
            ]
        )
        group.user_set.add(*extra)
        return [*existing.values(), *extra]
