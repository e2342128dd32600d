"""Bulk inserts for imports: the driver's own executemany, one statement for many rows.

SQLAlchemy's executemany processes every parameter of every row in Python (type processors,
dictionaries); for a hundred thousand rows of plain values that costs more than the database
does. Rows given here already hold what the columns store (times as epoch seconds), so they go
straight to the driver, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from svcops.domain.errors import Conflict, InvalidInput


def bulk_insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts of column name to stored value) into `table` in one executemany."""
    if rows:
        names = list(rows[0])
        bulk_insert_rows(connection, table, names, [tuple(row[n] for n in names) for row in rows])


def bulk_insert_rows(
    connection: Connection, table: Table, names: Sequence[str], values: Sequence[tuple[Any, ...]]
) -> None:
    """Insert tuples of `names`' stored values into `table` in one executemany."""
    if not values:
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(connection.dialect.identifier_preparer.quote(n) for n in names)
    sql = (
        f"INSERT INTO {connection.dialect.identifier_preparer.format_table(table)} "
        f"({columns}) VALUES ({', '.join(marker for _ in names)})"
    )
    dbapi = connection.dialect.dbapi
    cursor = connection.connection.cursor()
    try:
        cursor.executemany(sql, values)
    except dbapi.IntegrityError as exc:  # type: ignore[union-attr]
        raise Conflict(f"the import conflicts with what is stored: {_first_line(exc)}") from None
    except (dbapi.DataError, dbapi.ProgrammingError) as exc:  # type: ignore[union-attr]
        raise InvalidInput(f"the database refused a value: {_first_line(exc)}") from None
    finally:
        cursor.close()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
