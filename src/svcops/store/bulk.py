"""Bulk inserts for imports: the driver's own executemany, one statement for many rows.

SQLAlchemy's executemany processes every parameter of every row in Python (type processors,
dictionaries); for a hundred thousand rows of plain values that costs more than the database
does. Rows given here already hold what the columns store (times as epoch seconds), so they go
straight to the driver, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, literal

from svcops.domain.errors import Conflict, InvalidInput


def bulk_insert_rows(
    connection: Connection, table: Table, names: Sequence[str], values: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any] | None = None,
) -> None:  # fmt: skip
    """Insert tuples of `names`' stored values into `table` in one executemany; `constants`
    (column: value) are the same in every row, written once into the statement as literals."""
    if not values:
        return
    dialect = connection.dialect
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    fixed = dict(constants or {})
    columns = ", ".join(dialect.identifier_preparer.quote(n) for n in (*names, *fixed))
    literals = [
        str(literal(value).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        ))
        for name, value in fixed.items()
    ]  # fmt: skip
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({columns}) "
        f"VALUES ({', '.join([marker] * len(names) + literals)})"
    )
    dbapi = dialect.dbapi
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
