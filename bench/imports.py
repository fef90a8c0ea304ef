"""`python -m bench.imports [--participants 5000 --placements 20000]` (`make bench-import`):
size test of the import, end to end through the background worker.

Creates a fresh database (DATABASE_URL's server, database `--db-name`, dropped first) and
writes real-looking files as a programme's spreadsheets are: employers (CSV, semicolons,
Windows-1252), participants (XLSX with a title row above the header) and their placements
(CSV, Windows-1252), German headers throughout. Each file is imported as the upload page does
it for a large file: dry run, then real run, each queued as the `import_job` task and run by
`manage.py db_worker --batch` in its own process. Printed per run: the time from queueing to
"fertig" (worker start included), the worker's peak resident memory (ru_maxrss of that
process) and the counts; the load of the machine (`uptime`) before and after.
"""

import argparse
import csv
import datetime
import io
import os
import resource
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMPLOYERS = 300
LAST_NAMES = [
    "Haddad",
    "Rahimi",
    "Yousef",
    "Ahmadi",
    "Mohammadi",
    "Hosseini",
    "Tesfaye",
    "Gebremedhin",
    "Kovalenko",
    "Shevchenko",
    "Al-Hassan",
    "Nasser",
    "Karimi",
    "Osman",
    "Abdi",
    "Hussein",
    "Ibrahim",
    "Mahmoud",
    "Saleh",
    "Bakr",
    "Yilmaz",
    "Demir",
    "Kaya",
    "Sahin",
    "Bondarenko",
    "Melnyk",
    "Tkachenko",
    "Popescu",
    "Ionescu",
    "Rostami",
]
FIRST_NAMES = [
    "Omar",
    "Rana",
    "Zahra",
    "Ahmad",
    "Fatima",
    "Mohammad",
    "Ali",
    "Amina",
    "Yonas",
    "Selam",
    "Olena",
    "Andrii",
    "Mariam",
    "Hassan",
    "Layla",
    "Yusuf",
    "Aisha",
    "Samir",
    "Nour",
    "Tesfay",
    "Dawit",
    "Iryna",
    "Khalid",
    "Hiba",
    "Mustafa",
    "Sara",
    "Reza",
    "Parisa",
]
COUNTRIES = ("Syrien", "Afghanistan", "Eritrea", "Ukraine", "Irak", "Iran", "Türkei", "Somalia")
TOWNS = (("34117", "Kassel"), ("34225", "Baunatal"), ("34246", "Vellmar"), ("34233", "Fuldatal"))
TRADES = (
    ("Bäckerei", "Bäckereifachverkäufer:in"),
    ("Autohaus", "Kfz-Mechatroniker:in (Helfer:in)"),
    ("Pflegedienst", "Pflegehelfer:in"),
    ("Gartenbau", "Gärtner:in (Helfer:in)"),
    ("Elektro", "Elektroniker:in (Helfer:in)"),
    ("Logistik", "Fachlagerist:in"),
)


def employers_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(["Betriebe im Netzwerk, Stand 01.12.2026"])
    w.writerow(
        ["Nr.", "Betrieb", "Straße", "PLZ", "Ort", "Branche", "Praktikumsplätze", "Partnerschaft"]
    )
    for i in range(EMPLOYERS):
        trade, _job = TRADES[i % len(TRADES)]
        postcode, town = TOWNS[i % len(TOWNS)]
        w.writerow(
            [
                f"B-{i:04d}",
                f"{trade} {LAST_NAMES[i % len(LAST_NAMES)]} & Söhne {i}",
                f"Königsstraße {i % 90 + 1}",
                postcode,
                town,
                trade,
                50,
                "aktiver Partner",
            ]
        )
    return out.getvalue().encode("cp1252")


def participants_xlsx(n: int) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Teilnehmende")
    ws.append(["Teilnehmendenliste Projekt WIR, Export aus der Excel-Liste"])
    ws.append(
        [
            "Nr.",
            "Nachname",
            "Vorname",
            "Geburtsdatum",
            "Geschlecht",
            "Herkunftsland",
            "Deutschkenntnisse",
            "Eintritt",
            "PLZ",
            "Wohnort",
            "Nachweise vorhanden",
        ]
    )
    for i in range(n):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=(i * 37) % 12000)
        postcode, town = TOWNS[i % len(TOWNS)]
        ws.append(
            [
                f"TN-{i:05d}",
                f"{LAST_NAMES[i % len(LAST_NAMES)]}-{i // len(LAST_NAMES)}",
                FIRST_NAMES[(i * 7) % len(FIRST_NAMES)],
                born.strftime("%d.%m.%Y"),
                "w" if i % 2 else "m",
                COUNTRIES[i % len(COUNTRIES)],
                ("A1", "A2", "B1")[i % 3],
                "02.01.2023",
                postcode,
                town,
                "ja" if i % 3 else "nein",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def placements_csv(participants: int, placements: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(
        [
            "Nr.",
            "TN-Nr",
            "Betrieb-Nr",
            "Art",
            "Tätigkeit",
            "Beginn",
            "Ende",
            "Rechtsgrundlage",
            "Stand",
            "Vereinbarung",
            "Unfallversicherung",
        ]
    )
    per = max(1, placements // participants)
    for i in range(participants):
        for k in range(per):
            # One internship every five weeks, each at another employer (no MiLoG chain).
            start = datetime.date(2023, 2, 6) + datetime.timedelta(days=35 * k + i % 20)
            end = start + datetime.timedelta(days=18)
            employer = (i + 37 * k) % EMPLOYERS
            w.writerow(
                [
                    f"E-{i:05d}-{k}",
                    f"TN-{i:05d}",
                    f"B-{employer:04d}",
                    "Praktikum",
                    TRADES[employer % len(TRADES)][1],
                    start.strftime("%d.%m.%Y"),
                    end.strftime("%d.%m.%Y"),
                    "MiLoG",
                    "beendet",
                    (start - datetime.timedelta(days=7)).strftime("%d.%m.%Y"),
                    (start - datetime.timedelta(days=3)).strftime("%d.%m.%Y"),
                ]
            )
    return out.getvalue().encode("cp1252")


def uptime() -> str:
    return subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True).stdout.strip()


def fresh_database(base_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def peak_rss_kb(pid: int) -> int:
    """VmHWM: the peak resident memory of the process (since its exec), in KB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_worker(env: dict) -> int:
    """One `db_worker --batch` process; returns its peak resident memory in KB.

    Read from /proc while it runs (ru_maxrss of a child would include the memory of this
    process at the fork)."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, peak_rss_kb(process.pid))
        time.sleep(0.1)
    if process.returncode:
        print(process.stderr.read().decode()[-2000:], file=sys.stderr)
        raise SystemExit(f"db_worker ended with status {process.returncode}")
    return peak


def import_file(kind, filename, content, user, env) -> dict:
    from fallmanagement.imports import engine
    from fallmanagement.imports.models import ImportRun
    from fallmanagement.imports.tasks import import_job

    run = ImportRun(kind=kind, filename=filename, content=content, started_by=user)
    run.mapping = engine.suggest_mapping(kind, engine.read(run).headers)
    run.save()
    figures = {}
    for dry_run in (True, False):
        began = time.perf_counter()
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED, progress=0)
        import_job.enqueue(run.pk, dry_run)
        peak_kb = run_worker(env)
        seconds = time.perf_counter() - began
        run.refresh_from_db()
        label = "Probelauf" if dry_run else "Import"
        print(
            f"{kind:14} {label:9} {len(content) / 1e6:5.2f} MB  {seconds:6.1f} s  "
            f"Worker max. RSS {peak_kb / 1024:6.0f} MB  neu={run.created} geändert={run.updated} "
            f"unverändert={run.unchanged} Fehler={run.errors} Stand={run.status}",
            flush=True,
        )
        if run.errors:
            print("  erste Fehler:", [r["errors"] for r in run.rows[:3]])
        figures[label] = seconds
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--placements", type=int, default=20000)
    parser.add_argument("--db-name", default="fallmanagement_importbench")
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        print("DATABASE_URL is not set (make bench-import sets it).", file=sys.stderr)
        return 2
    print("Last vorher:", uptime())
    url = fresh_database(base_url, args.db_name)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "fallmanagement.settings"}
    env.pop("DATABASE_OWNER_URL", None)
    env.pop("DJANGO_DEBUG", None)  # production settings, as `make serve`
    env.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    env["TASKS_IMMEDIATE"] = "0"
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from fallmanagement.imports.models import ImportKind

    call_command("migrate", interactive=False, verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="import-bench")
    files = [
        (ImportKind.EMPLOYERS, "betriebe.csv", employers_csv()),
        (ImportKind.PARTICIPANTS, "teilnehmende.xlsx", participants_xlsx(args.participants)),
        (
            ImportKind.PLACEMENTS,
            "einsaetze.csv",
            placements_csv(args.participants, args.placements),
        ),
    ]
    total = 0.0
    began = time.perf_counter()
    for kind, name, content in files:
        total += sum(import_file(kind, name, content, user, env).values())
    print(
        f"gesamt {time.perf_counter() - began:.1f} s ({args.participants} Teilnehmende, "
        f"{args.placements} Einsätze, Probeläufe eingeschlossen); "
        f"dieser Prozess max. RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )
    print("Last nachher:", uptime())
    return 0


if __name__ == "__main__":
    sys.exit(main())
