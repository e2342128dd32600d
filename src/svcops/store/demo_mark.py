"""How a database built by `svcops demo` is told from a real one: a mark in the SQLite file's
header (its user version), which only the demo sets."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

DEMO_MARK = 0x64656D6F  # "demo"
SQLITE_MAGIC = b"SQLite format 3\x00"


def mark_demo(connection: Any) -> None:
    """Mark the database of `connection` (SQLAlchemy, inside the demo's transaction) as a demo."""
    connection.exec_driver_sql(f"PRAGMA user_version = {DEMO_MARK}")


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
