"""Priority from impact and urgency through the (configurable) matrix of PRODUCT.md 2.1."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput
from svcops.domain.numbers import whole_number

PRIORITIES = ("P1", "P2", "P3", "P4")
LEVELS = (1, 2, 3)
_LEVEL_TEXT = {str(level): level for level in LEVELS}

# rows: impact 1 (organisation-wide), 2 (a department or site), 3 (one person);
# columns: urgency 1 (work stopped), 2 (work degraded), 3 (can wait)
DEFAULT_MATRIX: tuple[tuple[str, str, str], ...] = (
    ("P1", "P2", "P3"),
    ("P2", "P3", "P4"),
    ("P3", "P4", "P4"),
)


def check_level(value: int | str, what: str) -> int:
    """An impact or urgency level, 1-3 (text from the command line is accepted)."""
    if isinstance(value, str):
        number = _LEVEL_TEXT.get(value)  # what imports repeat: looked up, not parsed
        number = whole_number(value) if number is None else number
        if number is None:
            raise InvalidInput(f"{what} must be 1, 2 or 3, not {value!r}")
        value = number
    if value not in LEVELS:
        raise InvalidInput(f"{what} must be 1, 2 or 3, not {value}")
    return value


def check_priority(value: str) -> str:
    cleaned = value.strip().upper()
    if cleaned not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}, not {value!r}")
    return cleaned


def check_matrix(
    matrix: tuple[tuple[str, ...], ...] | list[list[str]],
) -> tuple[tuple[str, ...], ...]:
    rows = tuple(tuple(check_priority(cell) for cell in row) for row in matrix)
    if len(rows) != 3 or any(len(row) != 3 for row in rows):
        raise InvalidInput("the priority matrix must have 3 rows (impact) of 3 cells (urgency)")
    return rows


def priority_for(impact: int, urgency: int, matrix: tuple[tuple[str, ...], ...]) -> str:
    """The matrix priority of an impact and an urgency."""
    return matrix[check_level(impact, "impact") - 1][check_level(urgency, "urgency") - 1]
