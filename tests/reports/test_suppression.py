"""The small-cell rule: "< 3" for 1 or 2 persons, plus complementary suppression ("x"), worked
out by hand per table and across linked tables (no database needed)."""

from fallmanagement.reports.suppression import (
    AVERAGE,
    COUNT,
    PLAIN,
    RATE,
    SINGLE,
    SUBTOTAL,
    TOTAL,
    Row,
    Table,
    protect_tables,
    publish,
)


def column_table(*counts, total=None, kind=COUNT) -> Table:
    rows = [Row(f"r{i}", [n], kind) for i, n in enumerate(counts)]
    rows.append(Row("Insgesamt", [sum(counts) if total is None else total], TOTAL))
    return Table("t", "T", "rule", "S", ["n"], rows)


def texts(table: Table) -> list:
    return [[cell["text"] for cell in row["cells"]] for row in publish(table)["rows"]]


def test_one_small_cell_and_the_next_smallest_are_suppressed_total_stays():
    assert texts(column_table(1, 5, 7)) == [["< 3"], ["x"], ["7"], ["13"]]


def test_two_small_cells_that_would_add_up_unambiguously_get_a_complement():
    # "< 3" + "< 3" = 4 could only be 2 and 2; with one shown as "x" (any number) the sum
    # 4 = "< 3" + "x" leaves 1 + 3 or 2 + 2: nothing more needs to be hidden than that.
    assert texts(column_table(2, 2, 10, 11)) == [["< 3"], ["x"], ["10"], ["11"], ["25"]]
    # 1 + 1 = 2 likewise: "< 3" + "x" = 2 is 1 + 1 or 2 + 0.
    assert texts(column_table(1, 1, 10, 11)) == [["< 3"], ["x"], ["10"], ["11"], ["23"]]


def test_two_small_cells_that_stay_ambiguous_need_no_complement():
    # 1 + 2 = 3: could be 1+2 or 2+1.
    assert texts(column_table(1, 2, 10)) == [["< 3"], ["< 3"], ["10"], ["13"]]


def test_small_cell_with_a_complement_of_three_needs_no_third_cell():
    # "x" may be any number, so "< 3" + "x" = 4 is 1 + 3 or 2 + 2.
    assert texts(column_table(1, 3, 8)) == [["< 3"], ["x"], ["8"], ["12"]]


def test_four_small_cells_adding_up_to_a_published_four_are_not_all_shown_as_small():
    # The attack: four "< 3" (each at least 1) adding up to 4 are each exactly 1. No
    # other cell helps (the rest are 0), the total stays: one of them is shown as "x".
    published = texts(column_table(1, 1, 1, 1, 0))
    assert published[-1] == ["4"]
    assert sorted(row[0] for row in published[:4]) == ["< 3", "< 3", "< 3", "x"]


def test_zero_cells_are_hidden_before_larger_ones_when_that_suffices():
    # "< 3" + "x" + "x" = 5 - 4 = 1 pins nothing down only if a hidden 0 joins the 4.
    assert texts(column_table(0, 1, 0, 4)) == [["0"], ["< 3"], ["0"], ["x"], ["5"]]


def test_small_total_is_suppressed_itself_as_x():
    # "< 3" + "< 3" = "< 3" would make both 1; a total shown as "x" leaves 1 or 2.
    assert texts(column_table(1, 1, 0)) == [["< 3"], ["< 3"], ["0"], ["x"]]


def test_single_figures_are_suppressed_without_complement():
    table = Table("t", "T", "r", "S", ["n"], [Row("a", [2], SINGLE), Row("b", [40], SINGLE)])
    assert texts(table) == [["< 3"], ["40"]]


def test_non_person_counts_are_never_suppressed():
    table = Table("t", "T", "r", "S", ["n"], [Row("Betriebe", [1], PLAIN)])
    assert texts(table) == [["1"]]


def test_every_column_is_its_own_line():
    table = Table(
        "t",
        "T",
        "r",
        "S",
        ["a", "b"],
        [Row("x", [10, 1]), Row("y", [12, 6]), Row("z", [3, 9]), Row("sum", [25, 16], TOTAL)],
    )
    assert texts(table) == [["10", "< 3"], ["12", "x"], ["3", "9"], ["25", "16"]]


def test_rows_with_a_total_column_are_lines_too():
    table = Table(
        "t",
        "T",
        "r",
        "S",
        ["all", "done", "aborted", "running"],
        [Row("k", [20, 14, 1, 5]), Row("sum", [20, 14, 1, 5], TOTAL)],
        row_total_col=0,
    )
    published = texts(table)
    assert published[0] == ["20", "14", "< 3", "x"]


def test_rates_and_averages_follow_their_counts():
    table = Table(
        "t",
        "T",
        "r",
        "S",
        ["a", "b"],
        [
            Row("total", [10, 2], TOTAL),
            Row("part", [2, 2]),
            Row("rest", [8, 0]),
            Row("share", [20.0, 100.0], RATE, basis=(1, 0)),
            Row("avg days", [28.0, 14.0], AVERAGE, basis=(0,)),
        ],
    )
    published = texts(table)
    assert published[3] == ["x", "x"]
    assert published[4] == ["28,0", "x"]


def test_subtotal_lines_hide_what_the_subtotal_would_give_away():
    # Exit reasons: work 2, apprenticeship 2 -> the integration subtotal 4 would reveal both.
    table = Table(
        "t",
        "T",
        "r",
        "S",
        ["n"],
        [
            Row("work", [2]),
            Row("apprenticeship", [2]),
            Row("dropped", [5]),
            Row("total", [9], TOTAL),
            Row("integration", [4], SUBTOTAL),
            Row("other", [5], SUBTOTAL),
            Row("rate", [44.4], RATE, basis=(4, 3)),
        ],
        extra_lines=[([0, 1], 4), ([2], 5), ([4, 5], 3)],
    )
    # "< 3" + "x" = 4: 1 + 3 or 2 + 2; the subtotals, the other 5 and the rate can stay.
    assert texts(table) == [["< 3"], ["x"], ["5"], ["9"], ["4"], ["5"], ["44,4 %"]]


def test_published_table_has_no_value_for_suppressed_cells():
    published = publish(column_table(1, 5, 7))
    cells = [row["cells"][0] for row in published["rows"]]
    assert [c["value"] for c in cells] == [None, None, 7, 13]
    assert [c["suppressed"] for c in cells] == [True, True, False, False]


def test_numbers_are_formatted_german():
    table = Table("t", "T", "r", "S", ["n"], [Row("a", [12345], PLAIN), Row("b", [1.5], PLAIN)])
    assert texts(table) == [["12.345"], ["1,5"]]


def test_other_reasons_subtotal_small_with_two_small_reasons_is_protected():
    # The attack: "davon aus anderen Gründen < 3" with Umzug "< 3" and Abbruch "< 3"
    # made each 1. The total is the overview's: it stays, so 10 - 8 would give the subtotal
    # back: the 8 and one of its parts must go too.
    overview = Table("overview", "T", "r", "S", ["n"], [Row("exits", [10], SINGLE)])
    table = Table(
        "t",
        "T",
        "r",
        "S",
        ["n"],
        [
            Row("work", [4]),
            Row("apprenticeship", [4]),
            Row("moved", [1]),
            Row("dropped", [1]),
            Row("total", [10], TOTAL),
            Row("integration", [8], SUBTOTAL),
            Row("other", [2], SUBTOTAL),
        ],
        extra_lines=[([0, 1], 5), ([2, 3], 6), ([5, 6], 4)],
        links=[((4, 0), ("overview", 0, 0))],
    )
    published = texts_with(table, protect_tables([overview, table]))
    assert published == [["x"], ["4"], ["< 3"], ["x"], ["10"], ["x"], ["< 3"]]


def test_a_total_published_in_the_overview_is_kept_and_protection_found_inside():
    overview = Table("overview", "T", "r", "S", ["n"], [Row("active", [10], SINGLE)])
    age = Table(
        "age",
        "T",
        "r",
        "S",
        ["n"],
        [Row("a", [1]), Row("b", [1]), Row("c", [1]), Row("d", [1]), Row("e", [6])]
        + [Row("total", [10], TOTAL)],
        links=[((5, 0), ("overview", 0, 0))],
    )
    marks = protect_tables([overview, age])
    assert ("overview", 0, 0) not in marks
    assert ("age", 5, 0) not in marks
    published = [c["text"] for row in publish(age, marks)["rows"] for c in row["cells"]]
    assert published[5] == "10"
    # "< 3" x 3 + "x" = 4: each "< 3" is 1 or 2, the "x" 0 or 1; the 6 can stay.
    assert published == ["< 3", "x", "< 3", "< 3", "6", "10"]


def test_funder_report_publishes_exact_counts():
    assert texts_with(column_table(1, 5, 7), {}) == [["1"], ["5"], ["7"], ["13"]]


def test_threshold_is_configurable():
    table = column_table(4, 5, 12)
    published = [[c["text"] for c in row["cells"]] for row in publish(table, threshold=5)["rows"]]
    assert published[0] == ["< 5"]
    assert published[-1] == ["21"]


def texts_with(table: Table, marks) -> list:
    return [[cell["text"] for cell in row["cells"]] for row in publish(table, marks)["rows"]]


def test_protection_looks_across_linked_columns_before_hiding_a_total():
    # Six persons, one divers: the published entries (5 and 1) bound the active per row
    # (entries <= active), so hiding the 5 active women alone leaves divers = 1. The entries
    # cell beside it must go too, not the total the overview publishes.
    overview = Table(
        "overview",
        "T",
        "r",
        "S",
        ["n"],
        [Row("active", [6], SINGLE), Row("entries", [6], SINGLE), Row("exits", [0], SINGLE)],
    )
    gender = Table(
        "gender",
        "T",
        "r",
        "S",
        ["active", "entries", "exits"],
        [
            Row("weiblich", [5, 5, 0]),
            Row("männlich", [0, 0, 0]),
            Row("divers", [1, 1, 0]),
            Row("Insgesamt", [6, 6, 0], TOTAL),
        ],
        leq_columns=[(1, 0), (2, 0)],
        links=[((3, c), ("overview", c, 0)) for c in range(3)],
    )
    published = texts_with(gender, protect_tables([overview, gender]))
    assert published == [["x", "x", "0"], ["0", "0", "0"], ["< 3", "< 3", "0"], ["6", "6", "0"]]
