"""The database itself, as `svcops db` looks after it: where it is, its schema, its health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from svcops.domain.errors import SchemaTooNew
from svcops.store import schema
from svcops.store.engine import describe, engine_for, normalise_url
from svcops.store.uow import translate_errors


def location(url: str) -> tuple[str, str]:
    """The database as a person names it, and its backend (sqlite, postgresql)."""
    url = normalise_url(url)
    return describe(url), make_url(url).get_backend_name()


def migrate(url: str) -> tuple[str | None, str | None]:
    """Create or upgrade the schema; the revisions before and after."""
    engine = engine_for(url)
    with translate_errors():
        before, after = schema.upgrade(engine)
    schema.forget(engine)
    return before, after


@dataclass(frozen=True)
class Health:
    """What a check of the database found."""

    revision: str | None  # None: no svcops schema
    integrity: str  # SQLite's integrity check ("ok"), else "not checked"
    journal_mode: str  # "n/a" on PostgreSQL
    counts: dict[str, Any]  # rows by table (none without a schema)


def health(url: str, tables: Sequence[str]) -> Health:
    """The schema revision, (SQLite) the integrity check and journal mode, and the rows of
    `tables`; SchemaTooNew for a database a newer svcops wrote."""
    engine = engine_for(url)
    with translate_errors(), engine.connect() as connection:
        found = schema.revision(connection)
        if found is not None and found not in schema.REVISIONS:
            raise SchemaTooNew(
                f"the database has schema {found}, newer than this svcops knows ({schema.HEAD})",
                hint="upgrade svcops (pip install -U svcops) before using this database",
            )
        integrity, journal = "not checked", "n/a"
        if connection.dialect.name == "sqlite":
            integrity = str(connection.exec_driver_sql("PRAGMA integrity_check").scalar())
            journal = str(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
        counts = {}
        if found is not None:
            for table in tables:
                counts[table] = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    return Health(found, integrity, journal, counts)
