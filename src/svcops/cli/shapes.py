"""What a command hands to the output: a list of rows, one item, or a nested document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Rows:
    """A list of objects: `columns` for machines, `table_columns` (a subset) for people."""

    columns: Sequence[str]
    rows: Sequence[dict[str, Any]]
    table_columns: Sequence[str] | None = None
    title: str | None = None
    key: str = "key"


@dataclass
class Item:
    """One object: printed as an object (json) or a field/value list (table)."""

    fields: dict[str, Any]
    title: str | None = None
    key: str = "key"
    sections: list[Rows] = field(default_factory=list)  # shown only in table format


@dataclass
class Document:
    """A nested result (a report): `data` for json, `flat` rows for ndjson/csv/tsv, and
    `sections` of rows for people (table, md)."""

    data: dict[str, Any]
    flat: Rows
    sections: list[Rows]
    key: str = "key"


Shape = Rows | Item | Document


def flat(shape: Shape) -> tuple[list[str], Sequence[dict[str, Any]]]:
    """The columns and rows of a shape for the one-row-per-object formats."""
    if isinstance(shape, Rows):
        return list(shape.columns), shape.rows
    if isinstance(shape, Document):
        return list(shape.flat.columns), shape.flat.rows
    return list(shape.fields), [shape.fields]
