"""The report as a whole (metadata + published tables + charts) and its exports:
PDF (WeasyPrint, tagged), CSV (UTF-8 with BOM, semicolons) and XLSX (one sheet per table).

Every export reads only the published tables, so the small-cell rule holds everywhere.
"""

import csv
import hashlib
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fallmanagement.core.pdf import render_pdf
from fallmanagement.reports.models import IssuedReport, ReportKind

from .charts import render_charts
from .figures import compute_report
from .periods import Period
from .suppression import SECONDARY_TEXT, suppressed_text

# Documents for the funder are German (the PDF is tagged lang="de"), whatever the UI language.
EXPORT_LANGUAGE = "de"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def small_cell_threshold() -> int:
    return getattr(settings, "REPORT_SMALL_CELL_THRESHOLD", 3)


@dataclass
class Report:
    period: Period
    scope_label: str
    created_by: str
    tables: list[dict]
    kind: str = ReportKind.FUNDER
    threshold: int = field(default_factory=small_cell_threshold)
    created_at: object = field(default_factory=timezone.localtime)

    @property
    def kind_label(self) -> str:
        return str(ReportKind(self.kind).label)

    @property
    def protected(self) -> bool:
        return self.kind == ReportKind.PUBLICATION

    @property
    def suppressed_text(self) -> str:
        return suppressed_text(self.threshold)

    @property
    def legend(self) -> str:
        """What the reader needs to know about the figures (printed on every export)."""
        if not self.protected:
            return _(
                "Exakte Zahlen, wie im Zuwendungsbescheid gefordert. Nur für den Zuwendungsgeber "
                "bestimmt, nicht zur Veröffentlichung."
            )
        return _(
            "Zur Veröffentlichung: „%(small)s“ steht für 1 bis %(most)d Personen; „%(x)s“ für "
            "ein gesperrtes Feld (auch eine kleine Zahl oder 0), damit kleine Zahlen nicht aus "
            "Summen oder anderen Tabellen zurückgerechnet werden können. Summen, die an anderer "
            "Stelle stehen, bleiben stehen."
        ) % {"small": self.suppressed_text, "most": self.threshold - 1, "x": SECONDARY_TEXT}

    @property
    def sections(self) -> list[dict]:
        """Tables grouped by section, in order (for the page, the PDF and its contents)."""
        sections: list[dict] = []
        for table in self.tables:
            if not sections or sections[-1]["title"] != table["section"]:
                sections.append({"title": table["section"], "tables": []})
            sections[-1]["tables"].append(table)
        return sections

    def filename(self, ext: str) -> str:
        name = "foerderbericht" if not self.protected else "veroeffentlichung"
        return f"{name}_{self.period.start:%Y-%m-%d}_{self.period.end:%Y-%m-%d}.{ext}"


def scope_label(caseworker) -> str:
    if caseworker is None:
        return _("Gesamtes Programm")
    return _("Fallmanager:in %(name)s") % {
        "name": caseworker.get_full_name() or caseworker.get_username()
    }


def build_report(
    period: Period,
    caseworker,
    created_by,
    *,
    kind: str = ReportKind.FUNDER,
    progress=None,
    language: str | None = None,
) -> Report:
    """Compute the report; `language` fixes the language of labels (exports: German).
    `created_by` is a user or a name (the command line)."""
    if language:
        with translation.override(language):
            return build_report(period, caseworker, created_by, kind=kind, progress=progress)
    threshold = small_cell_threshold()
    if not isinstance(created_by, str):
        created_by = created_by.get_full_name() or created_by.get_username()
    return Report(
        period=period,
        scope_label=scope_label(caseworker),
        created_by=created_by,
        tables=compute_report(
            period, caseworker, kind=kind, threshold=threshold, progress=progress
        ),
        kind=kind,
        threshold=threshold,
    )


def report_pdf_context(report: Report) -> dict:
    """The PDF template's context (the charts are drawn into the tables' copies)."""
    charts = render_charts(report.tables, report.suppressed_text)
    tables = [
        {
            **table,
            "chart_svg": charts.get(table["key"], {}).get("svg", ""),
            "chart_note": charts.get(table["key"], {}).get("note", ""),
        }
        for table in report.tables
    ]
    sections: list[dict] = []
    for table in tables:
        if not sections or sections[-1]["title"] != table["section"]:
            sections.append({"title": table["section"], "tables": []})
        sections[-1]["tables"].append(table)
    return {"programme": settings.PROGRAMME, "report": report, "sections": sections}


def render_report_pdf(report: Report) -> bytes:
    return render_pdf("pdf/report.html", report_pdf_context(report))


def render_report_csv(report: Report) -> bytes:
    """All tables one after another; UTF-8 with BOM so that Excel shows umlauts right."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Förderbericht"), settings.PROGRAMME["name"]])
    writer.writerow([_("Art des Berichts"), report.kind_label])
    writer.writerow([_("Zeitraum"), report.period.label])
    writer.writerow([_("Umfang"), report.scope_label])
    writer.writerow([_("Erstellt am"), f"{report.created_at:%d.%m.%Y %H:%M}"])
    writer.writerow([_("Hinweis"), report.legend])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table["title"]])
        writer.writerow([_("Merkmal"), *table["columns"]])
        for row in table["rows"]:
            writer.writerow([row["label"], *(cell["text"] for cell in row["cells"])])
        writer.writerow([_("Zählregel"), table["rule"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(index: int, title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return f"{index:02d} {title}"[:31]


def render_report_xlsx(report: Report) -> bytes:
    """One sheet per table; published numbers as numbers, suppressed cells as text."""
    workbook = Workbook()
    info = workbook.active
    info.title = _("Bericht")
    for line in (
        (_("Förderbericht"), settings.PROGRAMME["name"]),
        (_("Zuwendungsgeber"), settings.PROGRAMME["funder"]),
        (_("Art des Berichts"), report.kind_label),
        (_("Zeitraum"), report.period.label),
        (_("Umfang"), report.scope_label),
        (_("Erstellt am"), f"{report.created_at:%d.%m.%Y %H:%M}"),
        (_("Erstellt von"), report.created_by),
        (_("Hinweis"), report.legend),
    ):
        info.append(list(line))
    bold = Font(bold=True)
    for index, table in enumerate(report.tables, start=1):
        sheet = workbook.create_sheet(_sheet_title(index, table["title"]))
        sheet.append([table["title"]])
        sheet["A1"].font = bold
        sheet.append([_("Merkmal"), *table["columns"]])
        for cell in sheet[2]:
            cell.font = bold
        for row in table["rows"]:
            values = []
            for cell in row["cells"]:
                value = cell["value"]
                if cell["suppressed"] or value is None:
                    values.append(cell["text"])
                elif row["kind"] == "rate":
                    values.append(value / 100)
                else:
                    values.append(value)
            sheet.append([row["label"], *values])
            if row["kind"] == "rate":
                for cell in sheet[sheet.max_row][1:]:
                    cell.number_format = "0.0%"
        sheet.append([])
        sheet.append([_("Zählregel"), table["rule"]])
        sheet.column_dimensions["A"].width = 50
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


RENDERERS = {"pdf": render_report_pdf, "csv": render_report_csv, "xlsx": render_report_xlsx}


def render_report(report: Report, fmt: str) -> bytes:
    with translation.override(EXPORT_LANGUAGE):
        return RENDERERS[fmt](report)


def store_issued(report: Report, pdf: bytes, user):
    """Keep `report` and its PDF as issued (final, append-only)."""

    return IssuedReport.objects.create(
        kind=report.kind,
        period_start=report.period.start,
        period_end=report.period.end,
        period_label=report.period.label,
        scope_label=report.scope_label,
        figures=report.tables,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_by=user,
        issued_by_name=report.created_by,
    )
