"""The report as a whole (metadata + published tables + charts) and its exports:
PDF (WeasyPrint, tagged), CSV (UTF-8 with BOM, semicolons) and XLSX (one sheet per table).

Every export reads only the published tables, so the small-cell rule holds everywhere.
"""

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from fallmanagement.core.pdf import render_pdf
from fallmanagement.reports.models import IssuedReport

from .charts import render_charts
from .figures import compute_report
from .periods import Period
from .suppression import SECONDARY_TEXT, SUPPRESSED_TEXT

# Documents for the funder are German (the PDF is tagged lang="de"), whatever the UI language.
EXPORT_LANGUAGE = "de"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class Report:
    period: Period
    scope_label: str
    created_by: str
    tables: list[dict]
    created_at: object = field(default_factory=timezone.localtime)

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
        return f"foerderbericht_{self.period.start:%Y-%m-%d}_{self.period.end:%Y-%m-%d}.{ext}"


def scope_label(caseworker) -> str:
    if caseworker is None:
        return _("Gesamtes Programm")
    return _("Fallmanager:in %(name)s") % {
        "name": caseworker.get_full_name() or caseworker.get_username()
    }


def build_report(
    period: Period, caseworker, created_by, *, progress=None, language: str | None = None
) -> Report:
    """Compute the report; `language` fixes the language of labels (exports: German)."""
    if language:
        with translation.override(language):
            return build_report(period, caseworker, created_by, progress=progress)
    return Report(
        period=period,
        scope_label=scope_label(caseworker),
        created_by=created_by.get_full_name() or created_by.get_username(),
        tables=compute_report(period, caseworker, progress=progress),
    )


def render_report_pdf(report: Report) -> bytes:
    charts = render_charts(report.tables)
    for table in report.tables:
        table["chart_svg"] = charts.get(table["key"], {}).get("svg", "")
    try:
        return render_pdf(
            "pdf/report.html",
            {
                "programme": settings.PROGRAMME,
                "report": report,
                "sections": report.sections,
                "suppressed_text": SUPPRESSED_TEXT,
                "secondary_text": SECONDARY_TEXT,
            },
        )
    finally:
        for table in report.tables:
            table.pop("chart_svg", None)


def render_report_csv(report: Report) -> bytes:
    """All tables one after another; UTF-8 with BOM so that Excel shows umlauts right."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Förderbericht"), settings.PROGRAMME["name"]])
    writer.writerow([_("Zeitraum"), report.period.label])
    writer.writerow([_("Umfang"), report.scope_label])
    writer.writerow([_("Erstellt am"), f"{report.created_at:%d.%m.%Y %H:%M}"])
    writer.writerow(
        [
            _("Hinweis"),
            _(
                "„%(small)s“: 1 oder 2 Personen; „%(x)s“: gesperrt, damit kleine Zahlen nicht "
                "zurückgerechnet werden können."
            )
            % {"small": SUPPRESSED_TEXT, "x": SECONDARY_TEXT},
        ]
    )
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
        (_("Zeitraum"), report.period.label),
        (_("Umfang"), report.scope_label),
        (_("Erstellt am"), f"{report.created_at:%d.%m.%Y %H:%M}"),
        (_("Erstellt von"), report.created_by),
        (SUPPRESSED_TEXT, _("1 oder 2 Personen")),
        (SECONDARY_TEXT, _("gesperrt, damit kleine Zahlen nicht zurückgerechnet werden können")),
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
    import hashlib

    return IssuedReport.objects.create(
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
