"""Engines: one per database URL per process, with SQLite set up the way PRODUCT.md 5 asks.

SQLite: the file is created 0600 (records hold personal data), WAL journal, a busy timeout,
foreign keys on every connection, and write transactions begun with BEGIN IMMEDIATE so two
writers queue for the lock instead of failing halfway through.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from svcops.domain.errors import InvalidInput

WRITE = "svcops_write"
_engines: dict[str, Engine] = {}


def busy_timeout_s() -> float:
    """How long a command waits for a busy database before giving up (exit 5)."""
    raw = os.environ.get("SVCOPS_BUSY_TIMEOUT", "10")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(
            f"SVCOPS_BUSY_TIMEOUT must be a number of seconds, not {raw!r}"
        ) from None
    if value < 0:
        raise InvalidInput("SVCOPS_BUSY_TIMEOUT must not be negative")
    return value


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: postgres:// and postgresql:// mean psycopg 3."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _create_private_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def engine_for(url: str) -> Engine:
    """The process-wide engine for `url` (created on first use)."""
    url = normalise_url(url)
    engine = _engines.get(url)
    if engine is None:
        engine = _make_engine(url)
        _engines[url] = engine
    return engine


def forget(url: str) -> None:
    """Close and drop this process's engine for `url` (its file is about to go away)."""
    from svcops.store.schema import forget as forget_schema

    engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        forget_schema(engine)
        engine.dispose()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(f"cannot read database URL {url!r}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(url)
        return _server_engine(url)
    except NoSuchModuleError:
        raise InvalidInput(
            f"svcops cannot talk to {parsed.get_backend_name()!r} databases"
        ) from None
    except ModuleNotFoundError as exc:
        hint = "pip install 'svcops[postgres]'" if "psycopg" in str(exc) else None
        raise InvalidInput(
            f"the database driver is not installed ({exc.name})", hint=hint
        ) from None


def _server_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        timeout_ms = int(busy_timeout_s() * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # wait for a locked row as long as SQLite waits for its lock, then give up (exit 5)
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {timeout_ms}")
            dbapi_connection.commit()

    return engine


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            _create_private_file(path)
        except OSError as exc:
            raise InvalidInput(f"cannot create database file {path}: {exc.strerror}") from None
    timeout = busy_timeout_s()
    engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take BEGIN out of the driver's hands: we emit it ourselves, below
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
