"""`manage.py funding_report` for scheduled use."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.factories import ParticipantFactory


@pytest.fixture
def people(caseworker):
    return ParticipantFactory.create_batch(
        4, caseworker=caseworker, entry_date=datetime.date(2025, 3, 1)
    )


def test_command_writes_csv(people, tmp_path):
    out = tmp_path / "bericht.csv"
    call_command("funding_report", "--from", "2025-01-01", "--to", "2025-12-31", "--output", out)
    text = out.read_bytes().decode("utf-8-sig")
    assert "Zeitraum;01.01.2025 – 31.12.2025" in text
    assert "Aktiv im Zeitraum;4" in text


def test_command_writes_xlsx_and_pdf(people, tmp_path):
    xlsx = tmp_path / "bericht.xlsx"
    call_command(
        "funding_report", "--from", "2025-01-01", "--to", "2025-06-30",
        "--output", xlsx, "--format", "xlsx",
    )  # fmt: skip
    assert load_workbook(xlsx).worksheets[1]["B3"].value == 4
    pdf = tmp_path / "bericht.pdf"
    call_command("funding_report", "--from", "2025-01-01", "--to", "2025-06-30", "--output", pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_command_refuses_bad_dates(tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "funding_report", "--from", "2025-13-01", "--to", "2025-12-31",
            "--output", tmp_path / "x.pdf",
        )  # fmt: skip
    with pytest.raises(CommandError):
        call_command(
            "funding_report", "--from", "2025-06-01", "--to", "2025-01-01",
            "--output", tmp_path / "x.pdf",
        )  # fmt: skip


def run(*args):
    call_command("funding_report", "--from", "2025-01-01", "--to", "2025-12-31", *args)


def test_format_and_extension_must_agree(people, tmp_path):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError, match="--format xlsx passt nicht zur Dateiendung .pdf"):
        run("--output", out, "--format", "xlsx")
    assert not out.exists()
    run("--output", out, "--format", "pdf")
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", ["bericht.txt", "bericht", "bericht.pdf.bak"])
def test_an_unknown_extension_is_a_clear_error(people, tmp_path, name):
    with pytest.raises(CommandError, match=r"muss auf \.pdf, \.csv oder \.xlsx enden"):
        run("--output", tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_the_extension_decides_case_insensitively(people, tmp_path):
    out = tmp_path / "BERICHT.XLSX"
    run("--output", out)
    assert out.read_bytes().startswith(b"PK")  # a zip container, not a PDF


def test_a_missing_directory_is_a_clear_error(people, tmp_path):
    with pytest.raises(CommandError, match="gibt es nicht"):
        run("--output", tmp_path / "fehlt" / "x.csv")


def test_a_failed_run_leaves_the_old_file_and_no_half_written_one(people, tmp_path, monkeypatch):
    from fallmanagement.reports.management.commands import funding_report

    out = tmp_path / "bericht.csv"
    out.write_bytes(b"der alte Bericht")

    def broken(report, fmt):
        raise RuntimeError("Abbruch beim Erzeugen")

    monkeypatch.setattr(funding_report, "render_report", broken)
    with pytest.raises(RuntimeError):
        run("--output", out)
    assert out.read_bytes() == b"der alte Bericht"
    assert [p.name for p in tmp_path.iterdir()] == ["bericht.csv"]


def test_writing_replaces_the_file_in_one_step(people, tmp_path):
    out = tmp_path / "bericht.csv"
    out.write_bytes(b"alt")
    run("--output", out)
    assert out.read_bytes().decode("utf-8-sig").startswith("Förderbericht")
    assert [p.name for p in tmp_path.iterdir()] == ["bericht.csv"]  # no temporary file left


def test_the_kind_is_chosen_and_printed(people, tmp_path):
    out = tmp_path / "bericht.csv"
    run("--output", out, "--kind", "veroeffentlichung")
    text = out.read_bytes().decode("utf-8-sig")
    assert "Art des Berichts;Veröffentlichung" in text
    assert "Aktiv im Zeitraum;4" in text  # 4 persons: not small
    run("--output", out)
    assert "Art des Berichts;Bericht an den Fördergeber" in out.read_bytes().decode("utf-8-sig")
