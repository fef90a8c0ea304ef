"""The small-cell rule for reports meant for publication, in one place for the page, the PDF,
the CSV and the XLSX. Pure functions over plain tables: no database, no Django models.

A cell that counts 1 to threshold-1 persons (primary cell) is published as "< 3". The whole
report is one system of linear equations a reader can solve: every column (or row) adds up to
its total, subtotals add up, and a figure published in two tables (the overview's active
participants are the total of every breakdown) is the same number. `protect` hides further
cells ("x", secondary suppression) until no primary cell can be pinned down: from everything
published, each small cell must still have two or more possible values (for "< 3": 1 and 2).
Where hiding more cells cannot help (four "< 3" adding up to a published 4), a small cell is
shown as "x" instead of "< 3", so that it might as well be 0.

The check is done by an attacker written here in plain Python (`attacker_intervals`): interval
propagation over all equations and inequalities, knowing that "< 3" means 1 or 2, "x" means
nothing but "0 or more" and shown figures are exact. The test suite attacks the
same tables with an LP/MILP solver (HiGHS), which is stronger; this module needs no solver.

Totals that are published elsewhere (the overview, a figure shown in two tables) are hidden
only as the last resort; as few and as small cells as possible are hidden.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_THRESHOLD = 3
# Cells hidden so that a small cell cannot be computed back (value not said).
SECONDARY_TEXT = "x"
NOT_APPLICABLE_TEXT = "–"

# Row kinds: which cells count persons and how they add up.
COUNT = "count"  # persons, part of a breakdown that adds up to the table's total row
TOTAL = "total"  # persons, the total of the COUNT rows (per column)
SINGLE = "single"  # persons, a stand-alone figure (no breakdown)
PLAIN = "plain"  # not persons (employers, staff, contacts, targets): never suppressed
RATE = "rate"  # percentage: basis = (numerator row, denominator row)
AVERAGE = "avg"  # average over persons: basis = (row counting those persons,)
SUBTOTAL = "subtotal"  # persons, the sum of some COUNT rows (see Table.extra_lines)
PERSON_KINDS = (COUNT, TOTAL, SINGLE, SUBTOTAL)

# Marks of hidden cells, and what a reader learns from them.
SMALL = "small"  # "< 3": 1 .. threshold-1
HIDDEN = "x"  # "x": any value, 0 included (a "< 3" may be shown as "x" too)

CellId = tuple[str, int, int]  # (table key, row, column)


def suppressed_text(threshold: int = DEFAULT_THRESHOLD) -> str:
    return f"< {threshold}"


SUPPRESSED_TEXT = suppressed_text()


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
    # Per row of persons: (column, column) where the first can never exceed the second
    # (entries among the active of a category <= the active of that category).
    leq_columns: list[tuple[int, int]] = field(default_factory=list)
    # Cells that are the same figure as a cell of another table: ((row, col), (key, row, col)).
    links: list[tuple[tuple[int, int], CellId]] = field(default_factory=list)
    # Cells (not counted as persons here) that show or rest on a cell of another table: hidden
    # exactly when that cell is (the actual figure beside a target and its fulfilment).
    follows: list[tuple[tuple[int, int], CellId]] = field(default_factory=list)
    chart: str | None = None


@dataclass
class System:
    """Everything a reader of the whole report can combine."""

    values: dict[CellId, float] = field(default_factory=dict)
    kinds: dict[CellId, str] = field(default_factory=dict)
    equations: list[tuple[list[CellId], CellId]] = field(default_factory=list)  # sum == total
    inequalities: list[tuple[CellId, CellId]] = field(default_factory=list)  # a <= b
    # Figures published elsewhere too: hidden only if nothing else helps.
    keep: set[CellId] = field(default_factory=set)
    # Two columns of one breakdown, the first never larger per row: (smaller cells, larger
    # cells, smaller total, larger total), for the sums a reader can bound with them.
    column_pairs: list[tuple[list[CellId], list[CellId], CellId, CellId]] = field(
        default_factory=list
    )


def _value_of(tables_by_key: dict[str, Table], cell: CellId):
    key, r, c = cell
    return tables_by_key[key].rows[r].values[c] if key in tables_by_key else None


def build_system(tables: Iterable[Table]) -> System:
    system = System()
    tables = list(tables)
    tables_by_key = {table.key: table for table in tables}
    for table in tables:
        key, rows, ncols = table.key, table.rows, len(table.columns)
        for r, row in enumerate(rows):
            for c, value in enumerate(row.values):
                system.values[(key, r, c)] = value
                system.kinds[(key, r, c)] = row.kind
                if row.kind == SINGLE:
                    system.keep.add((key, r, c))
        count_rows = [r for r, row in enumerate(rows) if row.kind == COUNT]
        total_rows = [r for r, row in enumerate(rows) if row.kind == TOTAL]
        lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
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
        for members, total in lines:
            system.equations.append(([(key, *m) for m in members], (key, *total)))
        for small, large in table.leq_columns:
            for r in count_rows + total_rows:
                system.inequalities.append(((key, r, small), (key, r, large)))
            if count_rows and total_rows:
                system.column_pairs.append(
                    (
                        [(key, r, small) for r in count_rows],
                        [(key, r, large) for r in count_rows],
                        (key, total_rows[0], small),
                        (key, total_rows[0], large),
                    )
                )
        for (r, c), other in table.links:
            # Only a link that holds: inconsistent records (an exit before the entry) would
            # otherwise let the check reason from an equation no reader can use.
            if rows[r].values[c] == _value_of(tables_by_key, other):
                system.equations.append(([(key, r, c)], other))
                system.keep.update({(key, r, c), other})
    return system


def is_primary(value, kind: str, threshold: int) -> bool:
    return kind in PERSON_KINDS and value is not None and 1 <= value < threshold


def attacker_intervals(
    system: System, marks: dict[CellId, str], threshold: int
) -> dict[CellId, tuple[float, float]]:
    """What a reader can narrow each hidden cell down to by interval propagation over every
    equation and inequality, in whole numbers (see `exposed_cells` for the stronger check)."""
    bounds = _initial_bounds(marks, threshold)
    _propagate(system, bounds, _relevant(system, bounds))
    return bounds


def _initial_bounds(marks, threshold) -> dict[CellId, tuple[float, float]]:
    return {
        cell: (1, threshold - 1) if mark == SMALL else (0, math.inf) for cell, mark in marks.items()
    }


def _relevant(system: System, bounds) -> tuple[list, list, list]:
    return (
        [(m, t) for m, t in system.equations if t in bounds or any(c in bounds for c in m)],
        [(a, b) for a, b in system.inequalities if a in bounds or b in bounds],
        _pair_sums(system, bounds),
    )


def _pair_sums(system: System, hidden) -> list[tuple[list[CellId], float, float]]:
    """Bounds on sums that only the two columns together give (cells, lowest, highest).

    With smaller <= larger per row, over the rows R whose larger cell is hidden: the smaller
    cells in R add up to at most what the larger column leaves for R, and so the smaller cells
    outside R to at least the rest of their total. Likewise over the rows whose smaller cell
    is hidden. Interval propagation cannot see sums of several cells on its own."""
    sums = []
    for smaller, larger, small_total, large_total in system.column_pairs:
        if small_total in hidden or large_total in hidden:
            continue
        t_small = system.values[small_total] or 0
        t_large = system.values[large_total] or 0
        for inside_cells, other_cells, t_inside, t_other, sign in (
            (larger, smaller, t_large, t_small, 1),
            (smaller, larger, t_small, t_large, -1),
        ):
            rows = [i for i, cell in enumerate(inside_cells) if cell in hidden]
            if not rows:
                continue
            rest = [i for i in range(len(inside_cells)) if i not in rows]
            # What the hidden cells of this column in R add up to (known from its total).
            known = t_inside - sum(system.values[inside_cells[i]] or 0 for i in rest)
            in_r = [other_cells[i] for i in rows]
            out_r = [other_cells[i] for i in rest]
            if sign > 0:  # smaller over R <= known; smaller outside R >= t_small - known
                sums.append((in_r, 0, known))
                sums.append((out_r, t_other - known, math.inf))
            else:  # larger over R >= known; larger outside R <= t_large - known
                sums.append((in_r, known, math.inf))
                sums.append((out_r, 0, t_other - known))
    return sums


def _propagate(system: System, bounds: dict, relevant: tuple[list, list], rounds=200) -> bool:
    """Narrow `bounds` in place to a fixed point; False if no solution is left."""
    equations, inequalities, sums = relevant

    def get(cell):
        if cell in bounds:
            return bounds[cell]
        value = system.values[cell] or 0
        return (value, value)

    def narrow(cell, low, high) -> bool:
        old_low, old_high = bounds[cell]
        low = max(old_low, math.ceil(low) if low != -math.inf else low)
        high = min(old_high, math.floor(high) if high != math.inf else high)
        if (low, high) != (old_low, old_high):
            bounds[cell] = (low, high)
            return True
        return False

    for _round in range(rounds):
        changed = False
        for members, total in equations:
            # members - total == 0: each hidden term lies between 0 - (the others' extremes).
            terms = [(m, 1) for m in members] + [(total, -1)]
            lows = [sign * get(cell)[0 if sign > 0 else 1] for cell, sign in terms]
            highs = [sign * get(cell)[1 if sign > 0 else 0] for cell, sign in terms]
            low_sum, high_sum = _Sum(lows), _Sum(highs)
            for i, (cell, sign) in enumerate(terms):
                if cell not in bounds:
                    continue
                # sign * cell == -(sum of the other terms)
                others_low = low_sum.without(lows[i])
                others_high = high_sum.without(highs[i])
                if sign > 0:
                    changed |= narrow(cell, -others_high, -others_low)
                else:
                    changed |= narrow(cell, others_low, others_high)
            if any(low > high for low, high in (get(c) for c, _s in terms)):
                return False
        for cells, lowest, highest in sums:
            lows = [get(cell)[0] for cell in cells]
            highs = [get(cell)[1] for cell in cells]
            low_sum, high_sum = _Sum(lows), _Sum(highs)
            if low_sum.without(0) > highest or high_sum.without(0) < lowest:
                return False
            for i, cell in enumerate(cells):
                if cell in bounds:
                    changed |= narrow(
                        cell,
                        lowest - high_sum.without(highs[i]),
                        highest - low_sum.without(lows[i]),
                    )
        for a, b in inequalities:
            if a in bounds:
                changed |= narrow(a, -math.inf, get(b)[1])
            if b in bounds:
                changed |= narrow(b, get(a)[0], math.inf)
            if get(a)[0] > get(a)[1] or get(b)[0] > get(b)[1]:
                return False
        if not changed:
            return True
    return True


class _Sum:
    """A sum of terms that may be infinite (all infinite ones have the same sign), so that
    "the sum of all the others" is cheap for every term."""

    def __init__(self, terms: list[float]):
        self.finite = sum(t for t in terms if not math.isinf(t))
        self.infinite = [t for t in terms if math.isinf(t)]

    def without(self, term: float) -> float:
        rest = len(self.infinite) - (1 if math.isinf(term) else 0)
        if rest:
            return self.infinite[0]
        return self.finite - (0 if math.isinf(term) else term)


def exposed_cells(
    system: System, marks: dict[CellId, str], primary: set[CellId], threshold: int
) -> list[CellId]:
    """Primary cells a reader can pin down to one value (see `_is_exposed`)."""
    index = _Index(system)
    return [cell for cell in sorted(primary) if _is_exposed(system, index, marks, cell, threshold)]


class _Index:
    """Which equations and inequalities each cell is part of."""

    def __init__(self, system: System):
        self.equations: dict[CellId, list[int]] = {}
        self.inequalities: dict[CellId, list[int]] = {}
        for i, (members, total) in enumerate(system.equations):
            for cell in [*members, total]:
                self.equations.setdefault(cell, []).append(i)
        for i, pair in enumerate(system.inequalities):
            for cell in pair:
                self.inequalities.setdefault(cell, []).append(i)

    def component(self, system: System, marks, start) -> tuple[list, list]:
        """The equations and inequalities that link `start` through hidden cells."""
        equations, inequalities, todo, seen = set(), set(), [start], {start}
        while todo:
            cell = todo.pop()
            for index, group, found in (
                (self.equations, system.equations, equations),
                (self.inequalities, system.inequalities, inequalities),
            ):
                for i in index.get(cell, []):
                    if i in found:
                        continue
                    found.add(i)
                    members = group[i][0] + [group[i][1]] if group is system.equations else group[i]
                    for other in members:
                        if other in marks and other not in seen:
                            seen.add(other)
                            todo.append(other)
        return (
            [system.equations[i] for i in sorted(equations)],
            [system.inequalities[i] for i in sorted(inequalities)],
            _pair_sums(system, marks),
        )


def _is_exposed(system, index: _Index, marks, cell, threshold) -> bool:
    """Can a reader pin `cell` down to one value?

    Interval propagation alone misses what only a combination of equations shows (two
    columns linked by "exits <= active" per row); so each candidate value of the cell is
    also tried: fixed to it, does propagation still find a solution? Two values must pass.
    """
    relevant = index.component(system, marks, cell)
    bounds = _initial_bounds(marks, threshold)
    _propagate(system, bounds, relevant)
    low, high = bounds[cell]
    if high - low < 1:
        return True
    return len(_possible_values(system, bounds, relevant, cell, 2)) < 2


def _possible_values(system, bounds, relevant, cell, wanted: int) -> list[int]:
    """Up to `wanted` values of `cell` that survive propagation (smallest, then largest)."""
    low, high = bounds[cell]
    found: list[int] = []
    top = high if high != math.inf else low + 3
    candidates = list(range(int(low), int(top) + 1))
    for order in (candidates, list(reversed(candidates))):
        for value in order:
            if value in found:
                break
            trial = {**bounds, cell: (value, value)}
            if _propagate(system, trial, relevant):
                found.append(value)
                break
        if len(found) >= wanted:
            break
    return found


def protect(system: System, threshold: int = DEFAULT_THRESHOLD) -> dict[CellId, str]:
    """{cell: SMALL or HIDDEN} for every person count that must not be published."""
    primary = {
        cell
        for cell, value in system.values.items()
        if is_primary(value, system.kinds[cell], threshold)
    }
    marks = dict.fromkeys(primary, SMALL)
    index = _Index(system)
    # Hiding a cell or showing "< 3" as "x" only ever tells the reader less: a cell once
    # protected stays protected, so one pass over the small cells suffices.
    for cell in sorted(primary):
        while _is_exposed(system, index, marks, cell, threshold):
            steps = _candidate_steps(system, marks, index, cell)
            if not steps:  # cannot happen: a "< 3" can always be shown as "x"
                raise AssertionError(f"no way to protect {cell}")
            # The first change (in order of cost) that protects the cell on its own; else the
            # first that hides a number (more hidden cells around it will protect it later).
            for target, mark in steps[:LOOKAHEAD]:
                if not _is_exposed(system, index, {**marks, target: mark}, cell, threshold):
                    break
            else:
                target, mark = next(
                    (step for step in steps if step[0] not in marks and system.values[step[0]]),
                    steps[0],
                )
            marks[target] = mark
    return marks


LOOKAHEAD = 12


def _candidate_steps(system, marks, index: "_Index", start) -> list[tuple[CellId, str]]:
    """Changes that may protect `start`, cheapest first: show a "< 3" total (then another
    small cell) as "x"; hide a 0; hide the smallest published count, nearest equations
    first; hide a figure that is published elsewhere."""
    seen_equations: set[tuple[str, int]] = set()
    frontier, distance = [start], 0
    published: list[tuple] = []
    small_marked: list[tuple] = []
    visited = {start}
    while frontier:
        next_frontier = []
        for cell in frontier:
            if marks.get(cell) == SMALL:
                is_total = system.kinds[cell] != COUNT
                small_marked.append((not is_total, cell == start, distance, cell))
            # Cells linked by an equation or by "smaller <= larger" (entries and active of a
            # category): hiding either may be what protects the cell.
            linked = [
                ("eq", i, [*system.equations[i][0], system.equations[i][1]])
                for i in index.equations.get(cell, [])
            ] + [("leq", i, list(system.inequalities[i])) for i in index.inequalities.get(cell, [])]
            for kind, i, cells in linked:
                if (kind, i) in seen_equations:
                    continue
                seen_equations.add((kind, i))
                for other in cells:
                    if other in marks:
                        if other not in visited:
                            visited.add(other)
                            next_frontier.append(other)
                    elif system.kinds[other] in PERSON_KINDS:
                        value = system.values[other] or 0
                        published.append((other in system.keep, value, distance, other))
        frontier, distance = next_frontier, distance + 1
    published = sorted(set(published))
    zeros = [p[3] for p in published if not p[0] and not p[1]]
    counts = [p[3] for p in published if not p[0] and p[1]]
    keep = [p[3] for p in published if p[0]]
    downgrades = [s[3] for s in sorted(small_marked)]
    return (
        [(c, HIDDEN) for c in downgrades]
        + [(c, HIDDEN) for c in zeros]
        + [(c, HIDDEN) for c in counts]
        + [(c, HIDDEN) for c in keep]
    )


def protect_tables(tables: list[Table], threshold: int = DEFAULT_THRESHOLD) -> dict[CellId, str]:
    """Marks of the hidden cells of all `tables` together, rates and averages included."""
    system = build_system(tables)
    marks = protect(system, threshold)
    # Rates and averages follow the counts they rest on; copies follow their source.
    for table in tables:
        for r, row in enumerate(table.rows):
            if row.kind not in (RATE, AVERAGE):
                continue
            for c in range(len(table.columns)):
                if any(
                    (table.key, b, c) in marks
                    or is_primary(table.rows[b].values[c], table.rows[b].kind, threshold)
                    for b in row.basis
                ):
                    marks[(table.key, r, c)] = HIDDEN
    for table in tables:
        for (r, c), source in table.follows:
            if source in marks:
                marks[(table.key, r, c)] = HIDDEN
    return marks


def suppressed_cells(
    table: Table, threshold: int = DEFAULT_THRESHOLD
) -> dict[tuple[int, int], str]:
    """{(row, column): text} of the cells of one table on its own that must not be published."""
    marks = protect_tables([table], threshold)
    return {
        (r, c): suppressed_text(threshold) if mark == SMALL else SECONDARY_TEXT
        for (_key, r, c), mark in marks.items()
    }


def format_value(value, kind: str) -> str:
    if value is None:
        return NOT_APPLICABLE_TEXT
    if kind == RATE:
        return f"{value:.1f} %".replace(".", ",")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return f"{value:,}".replace(",", ".")


def publish(
    table: Table, marks: dict[CellId, str] | None = None, threshold: int = DEFAULT_THRESHOLD
) -> dict:
    """The table as published (JSON-serialisable). `marks` from `protect_tables` over the
    whole report; without, the table is protected on its own; with {}, nothing is hidden."""
    if marks is None:
        marks = protect_tables([table], threshold)
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, v in enumerate(row.values):
            mark = marks.get((table.key, r, c))
            if mark is not None:
                text = suppressed_text(threshold) if mark == SMALL else SECONDARY_TEXT
                cells.append({"value": None, "text": text, "suppressed": True})
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
