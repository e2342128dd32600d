"""Fingerprints of source rows: how an import knows a row it has imported before when the row
has neither a key nor an id of its source's.

A row's fingerprint is a hash of its values; the second row with exactly the same values in
one input gets another fingerprint than the first (its occurrence is part of the hash), so two
identical rows are still two records, and importing the same input again matches each of them.
"""

from __future__ import annotations

import json
from hashlib import blake2b
from typing import Any

SIZE = 16  # bytes: 32 hex digits, as the record table's source_hash column holds


class Fingerprints:
    """Gives each row of one input its fingerprint, in the order the rows come."""

    def __init__(self) -> None:
        self._seen: set[int] = set()  # the first 8 bytes of each plain hash: 8 bytes a row
        self._repeats: dict[int, int] = {}
        self._columns: dict[tuple[str, ...], list[tuple[str, str]]] = {}

    def of(self, values: Any) -> str:
        """The fingerprint of the next row, `values` being anything JSON can write."""
        return self._next(json.dumps(values, sort_keys=True, ensure_ascii=False, default=str))

    def of_row(self, kind: str, row: dict[str, Any]) -> str:
        """The fingerprint of the next row of a flat import: its kind and its values by column
        name (the columns' order and empty cells make no difference)."""
        # every part carries its length, so no value can pass for a column boundary
        columns = tuple(row)
        names = self._columns.get(columns)
        if names is None:  # a CSV's rows share their columns: sorted and encoded once
            names = [(n, f"{len(n)}:{n}") for n in sorted(columns)]
            if len(self._columns) < 1_000:  # NDJSON rows may each have columns of their own
                self._columns[columns] = names
        parts = [f"{len(kind)}:{kind}"]
        for name, encoded in names:
            value = row[name]
            if type(value) is str:  # CSV's cells, NDJSON's text: the common case, kept cheap
                parts.append(f"{encoded}s{len(value)}:{value}")
            elif value is not None:  # a number or a structure: not the same as its text
                text = json.dumps(value, sort_keys=True, default=str)
                parts.append(f"{encoded}j{len(text)}:{text}")
        return self._next("".join(parts))

    def _next(self, text: str) -> str:
        digest = blake2b(text.encode(), digest_size=SIZE)
        short = int.from_bytes(digest.digest()[:8], "big")
        if short not in self._seen:
            self._seen.add(short)
            return digest.hexdigest()
        occurrence = self._repeats.get(short, 0) + 1
        self._repeats[short] = occurrence
        digest.update(f"\x00{occurrence}".encode())
        return digest.hexdigest()
