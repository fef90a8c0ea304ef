"""`python -m bench.imports [--participants 5000 --placements 20000]`: size test of the import.

Writes a participants XLSX and a placements CSV (German headers, semicolons, Windows-1252),
imports employers, participants and placements into the database of DATABASE_URL through the
background task's code path (`engine.run_in_background`, with progress), and prints the time
and the peak Python memory (tracemalloc) of each run. Use an empty database: it adds rows.
"""

import argparse
import csv
import datetime
import io
import os
import time
import tracemalloc

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fallmanagement.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from fallmanagement.imports import engine  # noqa: E402
from fallmanagement.imports.models import ImportKind, ImportRun  # noqa: E402

EMPLOYERS = 300


def employers_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["Nr.", "Betrieb", "PLZ", "Ort", "Partnerschaft", "Praktikumsplätze"])
    for i in range(EMPLOYERS):
        w.writerow(
            [f"B-{i}", f"Betrieb Nr. {i} GmbH", f"{34000 + i:05d}", "Kassel", "aktiver Partner", 50]
        )
    return out.getvalue().encode("cp1252")


def participants_xlsx(n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["Teilnehmendenliste"])
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
        ]
    )
    for i in range(n):
        born = datetime.date(1970, 1, 1) + datetime.timedelta(days=(i * 37) % 12000)
        ws.append(
            [
                f"TN-{i}",
                f"Nachname{i}",
                "Rana" if i % 2 else "Omar",
                born.strftime("%d.%m.%Y"),
                "w" if i % 2 else "m",
                ("Syrien", "Afghanistan", "Eritrea", "Türkei")[i % 4],
                "A2",
                "01.02.2025",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def placements_csv(participants: int, placements: int) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
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
    per = placements // participants
    for i in range(participants):
        for k in range(per):
            start = datetime.date(2024, 1, 1) + datetime.timedelta(days=35 * k)
            end = start + datetime.timedelta(days=20)
            w.writerow(
                [
                    f"E-{i}-{k}",
                    f"TN-{i}",
                    f"B-{(i + k) % EMPLOYERS}",
                    "Praktikum",
                    "Helfer:in",
                    start.strftime("%d.%m.%Y"),
                    end.strftime("%d.%m.%Y"),
                    "MiLoG",
                    "beendet",
                    start.strftime("%d.%m.%Y"),
                    start.strftime("%d.%m.%Y"),
                ]
            )
    return out.getvalue().encode("cp1252")


def run(kind, filename, content, user):
    r = ImportRun(kind=kind, filename=filename, content=content, started_by=user)
    r.mapping = engine.suggest_mapping(kind, engine.read(r).headers)
    r.save()
    tracemalloc.start()
    began = time.perf_counter()
    engine.run_in_background(r.pk, dry_run=False)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    r.refresh_from_db()
    print(
        f"{kind:16} {len(content) / 1e6:6.2f} MB file  {seconds:6.1f} s  peak "
        f"{peak / 1e6:6.1f} MB  created={r.created} errors={r.errors} progress={r.progress}"
    )
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--placements", type=int, default=20000)
    args = parser.parse_args()
    user, _ = get_user_model().objects.get_or_create(username="import-bench")
    total = run(ImportKind.EMPLOYERS, "betriebe.csv", employers_csv(), user)
    total += run(
        ImportKind.PARTICIPANTS, "teilnehmende.xlsx", participants_xlsx(args.participants), user
    )
    total += run(
        ImportKind.PLACEMENTS,
        "einsaetze.csv",
        placements_csv(args.participants, args.placements),
        user,
    )
    print(f"total {total:.1f} s")


if __name__ == "__main__":
    main()
