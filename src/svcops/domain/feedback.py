"""Survey scales (PRODUCT.md 2.4): what each score means and the range it must be in."""

from __future__ import annotations

from dataclasses import dataclass

from svcops.domain.errors import InvalidInput


@dataclass(frozen=True)
class Scale:
    low: int
    high: int
    meaning: str

    def check(self, name: str, value: int | str) -> int:
        """`value` as an int within the scale, else InvalidInput naming the scale."""
        text = str(value).strip()
        number = int(text) if text.lstrip("-").isdigit() else None
        if number is None or not self.low <= number <= self.high:
            raise InvalidInput(
                f"{name} must be a whole number from {self.low} to {self.high} "
                f"({self.meaning}), not {value!r}"
            )
        return number


CSAT = Scale(1, 5, "1 = very dissatisfied, 5 = very satisfied")
CES = Scale(1, 7, "1 = very low effort, 7 = very high effort; lower is better")
QUALITY = Scale(1, 5, "1 = very poor, 5 = excellent")
