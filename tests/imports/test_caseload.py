"""A caseworker exports the cases visible to them; the export imports again (round trip)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportKind, ImportRun
from fallmanagement.privacy.models import AccessLog
from participants.models import Participant

from ..factories import ParticipantFactory


@pytest.fixture
def cases(caseworker, other_caseworker):
    mine = ParticipantFactory(
        caseworker=caseworker,
        first_name="Rana",
        last_name="Haddad",
        date_of_birth=datetime.date(1995, 3, 14),
        city='=HYPERLINK("http://x")',
        entry_date=datetime.date(2026, 2, 1),
    )
    shared = ParticipantFactory(caseworker=other_caseworker, first_name="Omar", last_name="Ali")
    shared.shared_with.add(caseworker)
    ParticipantFactory(caseworker=other_caseworker, first_name="Nora", last_name="Fremd")
    return mine, shared


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_caseworker_exports_own_and_shared_cases_only(caseworker_client, cases):
    response = caseworker_client.get(reverse("participants:caseload_export", args=["csv"]))
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0][:3] == ["Eigene Nummer (Schlüssel)", "Nachname", "Vorname"]
    assert sorted(r[1] for r in rows[1:]) == ["Ali", "Haddad"]
    haddad = next(r for r in rows if r[1] == "Haddad")
    assert haddad[4] == "14.03.1995"
    assert haddad[5] == "weiblich"
    assert haddad[6] == "Syrien"
    # A formula is neutralised in the export.
    assert haddad[rows[0].index("Ort")] == '\'=HYPERLINK("http://x")'
    assert AccessLog.objects.filter(action="export", user__username="sabine").exists()


def test_xlsx_export_keeps_formulas_as_text(caseworker_client, cases):
    response = caseworker_client.get(reverse("participants:caseload_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    city = values[0].index("Ort")
    haddad = next(r for r in values if r[1] == "Haddad")
    assert haddad[city] == '=HYPERLINK("http://x")'
    cell = next(row for row in sheet.iter_rows() if row[1].value == "Haddad")[city]
    assert cell.data_type == "s"


@pytest.mark.parametrize("client_fixture", ["reporter_client", "no_role_client"])
def test_others_may_not_export(request, client_fixture, cases):
    client = request.getfixturevalue(client_fixture)
    response = client.get(reverse("participants:caseload_export", args=["csv"]))
    assert response.status_code == 403


def test_unknown_format_is_404(caseworker_client):
    response = caseworker_client.get(reverse("participants:caseload_export", args=["pdf"]))
    assert response.status_code == 404


def test_export_imports_again_unchanged(admin_client_role, administrator, caseworker, cases):
    response = admin_client_role.get(reverse("participants:caseload_export", args=["xlsx"]))
    Participant.objects.all().delete()
    run = ImportRun(
        kind=ImportKind.PARTICIPANTS,
        filename="faelle.xlsx",
        content=response.content,
        started_by=administrator,
    )
    run.mapping = engine.suggest_mapping(run.kind, engine.read(run).headers)
    run.save()
    assert all(run.mapping.values()), run.mapping
    engine.process(run, dry_run=False)
    assert (run.created, run.errors) == (3, 0), run.rows
    rana = Participant.objects.get(first_name="Rana")
    assert (rana.last_name, rana.date_of_birth, rana.caseworker, rana.entry_date) == (
        "Haddad",
        datetime.date(1995, 3, 14),
        caseworker,
        datetime.date(2026, 2, 1),
    )
    assert rana.city == '=HYPERLINK("http://x")'
