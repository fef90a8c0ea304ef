"""The import pages: only Administration; upload → mapping → preview → confirm; undo."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fallmanagement.imports.models import ImportKind, ImportRun, MappingTemplate
from fallmanagement.privacy.models import AccessLog
from participants.models import Participant

from .files import csv_bytes, xlsx_bytes

ROWS = [
    ["Liste der Teilnehmenden (Stand 01.03.2026)"],
    ["Nr.", "Name", "Vorname", "Geb.-Datum", "Geschlecht", "Land"],
    ["TN-1", "Haddad", "Rana", "14.03.1995", "Frau", "Syrien"],
    ["TN-2", "Yilmaz", "Ahmet", "02.11.1988", "m", "Türkei"],
]


def _upload(client, content, name="liste.xlsx", kind=ImportKind.PARTICIPANTS, **extra):
    return client.post(
        reverse("imports:index"),
        {"kind": kind, "file": SimpleUploadedFile(name, content), **extra},
    )


@pytest.mark.parametrize(
    "client_fixture", ["caseworker_client", "reporter_client", "no_role_client"]
)
def test_only_administration_may_import(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    assert client.get(reverse("imports:index")).status_code == 403
    assert _upload(client, xlsx_bytes(ROWS)).status_code == 403
    assert not ImportRun.objects.exists()


def test_upload_mapping_preview_confirm(admin_client_role, administrator):
    assert admin_client_role.get(reverse("imports:index")).status_code == 200
    response = _upload(admin_client_role, xlsx_bytes(ROWS))
    run = ImportRun.objects.get()
    assert response.url == reverse("imports:mapping", args=[run.pk])
    page = admin_client_role.get(response.url)
    assert page.status_code == 200
    form = page.context["form"]
    # "Geb.-Datum" is no known header word: the user maps it and saves the template.
    assert [form[f"col_{i}"].initial for i in range(6)] == [
        "key",
        "last_name",
        "first_name",
        "",
        "gender",
        "country_of_origin",
    ]
    data = {
        "col_0": "key",
        "col_1": "last_name",
        "col_2": "first_name",
        "col_3": "date_of_birth",
        "col_4": "gender",
        "col_5": "country_of_origin",
        "template_name": "Liste Kassel",
    }
    response = admin_client_role.post(reverse("imports:mapping", args=[run.pk]), data)
    assert response.url == reverse("imports:detail", args=[run.pk])
    run.refresh_from_db()
    assert (run.status, run.created) == (ImportRun.Status.PREVIEWED, 2)
    assert not Participant.objects.exists()
    assert MappingTemplate.objects.get().mapping["Geb.-Datum"] == "date_of_birth"
    detail = admin_client_role.get(response.url)
    assert "Probelauf: noch ist nichts gespeichert." in detail.text
    assert AccessLog.objects.filter(object_type="imports.ImportRun").exists()
    admin_client_role.post(reverse("imports:confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert sorted(Participant.objects.values_list("last_name", flat=True)) == ["Haddad", "Yilmaz"]
    listing = admin_client_role.get(reverse("imports:index")).text
    assert "liste.xlsx" in listing and "importiert" in listing


def test_saved_template_maps_the_next_file(admin_client_role, administrator):
    MappingTemplate.objects.create(
        kind=ImportKind.PARTICIPANTS,
        name="Liste Kassel",
        mapping={"Geb.-Datum": "date_of_birth"},
        created_by=administrator,
    )
    template = MappingTemplate.objects.get()
    _upload(admin_client_role, xlsx_bytes(ROWS), template=template.pk)
    assert ImportRun.objects.get().mapping["Geb.-Datum"] == "date_of_birth"


def test_mapping_without_required_column_is_refused(admin_client_role):
    _upload(admin_client_role, xlsx_bytes(ROWS))
    run = ImportRun.objects.get()
    response = admin_client_role.post(
        reverse("imports:mapping", args=[run.pk]), {"col_1": "last_name"}
    )
    assert response.status_code == 400
    assert "Es fehlt eine Spalte für „Vorname“." in response.text


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "leer.csv", "Die übertragene Datei ist leer."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "bild.csv", "Die Datei ist keine Tabelle"),
        (b"Nachname;Vorname\r\nM\x81ller;A\r\n", "kaputt.csv", "unbekannte Zeichenkodierung"),
    ],
)
def test_bad_file_gets_a_message_and_writes_nothing(admin_client_role, content, name, message):
    response = _upload(admin_client_role, content, name=name)
    assert response.status_code == 400
    assert message in response.text
    assert not ImportRun.objects.exists()


def test_undo_page_confirms_then_undoes(admin_client_role):
    _upload(admin_client_role, csv_bytes(ROWS[1:]), name="liste.csv")
    run = ImportRun.objects.get()
    admin_client_role.post(
        reverse("imports:mapping", args=[run.pk]),
        {"col_0": "key", "col_1": "last_name", "col_2": "first_name"},
    )
    admin_client_role.post(reverse("imports:confirm", args=[run.pk]))
    assert Participant.objects.count() == 2
    page = admin_client_role.get(reverse("imports:undo", args=[run.pk]))
    assert "Ja, rückgängig machen" in page.text
    admin_client_role.post(reverse("imports:undo", args=[run.pk]))
    assert not Participant.objects.exists()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.UNDONE


def test_list_queries_do_not_grow_with_imports(
    admin_client_role, administrator, django_assert_max_num_queries
):
    def make(n):
        ImportRun.objects.bulk_create(
            ImportRun(
                kind=ImportKind.PARTICIPANTS,
                filename=f"{i}.csv",
                content=b"x",
                started_by=administrator,
            )
            for i in range(n)
        )

    make(2)
    with django_assert_max_num_queries(12) as two:
        admin_client_role.get(reverse("imports:index"))
    make(48)
    with django_assert_max_num_queries(len(two.captured_queries)):
        admin_client_role.get(reverse("imports:index"))
