"""Record, customer and feedback keys (INC-7, CUS-2, FB-9): one reading for every input."""

from __future__ import annotations

from collections.abc import Collection

from svcops.domain.numbers import whole_number


def canonical_key(text: str, prefixes: Collection[str]) -> str | None:
    """`text` as a key of one of `prefixes` in its one spelling (` inc-007 ` is INC-7), or
    None when it is not such a key."""
    prefix, _, digits = text.strip().upper().partition("-")
    number = whole_number(digits)
    if prefix not in prefixes or number is None or number < 1:
        return None
    return f"{prefix}-{number}"


def lookup_key(text: str) -> str:
    """The key to look a record up by: its one spelling when it reads as a key, else the text
    as typed (upper-cased), for the not-found message to quote."""
    cleaned = text.strip().upper()
    prefix = cleaned.partition("-")[0]
    return canonical_key(cleaned, (prefix,)) or cleaned


def key_number(key: str) -> int:
    """The number of a canonical key (INC-7 is 7)."""
    return int(key.rpartition("-")[2])
