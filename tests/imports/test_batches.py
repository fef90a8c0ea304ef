"""The import in batches: rows checked against each other across batches by the one rule
function, the row-by-row fallback when the database refuses a batch, and a 100 MB upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bench import imports as bench
from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportedRecord, ImportKind, ImportRun
from placements.models import Placement

from ..factories import EmployerFactory
from .files import csv_bytes
from .test_engine import ROWS, make_run

HEADER = ["TN-Nr", "Betrieb", "Art", "Tätigkeit", "Beginn", "Ende", "Rechtsgrundlage", "Stand"]


def internship(key, employer, start, end, title="Lager"):
    return [key, employer, "Praktikum", title, start, end, "MiLoG", "geplant"]


@pytest.fixture
def imported(administrator, caseworker):
    engine.process(make_run(administrator, csv_bytes(ROWS)), dry_run=False)
    EmployerFactory(name="Metallbau Schmidt", postcode="34117")
    EmployerFactory(name="Bäckerei Jung", postcode="34117")


def test_rows_are_checked_against_earlier_batches(administrator, imported, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 2)
    rows = [
        HEADER,
        internship("TN-1", "Metallbau Schmidt", "01.04.2026", "20.04.2026"),
        internship("TN-2", "Bäckerei Jung", "01.04.2026", "20.04.2026"),
        # batch 2: overlaps TN-1's internship from batch 1 (written already)
        internship("TN-1", "Bäckerei Jung", "15.04.2026", "30.04.2026", title="Verkauf"),
        # § 22 MiLoG chain with batch 1's: 01.04.–20.04., then 01.07.–28.07. (within 3 months
        # of the end) reaches past 30.06., the last day of the third month
        internship("TN-1", "Metallbau Schmidt", "01.07.2026", "28.07.2026", title="Montage"),
        # batch 3: the same employer after a gap of more than three months: a new chain
        internship("TN-1", "Metallbau Schmidt", "02.11.2026", "20.11.2026", title="Schweißen"),
    ]
    run = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    out = engine.process(run, dry_run=False)
    assert (run.created, run.errors) == (3, 2)
    errors = {r.row: r.errors for r in out if r.action == "error"}
    assert errors[4][0][0] == "Beginn" and "schon ein Praktikum" in errors[4][0][1]
    assert errors[5][0][0] == "Rechtsgrundlage"
    assert "bis 30.06.2026" in errors[5][0][1]
    assert sorted(Placement.objects.values_list("job_title", flat=True)) == [
        "Lager",
        "Lager",
        "Schweißen",
    ]


def test_a_batch_the_database_refuses_is_written_row_by_row(administrator, imported, monkeypatch):
    # As if a rule had missed the overlap: the exclusion constraint refuses the batch's COPY,
    # the fallback writes row by row and lists the refused row with the database's message.
    monkeypatch.setattr(Placement, "rule_errors", lambda self, others=None: {})
    rows = [
        HEADER,
        internship("TN-1", "Metallbau Schmidt", "01.04.2026", "20.04.2026"),
        internship("TN-1", "Bäckerei Jung", "10.04.2026", "25.04.2026", title="Verkauf"),
        internship("TN-2", "Bäckerei Jung", "01.04.2026", "20.04.2026"),
    ]
    run = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    out = engine.process(run, dry_run=False)
    assert (run.created, run.errors) == (2, 1)
    assert out[0].row == 3
    assert out[0].errors == [
        ("", "Für diese:n Teilnehmende:n gibt es in diesem Zeitraum schon ein Praktikum.")
    ]
    assert Placement.objects.count() == 2
    assert ImportedRecord.objects.filter(run=run).count() == 2


def test_dry_run_of_batches_writes_nothing(administrator, imported, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 1)
    rows = [
        HEADER,
        internship("TN-1", "Metallbau Schmidt", "01.04.2026", "20.04.2026"),
        internship("TN-1", "Bäckerei Jung", "10.04.2026", "25.04.2026"),
    ]
    run = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    engine.process(run, dry_run=True)
    assert (run.created, run.errors, run.status) == (1, 1, ImportRun.Status.PREVIEWED)
    assert not Placement.objects.exists()


def test_same_file_twice_changes_nothing(administrator, imported, monkeypatch):
    monkeypatch.setattr(engine, "CHUNK", 2)
    employers = ["Metallbau Schmidt", "Bäckerei Jung"]
    rows = [HEADER] + [
        internship("TN-1", employers[m % 2], f"0{m}.0{m}.2026", f"1{m}.0{m}.2026")
        for m in range(4, 8)
    ]
    first = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    engine.process(first, dry_run=False)
    again = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    engine.process(again, dry_run=False)
    assert (first.created, again.created, again.unchanged, again.errors) == (4, 0, 4, 0)
    assert Placement.objects.count() == 4


def test_upload_of_100_mb_is_refused_and_nothing_stored(admin_client_role):
    content = b"Nachname;Vorname\r\n" + b"Haddad;Rana\r\n" * (100 * 1024 * 1024 // 13)
    upload = SimpleUploadedFile("gross.csv", content, content_type="text/csv")
    response = admin_client_role.post(
        reverse("imports:index"), {"kind": ImportKind.PARTICIPANTS, "file": upload}
    )
    assert response.status_code == 400
    assert "zu groß" in response.text
    assert not ImportRun.objects.exists()


def test_the_size_bench_files_import_cleanly_in_small(administrator):
    # `make bench-import` at 1 % of its size: its real-looking files import without errors.
    counts = []
    for kind, content in (
        (ImportKind.EMPLOYERS, bench.employers_csv()),
        (ImportKind.PARTICIPANTS, bench.participants_xlsx(50)),
        (ImportKind.PLACEMENTS, bench.placements_csv(50, 200)),
    ):
        run = make_run(
            administrator,
            content,
            kind=kind,
            filename="x.xlsx" if kind == ImportKind.PARTICIPANTS else "x.csv",
        )
        engine.process(run, dry_run=False)
        counts.append((run.created, run.errors))
    assert counts == [(300, 0), (50, 0), (200, 0)]
