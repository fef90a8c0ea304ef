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
