"""The queries an import asks before it writes: which of its rows were imported before."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, Table, select
from sqlmodel import SQLModel

LOOKUP = 5_000  # values per IN (...) list: well inside every backend's parameter limit


def _records() -> Table:
    return SQLModel.metadata.tables["record"]


def imported_before(connection: Connection, kind: str) -> bool:
    """Whether any record of `kind` came from an import that left its fingerprint."""
    records = _records()
    found = connection.execute(
        select(records.c.id)
        .where(records.c.kind == kind, records.c.source_hash.is_not(None))
        .limit(1)
    ).first()
    return found is not None


def fingerprints_by_key(connection: Connection, keys: Collection[str]) -> dict[str, str | None]:
    """The records among `keys` that exist, with the fingerprint each was imported from."""
    records = _records()
    found: dict[str, str | None] = {}
    for chunk in _chunks(keys):
        statement = select(records.c.key, records.c.source_hash).where(records.c.key.in_(chunk))
        found.update((key, fingerprint) for key, fingerprint in connection.execute(statement))
    return found


def records_by_external_id(
    connection: Connection, kind: str, external_ids: Collection[str]
) -> dict[str, tuple[str, str | None]]:
    """The records of `kind` imported with one of `external_ids`: their key and fingerprint."""
    records = _records()
    found: dict[str, tuple[str, str | None]] = {}
    for chunk in _chunks(external_ids):
        statement = select(records.c.external_id, records.c.key, records.c.source_hash).where(
            records.c.kind == kind, records.c.external_id.in_(chunk)
        )
        found.update({external: (key, fp) for external, key, fp in connection.execute(statement)})
    return found


def known_fingerprints(
    connection: Connection, kind: str, fingerprints: Collection[str]
) -> set[str]:
    """Which of `fingerprints` records of `kind` without an external id were imported from."""
    records = _records()
    found: set[str] = set()
    for chunk in _chunks(fingerprints):
        statement = select(records.c.source_hash).where(
            records.c.kind == kind,
            records.c.external_id.is_(None),
            records.c.source_hash.in_(chunk),
        )
        found.update(connection.execute(statement).scalars())
    return found


def _chunks(values: Collection[str]) -> list[list[str]]:
    ordered = list(values)
    return [ordered[start : start + LOOKUP] for start in range(0, len(ordered), LOOKUP)]
