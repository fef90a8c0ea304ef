"""Small spreadsheets made in the test: CSV as German Excel writes it, and XLSX (openpyxl)."""

import csv
import io

from openpyxl import Workbook


def csv_bytes(rows, *, encoding="utf-8", delimiter=";", title=None) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    if title:
        writer.writerow([title])
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows, *, title=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


PARTICIPANT_HEADER = [
    "Nr.",
    "Nachname",
    "Vorname",
    "Geburtsdatum",
    "Geschlecht",
    "Herkunftsland",
    "Deutschkenntnisse",
    "Eintritt",
    "Fallmanager:in",
    "Nachweise vorhanden",
]
