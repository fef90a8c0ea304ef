"""Charts and PDF layout of the funding report: German text only, suppressed values visible,
every table within the A4 page (checked on WeasyPrint's layout, not by eye)."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from fallmanagement.core.pdf import STATIC_PREFIX, StaticOnlyURLFetcher
from fallmanagement.reports.charts import render_charts
from fallmanagement.reports.exports import EXPORT_LANGUAGE, build_report, report_pdf_context
from fallmanagement.reports.models import ReportKind
from fallmanagement.reports.periods import Period
from participants.models import Participant
from participants.workflow import change_status
from tests.factories import ParticipantFactory

D = datetime.date
MM = 96 / 25.4  # CSS px per mm


def table(key, rows, columns=("Austritte",), chart=None):
    return {
        "key": key,
        "title": "Titel",
        "chart": chart,
        "columns": list(columns),
        "rows": [
            {
                "label": label,
                "kind": "count",
                "cells": [
                    {"value": None if isinstance(v, str) else v, "text": str(v),
                     "suppressed": isinstance(v, str)}
                    for v in values
                ],
            }
            for label, values in rows
        ],
    }  # fmt: skip


def test_empty_chart_says_so_in_german():
    with translation.override("de"):
        svg = render_charts([table("exit_reasons", [("Arbeit", [0])], chart="exit_reasons")])
    text = svg["exit_reasons"]["svg"]
    assert "Keine Daten im Zeitraum" in text
    assert "No data" not in text


def test_suppressed_values_are_visible_bars_with_their_marker():
    rows = [("Arbeit", ["< 3"]), ("Ausbildung", [7]), ("Umzug", ["x"]), ("Sonstiges", [0])]
    with translation.override("de"):
        svg = render_charts([table("exit_reasons", rows, chart="exit_reasons")])
    text = svg["exit_reasons"]["svg"]
    assert ">&lt; 3<" in text and ">x<" in text  # printed on the bars
    assert text.count(">gesperrt<") == 2  # two grey bars (their tooltips), not left out
    assert "#c8c8c8" in text
    assert "Umzug" in text and "Arbeit" in text
    assert "Sonstiges" not in text  # a real 0 has no bar


def test_months_with_one_or_two_entries_show_their_bar_for_the_funder():
    rows = [("01/2025", [1, 0]), ("02/2025", [2, 1]), ("03/2025", [5, 0])]
    months = table("months", rows, columns=("Eintritte", "Austritte"), chart="months")
    with translation.override("de"):
        text = render_charts([months])["months"]["svg"]
    printed = re.findall(r'<text[^>]*class="value[^"]*"[^>]*>([^<]*)<', text)
    assert {"1", "2", "5"} <= set(printed)  # small counts have their bar and number


def _layout(report):
    html = render_to_string("pdf/report.html", {**report_pdf_context(report), "pdf_lang": "de"})
    return HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=StaticOnlyURLFetcher()).render()


def _overflowing_tables(document) -> list[str]:
    problems = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page.width - 18 * MM  # the print stylesheet's right margin
        for box in page_box.descendants():
            if isinstance(box, (boxes.TableBox, boxes.TableCellBox, boxes.ReplacedBox)):
                edge = box.position_x + box.margin_width()
                if edge > right + 0.5:
                    problems.append(f"page {number}: {type(box).__name__} ends at {edge:.0f}px")
    return problems


@pytest.mark.parametrize("kind", [ReportKind.FUNDER, ReportKind.PUBLICATION])
def test_every_table_fits_the_a4_page(caseworker, kind):
    for i in range(12):
        p = ParticipantFactory(
            caseworker=caseworker,
            entry_date=D(2025, 1 + i % 12, 3),
            residence_status=list(Participant.ResidenceStatus)[i % 8],
        )
        if i % 3 == 0:
            change_status(p, Participant.Status.CLOSED, caseworker, on=D(2025, 11, 2),
                          exit_reason="arbeit")  # fmt: skip
    with translation.override(EXPORT_LANGUAGE):
        report = build_report(Period.year(2025), None, "Test", kind=kind, language=EXPORT_LANGUAGE)
        document = _layout(report)
    assert document.pages[0].width == pytest.approx(210 * MM, abs=1)
    assert _overflowing_tables(document) == []
    # The widest table (five placement kinds) is laid out, not cut.
    assert len(document.pages) > 5


def test_the_overflow_check_finds_a_table_wider_than_the_page():
    html = (
        '<html><head><link rel="stylesheet" href="static:css/print.css"></head><body>'
        '<table style="width: 250mm"><tr><td>zu breit</td></tr></table></body></html>'
    )
    document = HTML(string=html, base_url=STATIC_PREFIX, url_fetcher=StaticOnlyURLFetcher())
    assert _overflowing_tables(document.render())
