"""The import engine: reading, mapping, dry run, real run, idempotency, rules, undo."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from employers.models import ContactPerson, Employer, NetworkPartner
from fallmanagement.imports import engine
from fallmanagement.imports.models import ImportedRecord, ImportKind, ImportRun
from fallmanagement.imports.reading import UnreadableFile
from fallmanagement.privacy.history import event_model
from participants.models import CaseNote, Participant
from placements.models import Placement

from ..factories import EmployerFactory, ParticipantFactory
from .files import PARTICIPANT_HEADER, csv_bytes, xlsx_bytes

ROWS = [
    PARTICIPANT_HEADER,
    ["TN-1", "Haddad", "Rana", "14.03.1995", "w", "Syrien", "B1", "01.02.2026", "sabine", "ja"],
    ["TN-2", "Yilmaz", "Ahmet", "02.11.1988", "Herr", "Türkei", "A2", "15.03.2026", "", "nein"],
]


def make_run(user, content, kind=ImportKind.PARTICIPANTS, filename="liste.csv", mapping=None):
    run = ImportRun(kind=kind, filename=filename, content=content, started_by=user)
    table = engine.read(run)
    run.mapping = mapping or engine.suggest_mapping(kind, table.headers)
    run.save()
    return run


def test_header_words_map_to_fields(administrator):
    run = make_run(administrator, csv_bytes(ROWS))
    assert run.mapping == {
        "Nr.": "key",
        "Nachname": "last_name",
        "Vorname": "first_name",
        "Geburtsdatum": "date_of_birth",
        "Geschlecht": "gender",
        "Herkunftsland": "country_of_origin",
        "Deutschkenntnisse": "german_level",
        "Eintritt": "entry_date",
        "Fallmanager:in": "caseworker_id",
        "Nachweise vorhanden": "has_documents",
    }


def test_dry_run_reports_rows_and_writes_nothing(administrator, caseworker):
    run = make_run(administrator, csv_bytes(ROWS))
    rows = engine.process(run, dry_run=True)
    assert [(r.row, r.action) for r in rows] == [(2, "created"), (3, "created")]
    assert (run.created, run.updated, run.unchanged, run.errors) == (2, 0, 0, 0)
    assert run.status == ImportRun.Status.PREVIEWED
    assert not Participant.objects.exists()
    assert not ImportedRecord.objects.exists()


def test_real_run_converts_values(administrator, caseworker):
    run = make_run(administrator, csv_bytes(ROWS))
    engine.process(run, dry_run=False)
    rana = Participant.objects.get(last_name="Haddad")
    assert rana.first_name == "Rana"
    assert rana.date_of_birth == datetime.date(1995, 3, 14)
    assert rana.gender == Participant.Gender.FEMALE
    assert rana.country_of_origin.code == "SY"
    assert rana.german_level == "B1"
    assert rana.entry_date == datetime.date(2026, 2, 1)
    assert rana.caseworker == caseworker
    assert rana.has_documents is True
    ahmet = Participant.objects.get(last_name="Yilmaz")
    assert (ahmet.gender, ahmet.country_of_origin.code, ahmet.has_documents) == (
        "maennlich",
        "TR",
        False,
    )
    assert ahmet.caseworker is None
    assert run.status == ImportRun.Status.DONE


def test_same_file_again_changes_nothing(administrator, caseworker):
    engine.process(make_run(administrator, csv_bytes(ROWS)), dry_run=False)
    again = make_run(administrator, csv_bytes(ROWS))
    engine.process(again, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Participant.objects.count() == 2


def test_changed_row_updates_the_record_found_by_its_key(administrator, caseworker):
    engine.process(make_run(administrator, csv_bytes(ROWS)), dry_run=False)
    changed = [ROWS[0], [*ROWS[1][:6], "B2", *ROWS[1][7:]], ROWS[2]]
    changed[1][1] = "Haddad-Ali"  # the key keeps it the same person despite the new name
    run = make_run(administrator, csv_bytes(changed))
    engine.process(run, dry_run=False)
    assert (run.created, run.updated, run.unchanged) == (0, 1, 1)
    rana = Participant.objects.get(first_name="Rana")
    assert (rana.last_name, rana.german_level, rana.version) == ("Haddad-Ali", "B2", 2)


def test_without_key_name_and_birth_date_match(administrator, caseworker):
    existing = ParticipantFactory(
        first_name="Rana",
        last_name="Haddad",
        date_of_birth=datetime.date(1995, 3, 14),
        german_level="B1",
        caseworker=caseworker,
    )
    rows = [
        ["Nachname", "Vorname", "Geburtsdatum", "Deutsch"],
        ["HADDAD", "rana", "14.03.1995", "B2"],
    ]
    run = make_run(administrator, csv_bytes(rows))
    engine.process(run, dry_run=False)
    assert (run.created, run.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.german_level == "B2"


def test_possible_duplicate_by_fuzzy_name(administrator):
    other = ParticipantFactory(
        first_name="Mohammed", last_name="Hussein", date_of_birth=datetime.date(1990, 1, 1)
    )
    rows = [["Nachname", "Vorname", "Geburtsdatum"], ["Husein", "Muhammad", "01.01.1990"]]
    run = make_run(administrator, csv_bytes(rows))
    rows_out = engine.process(run, dry_run=True)
    assert rows_out[0].action == "created"
    assert rows_out[0].duplicates == [other.pk]
    assert run.duplicates == 1


def test_bad_values_give_column_and_german_message(administrator):
    rows = [
        ["Nachname", "Vorname", "Geburtsdatum", "Geschlecht", "Herkunftsland"],
        ["Haddad", "Rana", "31.02.1995", "w", "Syrien"],
        ["Ali", "Omar", "01.01.1990", "vielleicht", "Atlantis"],
        ["", "Ohne", "01.01.1990", "", ""],
    ]
    run = make_run(administrator, csv_bytes(rows))
    out = engine.process(run, dry_run=False)
    assert run.errors == 3
    assert out[0].errors == [("Geburtsdatum", "„31.02.1995“ ist kein gültiges Datum (TT.MM.JJJJ).")]
    assert [h for h, _m in out[1].errors] == ["Geschlecht", "Herkunftsland"]
    assert out[1].errors[1][1] == "„Atlantis“ ist kein bekanntes Land."
    assert out[2].errors == [("Nachname", "Dieses Feld darf nicht leer sein.")]
    assert not Participant.objects.exists()


def test_formula_is_stored_as_text(administrator):
    rows = [["Nachname", "Vorname", "Ort"], ["Haddad", "Rana", '=HYPERLINK("x")']]
    engine.process(make_run(administrator, xlsx_bytes(rows), filename="a.xlsx"), dry_run=False)
    assert Participant.objects.get().city == '=HYPERLINK("x")'


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_csv_encodings_and_delimiters(administrator, encoding, delimiter):
    rows = [["Nachname", "Vorname", "Herkunftsland"], ["Müller-Öztürk", "Jürgen", "Äthiopien"]]
    run = make_run(administrator, csv_bytes(rows, encoding=encoding, delimiter=delimiter))
    engine.process(run, dry_run=False)
    person = Participant.objects.get()
    assert (person.last_name, person.first_name, person.country_of_origin.code) == (
        "Müller-Öztürk",
        "Jürgen",
        "ET",
    )


def test_title_row_above_the_header_in_xlsx(administrator, caseworker):
    content = xlsx_bytes(ROWS, title="Teilnehmendenliste WIR 2026")
    run = make_run(administrator, content, filename="liste.xlsx")
    engine.process(run, dry_run=False)
    assert run.created == 2


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.csv", "Die Datei ist leer."),
        (b"%PDF-1.4\x00\x00binary", "a.pdf", "Die Datei ist keine Tabelle"),
        (b"PK\x03\x04broken zip", "a.xlsx", "keine lesbare Excel-Arbeitsmappe"),
        (b"Nachname;Vorname\r\nM\x81ller;J\x8dn\r\n", "a.csv", "unbekannte Zeichenkodierung"),
        (b"Nachname;Vorname\r\n", "a.csv", "keine Daten"),
        (b"x" * (20 * 1024 * 1024 + 1), "a.csv", "zu groß"),
    ],
)
def test_unreadable_files_are_refused(administrator, content, filename, message):
    run = ImportRun(
        kind=ImportKind.PARTICIPANTS, filename=filename, content=content, started_by=administrator
    )
    with pytest.raises(UnreadableFile, match=message):
        engine.read(run)


def test_import_is_the_origin_in_the_audit_trail(administrator, caseworker):
    run = make_run(administrator, csv_bytes(ROWS))
    engine.process(run, dry_run=False)
    event = event_model(Participant).objects.get(pgh_obj__last_name="Haddad", pgh_label="insert")
    assert event.pgh_context.metadata["import_run"] == run.pk
    assert event.pgh_context.metadata["origin"] == "import"


def test_undo_removes_created_and_restores_updated(administrator, caseworker):
    first = make_run(administrator, csv_bytes(ROWS))
    engine.process(first, dry_run=False)
    changed = [
        ROWS[0],
        [*ROWS[1][:6], "C1", *ROWS[1][7:]],
        ["TN-3", "Neu", "Nora", "01.01.2000", "", "", "", "", "", ""],
    ]
    second = make_run(administrator, csv_bytes(changed))
    engine.process(second, dry_run=False)
    assert engine.undo_problems(second) == []
    engine.undo(second, administrator)
    assert not Participant.objects.filter(last_name="Neu").exists()
    assert Participant.objects.get(first_name="Rana").german_level == "B1"
    second.refresh_from_db()
    assert second.status == ImportRun.Status.UNDONE
    # The key of the undone run is forgotten; the first run's keys still hold.
    third = make_run(administrator, csv_bytes(ROWS))
    engine.process(third, dry_run=False)
    assert (third.created, third.unchanged) == (0, 2)


def test_undo_refused_after_an_edit(administrator, caseworker):
    run = make_run(administrator, csv_bytes(ROWS))
    engine.process(run, dry_run=False)
    rana = Participant.objects.get(first_name="Rana")
    rana.german_level = "C2"
    rana.save()
    assert engine.undo_problems(run) == [
        "Teilnehmende:r „Rana Haddad“ wurde seit dem Import bearbeitet."
    ]
    with pytest.raises(ValidationError):
        engine.undo(run, administrator)
    assert Participant.objects.count() == 2


def test_undo_refused_when_a_note_was_added(administrator, caseworker):
    run = make_run(administrator, csv_bytes(ROWS))
    engine.process(run, dry_run=False)
    rana = Participant.objects.get(first_name="Rana")
    CaseNote.objects.create(
        participant=rana,
        date=datetime.date(2026, 3, 1),
        contact_kind="telefon",
        text="Erstgespräch",
        author=caseworker,
    )
    assert engine.undo_problems(run) == [
        "Zu Teilnehmende:r „Rana Haddad“ wurde seit dem Import etwas erfasst."
    ]


def test_employers_with_contact_persons(administrator):
    rows = [
        ["Betrieb", "PLZ", "Ort", "Partnerschaft", "Ansprechperson", "Funktion"],
        [
            "Metallbau Schmidt GmbH",
            "34117",
            "Kassel",
            "aktiver Partner",
            "Frau Schmidt",
            "Inhaberin",
        ],
        ["Metallbau Schmidt GmbH", "34117", "Kassel", "aktiver Partner", "Herr Kaya", "Meister"],
        ["Bäckerei Ohne PLZ", "", "Kassel", "", "", ""],
    ]
    run = make_run(administrator, csv_bytes(rows), kind=ImportKind.EMPLOYERS)
    out = engine.process(run, dry_run=False)
    assert (run.created, run.updated, run.errors) == (2, 0, 1)
    assert out[0].errors == [("PLZ", "Dieses Feld darf nicht leer sein.")]
    employer = Employer.objects.get()
    assert employer.state == Employer.PartnershipState.ACTIVE
    assert sorted(ContactPerson.objects.values_list("name", flat=True)) == [
        "Frau Schmidt",
        "Herr Kaya",
    ]
    again = make_run(administrator, csv_bytes(rows), kind=ImportKind.EMPLOYERS)
    engine.process(again, dry_run=False)
    assert (again.created, again.unchanged, again.errors) == (0, 2, 1)


def test_network_partners(administrator):
    rows = [
        ["Name", "Art", "Ort"],
        ["IHK Kassel-Marburg", "IHK", "Kassel"],
        ["Sprachschule Nord", "Sprachkursträger", "Kassel"],
    ]
    run = make_run(
        administrator, xlsx_bytes(rows), kind=ImportKind.NETWORK_PARTNERS, filename="n.xlsx"
    )
    engine.process(run, dry_run=False)
    assert sorted(NetworkPartner.objects.values_list("name", "kind")) == [
        ("IHK Kassel-Marburg", "ihk"),
        ("Sprachschule Nord", "sprachkurs"),
    ]


def test_placement_breaking_a_rule_is_listed_not_stored(administrator, caseworker):
    engine.process(make_run(administrator, csv_bytes(ROWS)), dry_run=False)
    EmployerFactory(name="Metallbau Schmidt", postcode="34117")
    rows = [
        [
            "TN-Nr",
            "Betrieb",
            "Art",
            "Tätigkeit",
            "Beginn",
            "Ende",
            "Rechtsgrundlage",
            "Stand",
            "Vereinbarung",
            "Unfallversicherung",
        ],
        [
            "TN-1",
            "Metallbau Schmidt",
            "Praktikum",
            "Metallbau",
            "02.03.2026",
            "27.03.2026",
            "MiLoG",
            "beendet",
            "20.02.2026",
            "20.02.2026",
        ],
        # 29 days (after TN-2's entry on 15.03.2026): the internship limit is 28
        [
            "TN-2",
            "Metallbau Schmidt",
            "Praktikum",
            "Lager",
            "16.03.2026",
            "13.04.2026",
            "MiLoG",
            "geplant",
            "",
            "",
        ],
        # overlaps TN-1's internship
        [
            "TN-1",
            "Metallbau Schmidt",
            "Praktikum",
            "Büro",
            "20.03.2026",
            "25.03.2026",
            "MiLoG",
            "geplant",
            "",
            "",
        ],
    ]
    run = make_run(administrator, csv_bytes(rows), kind=ImportKind.PLACEMENTS)
    out = engine.process(run, dry_run=False)
    assert (run.created, run.errors) == (1, 2)
    assert out[0].row == 3 and out[0].errors == [
        (
            "Ende",
            "Ein Orientierungspraktikum dauert höchstens 28 Tage (Ende eingeschlossen); "
            "geplant sind 29 Tage.",
        )
    ]
    assert out[1].row == 4 and out[1].errors[0][0] == "Beginn"
    assert "schon ein Praktikum" in out[1].errors[0][1]
    placement = Placement.objects.get()
    assert (placement.job_title, placement.state) == ("Metallbau", "beendet")
