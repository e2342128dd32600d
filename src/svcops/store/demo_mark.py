"""How a database built by `svcops demo` is told from a real one: a mark in the SQLite file's
header (its user version), which only the demo sets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlmodel import Session, select

from svcops.store.tables import Record

DEMO_MARK = 0x64656D6F  # "demo"
SQLITE_MAGIC = b"SQLite format 3\x00"


class DemoDatabase:
    """The database a demo is being built into, in the transaction that builds it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def holds_records(self) -> bool:
        return self.session.exec(select(Record).limit(1)).first() is not None

    def mark(self) -> None:
        """Mark the database as a demo (committed with the demo's records)."""
        self.session.connection().exec_driver_sql(f"PRAGMA user_version = {DEMO_MARK}")


def holds_only_a_demo(path: Path) -> bool:
    """True when nothing of value is at `path`: no file, an empty one, or a demo database."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not header:
        return True
    if header != SQLITE_MAGIC:
        return False
    try:
        connection = sqlite3.connect(path)
        try:
            (version,) = connection.execute("PRAGMA user_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return bool(version == DEMO_MARK)
