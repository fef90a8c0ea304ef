"""Reading a spreadsheet row by row: XLSX with openpyxl (read-only, streaming), CSV with the
standard library's csv module (UTF-8 or Windows-1252, comma, semicolon or tab as German Excel
writes it). A title row above the header is skipped: the header is the first row in which at
least two cells name a known column.

Bad input raises `UnreadableFile` with a German message, before anything is written.
"""

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_BYTES = 20 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
SNIFF_BYTES = 64 * 1024


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet we can read; the message says why (German)."""


Cell = str | int | float | datetime.date | datetime.datetime | None


@dataclass
class Table:
    headers: list[str]
    header_row: int  # 1-based row number of the header in the file
    _rows: Callable[[], Iterator[tuple[int, list[Cell]]]]
    format: str
    encoding: str = ""
    delimiter: str = ""

    def rows(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """(row number in the file, {header: value}) for every non-empty row below the header."""
        for number, values in self._rows():
            if number <= self.header_row:
                continue
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            yield number, dict(zip(self.headers, values, strict=False))

    def count_rows(self) -> int:
        return sum(1 for _row in self.rows())


def _is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def _xlsx_rows(content: bytes) -> Callable[[], Iterator[tuple[int, list[Cell]]]]:
    def rows():
        # read_only streams the sheet's XML; formulas come back as their text ("=A1*2"),
        # never evaluated (data_only=False), so a formula is stored as text or refused.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(values)
        finally:
            workbook.close()

    return rows


def _encoding(content: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes, else Windows-1252 if that decodes."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            # In slices, so no second full copy of a large file is made.
            for start in range(0, len(content), 1 << 20):
                decoder.decode(content[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnreadableFile(
        _(
            "Die Datei hat eine unbekannte Zeichenkodierung. Bitte als CSV UTF-8 oder als "
            "Excel-Arbeitsmappe (.xlsx) speichern."
        )
    )


def _csv_rows(content: bytes, encoding: str, delimiter: str):
    def rows():
        text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, newline="")
        for number, values in enumerate(csv.reader(text, delimiter=delimiter), start=1):
            yield number, [v if v != "" else None for v in values]

    return rows


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        # One column, or too little text to tell: German Excel writes semicolons.
        return ";" if sample.count(";") >= sample.count(",") else ","


def open_table(content: bytes, filename: str, known_header: Callable[[str], bool]) -> Table:
    """The table in `content`; `known_header(text)` says whether a cell names a column."""
    if not content:
        raise UnreadableFile(_("Die Datei ist leer."))
    if len(content) > MAX_BYTES:
        raise UnreadableFile(
            _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    if _is_xlsx(content):
        try:
            rows = _xlsx_rows(content)
            first = [values for _n, values in _take(rows(), HEADER_SEARCH_ROWS)]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise UnreadableFile(
                _("Die Datei ist keine lesbare Excel-Arbeitsmappe (.xlsx).")
            ) from error
        fmt, encoding, delimiter = "xlsx", "", ""
    else:
        if b"\x00" in content[:SNIFF_BYTES] or filename.lower().endswith((".xls", ".ods")):
            raise UnreadableFile(
                _(
                    "Die Datei ist keine Tabelle, die gelesen werden kann. Bitte als Excel-"
                    "Arbeitsmappe (.xlsx) oder CSV speichern."
                )
            )
        encoding = _encoding(content)
        sample = content[:SNIFF_BYTES].decode(encoding, errors="ignore")
        delimiter = _delimiter(sample)
        rows = _csv_rows(content, encoding, delimiter)
        try:
            first = [values for _n, values in _take(rows(), HEADER_SEARCH_ROWS)]
        except csv.Error as error:
            raise UnreadableFile(_("Die CSV-Datei ist fehlerhaft: %(e)s") % {"e": error}) from error
        fmt = "csv"
    header_index = _header_index(first, known_header)
    if header_index is None:
        raise UnreadableFile(_("Die Datei enthält keine Kopfzeile mit Spaltennamen."))
    headers = _unique_headers(first[header_index])
    table = Table(headers, header_index + 1, rows, fmt, encoding, delimiter)
    if not any(True for _row in _take(table.rows(), 1)):
        raise UnreadableFile(_("Die Datei enthält unter der Kopfzeile keine Daten."))
    return table


def _take(iterator, n):
    for i, item in enumerate(iterator):
        if i >= n:
            return
        yield item


def _header_index(first: list[list[Cell]], known_header) -> int | None:
    non_empty = None
    for index, values in enumerate(first):
        texts = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if not texts:
            continue
        if non_empty is None:
            non_empty = index
        if sum(1 for t in texts if known_header(t)) >= 2:
            return index
    return non_empty


def _unique_headers(values: list[Cell]) -> list[str]:
    headers, seen = [], {}
    for i, value in enumerate(values, start=1):
        text = str(value).strip() if value is not None else ""
        text = text or _("Spalte %(n)s") % {"n": i}
        if text in seen:
            seen[text] += 1
            text = f"{text} ({seen[text]})"
        else:
            seen[text] = 1
        headers.append(text)
    return headers
