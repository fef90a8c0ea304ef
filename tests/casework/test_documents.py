"""Documents on a case and its placements: real files of every allowed type, refused ones
(renamed executable, oversized, empty, a zip that is no office file) leaving nothing behind,
download only through the permission-checked, access-logged view, deletion with the file,
erasure and retention."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from fallmanagement.privacy.gdpr import anonymise, art15_data, erase
from fallmanagement.privacy.models import AccessLog
from placements.models import Document
from placements.uploads import max_upload_bytes
from tests.factories import PlacementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "navy").save(out, format=fmt)
    return out.getvalue()


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


def odt_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content/>')
    return out.getvalue()


ALLOWED = [
    ("bescheid.pdf", pdf_bytes, "application/pdf"),
    ("foto.jpg", lambda: image_bytes("JPEG"), "image/jpeg"),
    ("scan.png", lambda: image_bytes("PNG"), "image/png"),
    (
        "zeugnis.docx",
        docx_bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("lebenslauf.odt", odt_bytes, "application/vnd.oasis.opendocument.text"),
]


def add_url(participant):
    return reverse("participants:document_add", args=[participant.pk])


def upload(client, participant, name, content, *, kind="nachweis", content_type="", **extra):
    data = {
        "kind": kind,
        "title": "",
        "file": SimpleUploadedFile(name, content, content_type=content_type or "text/plain"),
        **extra,
    }
    return client.post(add_url(participant), data)


@pytest.mark.parametrize("name,make,expected_type", ALLOWED)
def test_every_allowed_type_is_stored_under_a_random_name(
    caseworker_client, participant, media, name, make, expected_type
):
    content = make()
    # The browser's content type is ignored: the type comes from the content.
    response = upload(caseworker_client, participant, name, content)
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.content_type, document.size, document.original_name) == (
        expected_type,
        len(content),
        name,
    )
    [path] = stored_files(media)
    assert name not in str(path)
    assert path.name == document.file.name.rsplit("/", 1)[1]
    assert len(path.name) == 32
    assert path.read_bytes() == content


def refused(client, participant, name, content, media, message):
    response = upload(client, participant, name, content, content_type="application/pdf")
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_renamed_executable_is_refused(caseworker_client, participant, media):
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    refused(caseworker_client, participant, "bescheid.pdf", elf, media, "nicht erlaubt")


def test_script_named_png_is_refused(caseworker_client, participant, media):
    script = b"#!/bin/sh\nrm -rf /\n"
    refused(caseworker_client, participant, "scan.png", script, media, "nicht erlaubt")


def test_zip_that_is_no_office_file_is_refused(caseworker_client, participant, media):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.exe", "MZ")
    refused(caseworker_client, participant, "x.docx", out.getvalue(), media, "nicht erlaubt")


def test_truncated_zip_is_refused(caseworker_client, participant, media):
    refused(caseworker_client, participant, "x.odt", b"PK\x03\x04broken", media, "nicht erlaubt")


def test_empty_file_is_refused(caseworker_client, participant, media):
    refused(caseworker_client, participant, "leer.pdf", b"", media, "leer")


def test_oversized_file_is_refused(caseworker_client, participant, media, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    refused(
        caseworker_client, participant, "gross.pdf", b"%PDF-1.4" + b"0" * 1000, media, "zu groß"
    )


def test_default_limit_is_20_mb():
    assert max_upload_bytes() == 20 * 1024 * 1024


def test_upload_without_file_or_kind_is_refused(caseworker_client, participant, media):
    response = caseworker_client.post(add_url(participant), {"kind": "gibtsnicht"})
    assert response.status_code == 422
    assert not Document.objects.exists()


def test_upload_without_consent_is_refused(caseworker_client, participant, media):
    participant.consent_date = None
    participant.save()
    refused(caseworker_client, participant, "bescheid.pdf", pdf_bytes(), media, "Ohne Einwilligung")


def test_upload_for_a_placement(caseworker_client, participant, media):
    placement = PlacementFactory(participant=participant)
    response = upload(
        caseworker_client,
        participant,
        "vereinbarung.pdf",
        pdf_bytes(),
        kind="vereinbarung",
        einsatz=str(placement.pk),
    )
    assert response.url == reverse("placements:detail", args=[placement.pk]) + "#dokumente"
    assert Document.objects.get().placement == placement
    page = caseworker_client.get(reverse("placements:detail", args=[placement.pk]))
    assert "vereinbarung.pdf" in page.content.decode()


@pytest.mark.parametrize("bad", ["abc", "²", "99999999999999999999"])
def test_bad_or_foreign_placement_id_is_404(caseworker_client, participant, caseworker, bad):
    response = upload(caseworker_client, participant, "a.pdf", pdf_bytes(), einsatz=bad)
    assert response.status_code == 404
    other_case_placement = PlacementFactory()
    response = upload(
        caseworker_client, participant, "a.pdf", pdf_bytes(), einsatz=str(other_case_placement.pk)
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


def test_upload_refused_for_other_roles(
    other_caseworker_client, reporter_client, admin_client_role, participant, media
):
    assert upload(other_caseworker_client, participant, "a.pdf", pdf_bytes()).status_code == 404
    assert upload(reporter_client, participant, "a.pdf", pdf_bytes()).status_code == 403
    assert upload(admin_client_role, participant, "a.pdf", pdf_bytes()).status_code == 403
    assert stored_files(media) == []


# --- download ---------------------------------------------------------------------------


@pytest.fixture
def document(caseworker_client, participant):
    upload(caseworker_client, participant, "Bescheid Haddad.pdf", pdf_bytes(), kind="nachweis")
    return Document.objects.get()


def download_url(document):
    return reverse("participants:document_download", args=[document.participant_id, document.pk])


def test_download_is_an_attachment_and_logged(caseworker_client, caseworker, document):
    response = caseworker_client.get(download_url(document))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Bescheid Haddad.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    log = AccessLog.objects.get(object_type="placements.Document")
    assert (log.user, log.participant_id, log.object_id) == (
        caseworker,
        document.participant_id,
        str(document.pk),
    )


def test_download_access(other_caseworker_client, reporter_client, admin_client_role, document):
    assert other_caseworker_client.get(download_url(document)).status_code == 404
    assert reporter_client.get(download_url(document)).status_code == 403
    assert admin_client_role.get(download_url(document)).status_code == 200


def test_document_of_another_case_is_404(caseworker_client, caseworker, document):
    other = PlacementFactory(participant__caseworker=caseworker).participant
    url = reverse("participants:document_download", args=[other.pk, document.pk])
    assert caseworker_client.get(url).status_code == 404


def test_missing_file_is_404_not_500(caseworker_client, document, media):
    for path in stored_files(media):
        path.unlink()
    assert caseworker_client.get(download_url(document)).status_code == 404


def test_files_are_not_under_a_public_url(caseworker_client, document):
    for prefix in ("/", "/media/", "/static/"):
        assert caseworker_client.get(prefix + document.file.name).status_code == 404


def test_case_file_lists_documents(caseworker_client, participant, document):
    html = caseworker_client.get(reverse("participants:detail", args=[participant.pk])).content
    assert download_url(document) in html.decode()


# --- deletion, erasure, retention ------------------------------------------------------


def delete_url(document):
    return reverse("participants:document_delete", args=[document.participant_id, document.pk])


def test_delete_asks_first_then_removes_row_and_file(
    caseworker_client, document, media, django_capture_on_commit_callbacks
):
    page = caseworker_client.get(delete_url(document))
    assert "endgültig gelöscht" in page.content.decode()
    assert Document.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert caseworker_client.post(delete_url(document)).status_code == 302
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_delete_refused_for_others(
    other_caseworker_client, admin_client_role, reporter_client, document
):
    assert other_caseworker_client.post(delete_url(document)).status_code == 404
    assert reporter_client.post(delete_url(document)).status_code == 403
    assert admin_client_role.post(delete_url(document)).status_code == 403
    assert Document.objects.exists()


def test_erasure_deletes_documents_and_files(
    administrator, participant, document, media, django_capture_on_commit_callbacks
):
    PlacementFactory(participant=participant)
    with django_capture_on_commit_callbacks(execute=True):
        erase(participant, administrator)
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_retention_deletes_documents_and_files(
    participant, document, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        anonymise(participant)
    assert not Document.objects.exists()
    assert stored_files(media) == []


def test_art15_export_lists_documents(participant, document):
    rows = art15_data(participant)["topics"]["documents"]["documents"]["rows"]
    assert [row["original_name"] for row in rows] == ["Bescheid Haddad.pdf"]
