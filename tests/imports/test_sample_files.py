"""The real-looking sample files under tests/data/imports/ import as expected."""

import datetime
from pathlib import Path

from employers.models import ContactPerson, Employer
from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportKind, ImportRun
from participants.models import Participant
from placements.models import Placement

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"


def _run(user, name, kind):
    run = ImportRun(kind=kind, filename=name, content=(DATA / name).read_bytes(), started_by=user)
    run.mapping = engine.suggest_mapping(kind, engine.read(run).headers)
    run.save()
    return run, engine.process(run, dry_run=False)


def test_participants_from_excel_csv(administrator, caseworker):
    run, rows = _run(administrator, "teilnehmende_excel.csv", ImportKind.PARTICIPANTS)
    assert all(run.mapping.values())  # every German header found its field
    assert (run.created, run.errors) == (4, 1)
    # Row 7 of the file (title row and header above): 30.02. does not exist.
    assert rows[0].row == 7
    assert rows[0].errors == [
        ("Geburtsdatum", "„30.02.1992“ ist kein gültiges Datum (TT.MM.JJJJ).")
    ]
    farid = Participant.objects.get(last_name="Ahmadi")
    assert (farid.residence_status, farid.gender, farid.caseworker) == (
        "gestattung",
        "maennlich",
        caseworker,
    )
    olena = Participant.objects.get(last_name="Kovalenko")
    assert (olena.residence_status, olena.country_of_origin.code, olena.german_level) == (
        "schutz_24",
        "UA",
        "B2",
    )
    mehret = Participant.objects.get(last_name="Tesfaye")
    assert (mehret.residence_status, mehret.entry_date) == (
        "ae_subsidiaer",
        datetime.date(2026, 4, 1),
    )


def test_employers_from_utf8_comma_csv(administrator):
    run, _rows = _run(administrator, "betriebe_utf8_komma.csv", ImportKind.EMPLOYERS)
    assert (run.created, run.errors) == (3, 0)
    hofmann = Employer.objects.get(name="Metallbau Hofmann GmbH")
    assert (hofmann.legal_form, hofmann.state, hofmann.capacity) == ("gmbh", "aktiv", 2)
    assert sorted(ContactPerson.objects.filter(employer=hofmann).values_list("name", "role")) == [
        ("Jörg Hofmann", "Geschäftsführung"),
        ("Sevgi Kaya", "Ausbilderin"),
    ]
    assert Employer.objects.get(name="Bäckerei Schäfer").state == "interessiert"


def test_placements_from_excel_csv_with_title_row(administrator, caseworker):
    _run(administrator, "teilnehmende_excel.csv", ImportKind.PARTICIPANTS)
    _run(administrator, "betriebe_utf8_komma.csv", ImportKind.EMPLOYERS)
    run, rows = _run(administrator, "einsaetze_excel.csv", ImportKind.PLACEMENTS)
    assert (run.created, run.errors) == (3, 2)
    errors = {r.row: r.errors for r in rows if r.action == "error"}
    # Row 5: before TN-004's entry on 10.01.2026; row 6: § 22 MiLoG, with row 3's internship
    # at the same employer the chain reaches past 01.06.2026 (three months from 02.03.).
    assert errors[5] == [
        (
            "Beginn",
            "Der Einsatz kann nicht vor dem Eintritt in das Programm (10.01.2026) beginnen.",
        )
    ]
    assert errors[6][0][0] == "Rechtsgrundlage"
    assert "ab 02.03.2026 also bis 01.06.2026" in errors[6][0][1]
    haddad = Placement.objects.filter(participant__last_name="Haddad").order_by("planned_start")
    assert [(p.kind, p.job_title, p.state) for p in haddad] == [
        ("orientierungspraktikum", "Metallbauer:in (Helfer:in)", "beendet"),
        ("ausbildung", "Metallbauer:in", "geplant"),
    ]
    assert Placement.objects.get(participant__last_name="Ahmadi").employer.name == (
        "Bäckerei Schäfer"
    )
