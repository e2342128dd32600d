"""Priority from impact and urgency (PRODUCT.md 2.1)."""

from __future__ import annotations

import pytest

from svcops.domain.errors import ExitCode, InvalidInput
from svcops.domain.priority import (
    DEFAULT_MATRIX,
    check_level,
    check_matrix,
    check_priority,
    priority_for,
)

# PRODUCT.md 2.1, cell by cell: (impact, urgency) -> priority
PRODUCT_MATRIX = {
    (1, 1): "P1",
    (1, 2): "P2",
    (1, 3): "P3",
    (2, 1): "P2",
    (2, 2): "P3",
    (2, 3): "P4",
    (3, 1): "P3",
    (3, 2): "P4",
    (3, 3): "P4",
}


@pytest.mark.parametrize(("cell", "expected"), sorted(PRODUCT_MATRIX.items()))
def test_default_matrix_cell(cell: tuple[int, int], expected: str) -> None:
    impact, urgency = cell
    assert priority_for(impact, urgency, DEFAULT_MATRIX) == expected


def test_default_matrix_has_exactly_nine_cells_and_passes_its_own_check() -> None:
    assert len(PRODUCT_MATRIX) == 9
    assert check_matrix(DEFAULT_MATRIX) == DEFAULT_MATRIX


def test_organisation_wide_work_stopped_is_p1_and_one_person_can_wait_is_p4() -> None:
    assert priority_for(1, 1, DEFAULT_MATRIX) == "P1"
    assert priority_for(3, 3, DEFAULT_MATRIX) == "P4"


@pytest.mark.parametrize("value", [1, 2, 3])
def test_check_level_accepts_1_to_3(value: int) -> None:
    assert check_level(value, "impact") == value


@pytest.mark.parametrize("value", [0, 4, -1, 10])
def test_check_level_refuses_others(value: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_level(value, "urgency")
    assert caught.value.message == f"urgency must be 1, 2 or 3, not {value}"
    assert caught.value.exit_code == ExitCode.USAGE == 2


@pytest.mark.parametrize(("text", "level"), [("1", 1), (" 2 ", 2), ("3", 3), ("03", 3)])
def test_check_level_reads_text_from_the_command_line(text: str, level: int) -> None:
    assert check_level(text, "impact") == level


@pytest.mark.parametrize(
    ("text", "shown"),
    [("x", "'x'"), ("", "''"), ("-1", "'-1'"), ("1.5", "'1.5'"), ("4", "4"), ("0", "0")],
)
def test_check_level_refuses_other_text(text: str, shown: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_level(text, "impact")
    assert caught.value.message == f"impact must be 1, 2 or 3, not {shown}"
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("impact", "urgency", "what"),
    [(0, 1, "impact"), (4, 2, "impact"), (1, 0, "urgency"), (2, 4, "urgency")],
)
def test_priority_for_refuses_out_of_range_levels(impact: int, urgency: int, what: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{what} must be 1, 2 or 3"):
        priority_for(impact, urgency, DEFAULT_MATRIX)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("P1", "P1"), ("p2", "P2"), (" P3 ", "P3"), ("p4\n", "P4")],
)
def test_check_priority_normalises(value: str, expected: str) -> None:
    assert check_priority(value) == expected


@pytest.mark.parametrize("value", ["P0", "P5", "1", "", "high", "PP1"])
def test_check_priority_refuses_others(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_priority(value)
    assert caught.value.message == f"priority must be one of P1, P2, P3, P4, not {value!r}"
    assert caught.value.exit_code == 2


def test_check_matrix_normalises_lists_to_tuples() -> None:
    rows = [["p1", "P1", "P2"], ["P2", "P2", "P3"], ["P3", "P4", "P4"]]
    assert check_matrix(rows) == (
        ("P1", "P1", "P2"),
        ("P2", "P2", "P3"),
        ("P3", "P4", "P4"),
    )


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [["P1", "P2", "P3"], ["P2", "P3", "P4"]],
        [["P1", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P4"], ["P4", "P4", "P4"]],
        [["P1", "P2"], ["P2", "P3"], ["P3", "P4"]],
        [["P1", "P2", "P3"], ["P2", "P3", "P4", "P4"], ["P3", "P4", "P4"]],
        [["P1", "P2", "P3"], [], ["P3", "P4", "P4"]],
    ],
    ids=["empty", "two-rows", "four-rows", "two-columns", "ragged", "empty-row"],
)
def test_check_matrix_refuses_wrong_shapes(rows: list[list[str]]) -> None:
    with pytest.raises(InvalidInput, match="must have 3 rows") as caught:
        check_matrix(rows)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("bad", ["P5", "P0", "urgent", ""])
def test_check_matrix_refuses_wrong_values(bad: str) -> None:
    rows = [["P1", "P2", "P3"], ["P2", bad, "P4"], ["P3", "P4", "P4"]]
    with pytest.raises(InvalidInput, match="priority must be one of") as caught:
        check_matrix(rows)
    assert caught.value.exit_code == 2


def test_custom_matrix() -> None:
    # a stricter desk: anything organisation-wide is P1, anything for one person is P4
    custom = check_matrix(
        [
            ["P1", "P1", "P1"],
            ["P1", "P2", "P3"],
            ["P4", "P4", "P4"],
        ]
    )
    assert priority_for(1, 3, custom) == "P1"
    assert priority_for(2, 1, custom) == "P1"
    assert priority_for(2, 2, custom) == "P2"
    assert priority_for(2, 3, custom) == "P3"
    assert priority_for(3, 1, custom) == "P4"
    # the default is untouched
    assert priority_for(1, 3, DEFAULT_MATRIX) == "P3"


def test_custom_matrix_rows_are_impact_and_columns_are_urgency() -> None:
    # an asymmetric matrix tells rows from columns
    custom = check_matrix([["P1", "P2", "P2"], ["P3", "P3", "P3"], ["P4", "P4", "P4"]])
    assert priority_for(1, 2, custom) == "P2"  # impact 1, urgency 2
    assert priority_for(2, 1, custom) == "P3"  # impact 2, urgency 1
