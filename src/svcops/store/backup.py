"""A verified copy of a SQLite database, taken while others may be using it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from svcops.domain.errors import InvalidInput

STEP = 4096  # pages a step of the copy (16 MiB of 4 KiB pages)
TABLES = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


def copy_database(source: Path, destination: Path) -> dict[str, int]:
    """Copy `source` into the (empty) file `destination` with SQLite's online backup API and
    check the copy: its integrity check passes and every table holds as many rows as the
    source did at the instant of the copy. Returns those row counts by table."""
    reader = sqlite3.connect(source, isolation_level=None)
    try:
        writer = sqlite3.connect(destination)
        try:
            # one read transaction: the counts and the copy see the same moment of the source
            reader.execute("BEGIN")
            counts = _counts(reader)
            # in steps, with Python called between them: a SIGTERM is heard during the copy
            reader.backup(writer, pages=STEP, progress=_between_steps)
            reader.execute("COMMIT")
        finally:
            writer.close()
    except sqlite3.Error as exc:
        raise InvalidInput(f"cannot back up {source}: {exc}") from None
    finally:
        reader.close()
    _verify(destination, counts)
    return counts


def _between_steps(_status: int, _remaining: int, _total: int) -> None:
    """Nothing to do: being called lets Python run a signal handler that is waiting."""


def _counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [name for (name,) in connection.execute(TABLES)]
    return {
        name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for name in names
    }


def _verify(copy: Path, expected: dict[str, int]) -> None:
    checker = sqlite3.connect(copy)
    try:
        integrity = checker.execute("PRAGMA integrity_check").fetchone()[0]
        found = _counts(checker)
    except sqlite3.Error as exc:
        raise InvalidInput(f"the copy failed its check: {exc}; nothing was kept") from None
    finally:
        checker.close()
    if integrity != "ok":
        raise InvalidInput(f"the copy failed its integrity check ({integrity}); nothing was kept")
    if found != expected:
        differ = sorted(
            n for n in expected.keys() | found.keys() if expected.get(n) != found.get(n)
        )
        raise InvalidInput(
            f"the copy's row counts differ from the database's ({', '.join(differ)}); "
            "nothing was kept"
        )
