"""`manage.py import_data FILE --kind … [--dry-run]`."""

import pytest
from django.core.management import CommandError, call_command

from fallmanagement.imports.models import ImportRun
from participants.models import Participant

from .files import csv_bytes

ROWS = [
    ["Nr.", "Nachname", "Vorname", "Geburtsdatum"],
    ["TN-1", "Haddad", "Rana", "14.03.1995"],
    ["TN-2", "Yilmaz", "Ahmet", "31.02.1988"],
]


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "liste.csv"
    path.write_bytes(csv_bytes(ROWS, encoding="cp1252"))
    return path


def test_dry_run_writes_nothing_and_lists_errors(sheet, administrator, capsys):
    call_command(
        "import_data",
        str(sheet),
        "--kind",
        "teilnehmende",
        "--dry-run",
        "--user",
        administrator.username,
    )
    out = capsys.readouterr().out
    assert "Zeile 3: Geburtsdatum: „31.02.1988“ ist kein gültiges Datum (TT.MM.JJJJ)." in out
    assert "Probelauf" in out and "1 neu" in out and "1 Fehler" in out
    assert not Participant.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.PREVIEWED


def test_real_run_then_again_is_unchanged(sheet, administrator, capsys):
    args = [str(sheet), "--kind", "teilnehmende", "--user", administrator.username]
    call_command("import_data", *args)
    call_command("import_data", *args)
    out = capsys.readouterr().out
    assert "0 neu, 0 geändert, 1 unverändert, 1 Fehler" in out
    assert list(Participant.objects.values_list("last_name", flat=True)) == ["Haddad"]


def test_unreadable_file_is_a_command_error(tmp_path, administrator):
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="Die Datei ist leer."):
        call_command(
            "import_data", str(path), "--kind", "teilnehmende", "--user", administrator.username
        )
