"""Server-rendered SVG charts (pygal), drawn from the published tables.

Charts use the tables after the small-cell rule: a suppressed cell is never drawn with its
real value but as a short grey bar labelled "< 3" or "x" (so it cannot be mistaken for 0).
All text is German (also pygal's "no data" text). The SVG carries no script (js=[]) and no XML
declaration, so the same markup goes inline into the PDF and, base64-encoded as an <img>,
into the page (the page's CSP would block the SVG's own <style> element inline).
"""

import base64
import re

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from .suppression import SUPPRESSED_TEXT

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    colors=("#0b5394", "#e69138", "#6aa84f", "#a64d79"),
    font_family="DejaVu Sans, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
    value_font_size=12,
)

CONFIG = {
    "style": STYLE,
    "disable_xml_declaration": True,
    "js": [],
    "width": 800,
    "height": 400,
    "print_values": True,
    "print_zeroes": False,
    "show_y_guides": True,
    "legend_at_bottom": True,
    "truncate_label": -1,
    "truncate_legend": -1,
    "explicit_size": True,
}


def _config() -> dict:
    return {**CONFIG, "no_data_text": _("Keine Daten im Zeitraum")}


SCRIPT_RE = re.compile(r"<script\b.*?</script>|<script\b[^>]*/>", re.DOTALL | re.IGNORECASE)


def _clean(svg: str) -> str:
    """pygal always adds a config <script> even with js=[]: drop it (CSP, PDF)."""
    return SCRIPT_RE.sub("", svg)


def _values(table: dict, column: int) -> list[tuple[str, int | None, str | None]]:
    """(label, value, text of a suppressed cell or None) of the breakdown cells of a column
    (no totals, subtotals or rates)."""
    return [
        (
            row["label"],
            row["cells"][column]["value"],
            row["cells"][column]["text"] if row["cells"][column]["suppressed"] else None,
        )
        for row in table["rows"]
        if row["kind"] == "count"
    ]


def _suppressed(hidden: str | None, placeholder: float):
    """A suppressed cell: a short grey bar (its own series, so its colour comes from the
    chart's stylesheet, which WeasyPrint applies too) that shows its text, not a value."""
    if hidden is None:
        return None
    return {
        "value": placeholder,
        "formatter": lambda _value, text=hidden: text,
        "label": _("gesperrt"),
    }


def _placeholder(values) -> float:
    """Height of a suppressed bar: small beside the real ones, but visible."""
    top = max([v for v in values if v] or [1])
    return max(0.5, top / 12)


def _integer_axis(values) -> dict:
    """Whole-number ticks on the value axis (counts of persons, not 0.2 steps)."""
    top = max([v for v in values if v] or [1])
    step = max(1, -(-top // 8))
    ticks = list(range(0, top + step, step))
    return {"range": (0, ticks[-1]), "y_labels": ticks}


def _style(colors: tuple[str, ...]) -> Style:
    style = Style(**{name: getattr(STYLE, name) for name in STYLE_FIELDS})
    style.colors = colors
    return style


STYLE_FIELDS = (
    "background", "plot_background", "foreground", "foreground_strong", "foreground_subtle",
    "font_family", "label_font_size", "major_label_font_size", "legend_font_size",
    "title_font_size", "value_font_size",
)  # fmt: skip
SUPPRESSED_COLOUR = "#c8c8c8"


def months_chart(table: dict) -> str:
    all_values = [v for c in range(len(table["columns"])) for _l, v, _h in _values(table, c)]
    placeholder = _placeholder(all_values)
    columns = list(enumerate(table["columns"]))
    hidden_columns = [(c, n) for c, n in columns if any(h for _l, _v, h in _values(table, c))]
    colors = [*STYLE.colors[: len(columns)], *[SUPPRESSED_COLOUR] * len(hidden_columns)]
    config = {**_config(), "style": _style(tuple(colors))}
    chart = pygal.Bar(**config, **_integer_axis(all_values), title=table["title"])
    chart.x_labels = [label for label, _v, _h in _values(table, 0)]
    for column, name in columns:
        chart.add(name, [None if h else v for _l, v, h in _values(table, column)])
    for column, name in hidden_columns:
        label = _("%(column)s (gesperrt)") % {"column": name}
        chart.add(label, [_suppressed(h, placeholder) for _l, _v, h in _values(table, column)])
    return chart.render(is_unicode=True)


def horizontal_chart(table: dict) -> str:
    data = [(label, v, h) for label, v, h in _values(table, 0) if v or h]
    placeholder = _placeholder([v for _l, v, _h in data])
    config = {
        **_config(),
        "style": _style((STYLE.colors[0], SUPPRESSED_COLOUR)),
        "height": max(200, 60 + 38 * len(data)),
        "show_legend": False,
    }
    # Stacked: the real and the suppressed series share one bar per row (one is always None).
    chart = pygal.HorizontalStackedBar(
        **config, **_integer_axis([v for _l, v, _h in data]), title=table["title"]
    )
    chart.x_labels = [label[:60] for label, _v, _h in data]
    chart.add(table["columns"][0], [None if h else v for _l, v, h in data])
    chart.add(_("gesperrt"), [_suppressed(h, placeholder) for _l, _v, h in data])
    return chart.render(is_unicode=True)


CHARTS = {
    "months": months_chart,
    "exit_reasons": horizontal_chart,
    "placement_fields": horizontal_chart,
}


def render_charts(tables: list[dict], suppressed_text: str = SUPPRESSED_TEXT) -> dict[str, dict]:
    """{table key: {"svg": markup, "data_uri": ..., "alt": ...}} for tables with a chart."""
    charts = {}
    for table in tables:
        draw = CHARTS.get(table.get("chart") or "")
        if draw is None:
            continue
        svg = _clean(draw(table))
        charts[table["key"]] = {
            "svg": svg,
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "alt": _("Diagramm: %(title)s. Die Werte stehen in der Tabelle darunter.")
            % {"title": table["title"]},
            "note": _(
                "Graue Balken mit „%(small)s“ oder „x“: gesperrte Werte; ihre Länge sagt nichts "
                "über den Wert."
            )
            % {"small": suppressed_text},
        }
    return charts
