"""Survey scales (PRODUCT.md 2.4): what each score means and the range it must be in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from svcops.domain.errors import InvalidInput
from svcops.domain.numbers import whole_number


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    meaning: str

    def check(self, name: str, value: int | str) -> int:
        """`value` as an int within the scale, else InvalidInput naming the scale."""
        number = value if isinstance(value, int) else whole_number(value, signed=True)
        if number is None or not self.low <= number <= self.high:
            raise InvalidInput(
                f"{name} must be a whole number from {self.low} to {self.high} "
                f"({self.meaning}), not {value!r}"
            )
        return number


CSAT = Scale(1, 5, "1 = very dissatisfied, 5 = very satisfied")
CES = Scale(1, 7, "1 = very low effort, 7 = very high effort; lower is better")
QUALITY = Scale(1, 5, "1 = very poor, 5 = excellent")
DEFAULT_DIMENSIONS = ("courtesy", "competence", "reliability")  # of quality, when none are set


# A quality dimension becomes an option of `feedback add` (--<name>) and a field of every
# feedback response, so it may not be named like one of their own: these are the response's
# fields and `feedback add`'s options (tests/cli/test_hostile_input.py checks the options).
RESERVED_NAMES = frozenset(
    {"key", "record", "csat", "ces", "comment", "received_at",
     "for", "at", "format", "quiet", "help"}
)  # fmt: skip
DIMENSION_MAX = 32  # the width of feedback_score.dimension
_DIMENSION = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")


def check_dimensions(names: Sequence[str]) -> tuple[str, ...]:
    """The configured quality dimensions, each a lowercase word (letters and digits, parts
    joined by `-` or `_`), at most DIMENSION_MAX characters, not a reserved name, no two the
    same (`first-call` is `first_call`: both would be the option's parameter)."""
    seen: dict[str, str] = {}
    for name in names:
        if not _DIMENSION.fullmatch(name) or len(name) > DIMENSION_MAX:
            raise InvalidInput(
                f"dimension {name!r} must be a lowercase word of letters and digits (parts "
                f"joined by - or _), starting with a letter, at most {DIMENSION_MAX} characters"
            )
        plain = name.replace("-", "_")
        if plain in RESERVED_NAMES:
            raise InvalidInput(
                f"dimension {name!r} is a name feedback add or its output already has "
                f"({', '.join(sorted(RESERVED_NAMES))})"
            )
        if plain in seen:
            again = "" if seen[plain] == name else f" (as {seen[plain]!r}: - and _ are one)"
            raise InvalidInput(f"dimension {name!r} is given twice{again}")
        seen[plain] = name
    return tuple(names)
