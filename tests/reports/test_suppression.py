"""The small-cell rule: "< 3" for 1 or 2 persons, plus complementary suppression ("x")."""

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
    # 2 + 2 = 4 could only be 2 and 2: one more cell must go.
    assert texts(column_table(2, 2, 10, 11)) == [["< 3"], ["< 3"], ["x"], ["11"], ["25"]]
    # 1 + 1 = 2 likewise.
    assert texts(column_table(1, 1, 10, 11)) == [["< 3"], ["< 3"], ["x"], ["11"], ["23"]]


def test_two_small_cells_that_stay_ambiguous_need_no_complement():
    # 1 + 2 = 3: could be 1+2 or 2+1.
    assert texts(column_table(1, 2, 10)) == [["< 3"], ["< 3"], ["10"], ["13"]]


def test_small_cell_with_a_complement_of_three_gets_a_third_cell():
    # "< 3" + "x" = 4 could only be 1 + 3: a third cell must go.
    assert texts(column_table(1, 3, 8)) == [["< 3"], ["x"], ["x"], ["12"]]


def test_zero_cells_are_shown_and_never_used_as_complement():
    assert texts(column_table(0, 1, 0, 4)) == [["0"], ["< 3"], ["0"], ["x"], ["5"]]


def test_small_total_is_suppressed_itself():
    assert texts(column_table(1, 1, 0)) == [["< 3"], ["< 3"], ["0"], ["< 3"]]


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
    assert texts(table) == [["< 3"], ["< 3"], ["x"], ["9"], ["x"], ["x"], ["x"]]


def test_published_table_has_no_value_for_suppressed_cells():
    published = publish(column_table(1, 5, 7))
    cells = [row["cells"][0] for row in published["rows"]]
    assert [c["value"] for c in cells] == [None, None, 7, 13]
    assert [c["suppressed"] for c in cells] == [True, True, False, False]


def test_numbers_are_formatted_german():
    table = Table("t", "T", "r", "S", ["n"], [Row("a", [12345], PLAIN), Row("b", [1.5], PLAIN)])
    assert texts(table) == [["12.345"], ["1,5"]]
