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
from sqlalchemy.exc import DataError, IntegrityError


def bulk_insert_rows(
    connection: Connection, table: Table, names: Sequence[str], values: Sequence[tuple[Any, ...]],
    constants: Mapping[str, Any] | None = None,
) -> None:  # fmt: skip
    """Insert tuples of `names`' stored values into `table`; `constants` (column: value) are
    the same in every row. SQLite: one executemany, the constants written once into the
    statement. PostgreSQL: COPY, which streams the rows instead of executing a statement each.
    """
    if not values:
        return
    dialect = connection.dialect
    fixed = dict(constants or {})
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(quote(n) for n in (*names, *fixed))
    target = dialect.identifier_preparer.format_table(table)
    dbapi = dialect.dbapi
    try:
        if dialect.name == "postgresql":
            extra = tuple(fixed.values())
            raw: Any = connection.connection.driver_connection  # a psycopg connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy,
            ):
                for row in values:
                    copy.write_row(row + extra)
            return
        literals = [
            str(literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            for value in fixed.values()
        ]
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        cursor = connection.connection.cursor()
        try:
            cursor.executemany(
                f"INSERT INTO {target} ({columns}) "
                f"VALUES ({', '.join([marker] * len(names) + literals)})",
                values,
            )
        finally:
            cursor.close()
    except dbapi.IntegrityError as exc:  # type: ignore[union-attr]
        # the driver's own errors, as SQLAlchemy would have raised them: translated once, with
        # every other database error (store/uow.py translate_errors)
        raise IntegrityError(None, None, exc) from exc
    except (dbapi.DataError, dbapi.ProgrammingError) as exc:  # type: ignore[union-attr]
        raise DataError(None, None, exc) from exc
