"""Whole numbers as people and files write them: plain decimal digits, never too many.

Python's `int()` alone accepts what no one means as a number here (`'²'` passes `isdigit()`
and then fails in `int()`; `'1_000'` and `'٣'` are read) and refuses a string of more than
4,300 digits with a ValueError that is not a user's error. Every integer svcops reads from
text (options, environment, imported fields) is read here instead.
"""

from __future__ import annotations

import re

MAX_DIGITS = 18  # below 2**63: fits every integer column and SQLite's own integers
_WHOLE = re.compile(r"[0-9]+")


def whole_number(text: str, *, signed: bool = False) -> int | None:
    """`text` (surrounding blanks allowed) as an int when it is a plain decimal whole number
    of at most MAX_DIGITS digits (with `signed`, optionally after a `-`); else None, for the
    caller to refuse in its own words."""
    cleaned = text.strip()
    negative = signed and cleaned.startswith("-")
    digits = cleaned[1:] if negative else cleaned
    if not _WHOLE.fullmatch(digits) or len(digits.lstrip("0")) > MAX_DIGITS:
        return None
    return -int(digits) if negative else int(digits)
