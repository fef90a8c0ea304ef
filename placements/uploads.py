"""Uploaded documents: what may be stored (type detected from the content, never the name;
size limit) and saving so that a failed upload leaves neither a file nor a row behind."""

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .models import Document

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
ALLOWED_TYPES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", ODT: "ODT"}


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_BYTES


def detect_type(upload: UploadedFile) -> str | None:
    """The file's type from its first bytes (and, for the zip-based office formats, from its
    table of contents); None for anything else."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
                if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                    return ODT
                if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
                    return DOCX
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        finally:
            upload.seek(0)
    return None


def check_upload(upload: UploadedFile) -> str:
    """The detected content type of an acceptable upload; ValidationError otherwise."""
    if not upload.size:
        raise ValidationError(_("Die Datei ist leer."))
    if upload.size > max_upload_bytes():
        raise ValidationError(
            _("Die Datei ist zu groß (höchstens %(limit)s).")
            % {"limit": filesizeformat(max_upload_bytes())}
        )
    content_type = detect_type(upload)
    if content_type is None:
        raise ValidationError(
            _("Dieser Dateityp ist nicht erlaubt. Erlaubt sind: %(types)s.")
            % {"types": ", ".join(ALLOWED_TYPES.values())}
        )
    return content_type


def save_document(document: Document, upload: UploadedFile, content_type: str) -> Document:
    """Store the file and the row together: if the row cannot be written, the file is removed."""
    document.original_name = (upload.name or "")[:255]
    document.content_type = content_type
    document.size = upload.size
    document.file = upload
    try:
        with transaction.atomic():
            document.full_clean(exclude=["file"])
            document.save()
    except Exception:
        if document.file.name and document.file.name != upload.name:
            document.file.storage.delete(document.file.name)
        raise
    return document
