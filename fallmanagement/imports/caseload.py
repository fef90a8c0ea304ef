"""Export of a caseload: the cases a user may see (`Participant.objects.visible_to`) as CSV
or XLSX, in the participants import's own columns and German headers, so that an export can
be imported again (round trip).

Cells that a spreadsheet would run as a formula (starting with =, +, -, @) are neutralised:
in CSV with a leading apostrophe, in XLSX by storing them as text cells.
"""

import csv
import datetime
import io

from django.utils.formats import date_format
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from participants.models import Participant

from .kinds import PARTICIPANT_COLUMNS
from .values import FORMULA_START

# The participant columns exported (special categories such as health notes never are).
EXPORTED = (
    "key", "last_name", "first_name", "preferred_name", "date_of_birth", "gender",
    "country_of_origin", "nationality", "arrival_date", "residence_status",
    "residence_valid_until", "work_permit", "work_permit_valid_until", "street", "postcode",
    "city", "phone", "email", "german_level", "school_years", "has_documents", "entry_date",
    "status", "exit_date", "exit_reason", "consent_date", "consent_scope",
    "caseworker_id",
)  # fmt: skip
LABELS = {c.name: c.label for c in PARTICIPANT_COLUMNS}


def headers() -> list[str]:
    return [str(LABELS[name]) for name in EXPORTED]


def _cell(participant: Participant, name: str):
    if name == "key":
        return f"TN-{participant.pk}"
    if name == "caseworker_id":
        return participant.caseworker.get_username() if participant.caseworker else ""
    value = getattr(participant, name)
    if isinstance(value, datetime.date):
        return date_format(value, "d.m.Y")
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if value is None:
        return ""
    if hasattr(value, "code"):  # Country: its German name
        return str(value.name) if value.code else ""
    display = getattr(participant, f"get_{name}_display", None)
    if display is not None and value:
        return str(display())
    return value if isinstance(value, int) else str(value)


def rows(queryset) -> "list[list]":
    for participant in queryset.select_related("caseworker").iterator(chunk_size=2000):
        yield [_cell(participant, name) for name in EXPORTED]


def neutralise(value):
    """A text that a spreadsheet would run as a formula, made inert for CSV."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(queryset) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers())
    for row in rows(queryset):
        writer.writerow([neutralise(v) for v in row])
    # UTF-8 with BOM: German Excel opens it with the right umlauts.
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(queryset) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Fälle")
    sheet.append(headers())
    for row in rows(queryset):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith(FORMULA_START):
                cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
