"""The small-cell rule, in one place for the page, the PDF, the CSV and the XLSX.

A cell that counts 1 or 2 persons is published as "< 3". So that it cannot be computed back
from a total, every line (a column or a row that adds up to a shown total) with suppressed
cells gets more cells suppressed (the next-smallest ones) until none of them can be worked
out, knowing that "< 3" means 1 or 2 and "x" means 3 or more. Those extra cells are
published as "x" (they may be large, so "< 3" would be wrong). Totals stay unless they
themselves count 1 or 2 persons. Rates and averages are suppressed when the counts they rest on are.
"""

import math
from dataclasses import dataclass, field

SUPPRESSED_TEXT = "< 3"
# Cells hidden only so that a small cell cannot be computed back (they may be large).
SECONDARY_TEXT = "x"
NOT_APPLICABLE_TEXT = "–"

# Row kinds: which cells count persons and how they add up.
COUNT = "count"  # persons, part of a breakdown that adds up to the table's total row
TOTAL = "total"  # persons, the total of the COUNT rows (per column)
SINGLE = "single"  # persons, a stand-alone figure (no breakdown)
PLAIN = "plain"  # not persons (employers, staff, contacts): never suppressed
RATE = "rate"  # percentage: basis = (numerator row, denominator row)
AVERAGE = "avg"  # average over persons: basis = (row counting those persons,)
SUBTOTAL = "subtotal"  # persons, the sum of some COUNT rows (see Table.extra_lines)
PERSON_KINDS = (COUNT, TOTAL, SINGLE, SUBTOTAL)


@dataclass
class Row:
    label: str
    values: list
    kind: str = COUNT
    basis: tuple[int, ...] = ()


@dataclass
class Table:
    key: str
    title: str
    rule: str
    section: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    # Index of a column that is the total of the other columns in each row (or None).
    row_total_col: int | None = None
    # More lines within each column: (rows that add up, row holding their sum).
    extra_lines: list[tuple[list[int], int]] = field(default_factory=list)
    chart: str | None = None


def _line_is_safe(small: list[bool], rest: float) -> bool:
    """Can no hidden cell of a line be worked out from the line's sum?

    `small` says per hidden cell whether it is shown as "< 3" (the reader knows: 1 or 2) or
    as "x" (the reader knows: 3 or more); `rest` is what they add up to (total minus the
    shown cells). A cell is exposed when only one value fits.
    """
    bounds = [(1, 2) if is_small else (3, math.inf) for is_small in small]
    for i, (low, high) in enumerate(bounds):
        others_low = sum(b[0] for j, b in enumerate(bounds) if j != i)
        others_high = sum(b[1] for j, b in enumerate(bounds) if j != i)
        fit_low, fit_high = max(low, rest - others_high), min(high, rest - others_low)
        if fit_low >= fit_high:
            return False
    return True


def suppressed_cells(table: Table) -> dict[tuple[int, int], str]:
    """{(row, column): text} for every cell that must not be published ("< 3" or "x")."""
    rows = table.rows
    ncols = len(table.columns)

    def value(r: int, c: int) -> float:
        v = rows[r].values[c]
        return v or 0

    hidden: set[tuple[int, int]] = {
        (r, c)
        for r, row in enumerate(rows)
        if row.kind in PERSON_KINDS
        for c in range(ncols)
        if row.values[c] is not None and 1 <= row.values[c] <= 2
    }

    # Lines: cells that add up to a shown total.
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    count_rows = [r for r, row in enumerate(rows) if row.kind == COUNT]
    total_rows = [r for r, row in enumerate(rows) if row.kind == TOTAL]
    if total_rows and count_rows:
        for c in range(ncols):
            lines.append(([(r, c) for r in count_rows], (total_rows[0], c)))
    for member_rows, sum_row in table.extra_lines:
        for c in range(ncols):
            lines.append(([(r, c) for r in member_rows], (sum_row, c)))
    if table.row_total_col is not None:
        rtc = table.row_total_col
        for r in count_rows + total_rows:
            lines.append(([(r, c) for c in range(ncols) if c != rtc], (r, rtc)))

    changed = True
    while changed:
        changed = False
        for cells, total in lines:
            if total in hidden:
                continue  # the total is unknown, nothing can be computed back
            gone = [cell for cell in cells if cell in hidden]
            if not gone:
                continue
            rest = value(*total) - sum(value(*cell) for cell in cells if cell not in hidden)
            small = [1 <= value(*cell) <= 2 for cell in gone]
            if _line_is_safe(small, rest):
                continue
            candidates = [cell for cell in cells if cell not in hidden and value(*cell) > 0]
            if candidates:
                hidden.add(min(candidates, key=lambda cell: (value(*cell), cell)))
            else:
                hidden.add(total)
            changed = True

    # Rates and averages follow the counts they rest on.
    for r, row in enumerate(rows):
        if row.kind not in (RATE, AVERAGE):
            continue
        for c in range(ncols):
            if any((b, c) in hidden or 0 < value(b, c) < 3 for b in row.basis):
                hidden.add((r, c))
    return {
        cell: SUPPRESSED_TEXT
        if rows[cell[0]].kind in PERSON_KINDS and 1 <= value(*cell) <= 2
        else SECONDARY_TEXT
        for cell in hidden
    }


def format_value(value, kind: str) -> str:
    if value is None:
        return NOT_APPLICABLE_TEXT
    if kind == RATE:
        return f"{value:.1f} %".replace(".", ",")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return f"{value:,}".replace(",", ".")


def publish(table: Table) -> dict:
    """The table as published (JSON-serialisable), with the small-cell rule applied."""
    hidden = suppressed_cells(table)
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, v in enumerate(row.values):
            if (r, c) in hidden:
                cells.append({"value": None, "text": hidden[(r, c)], "suppressed": True})
            else:
                cells.append({"value": v, "text": format_value(v, row.kind), "suppressed": False})
        rows.append({"label": str(row.label), "kind": row.kind, "cells": cells})
    return {
        "key": table.key,
        "title": str(table.title),
        "rule": str(table.rule),
        "section": str(table.section),
        "columns": [str(c) for c in table.columns],
        "rows": rows,
        "chart": table.chart,
    }
