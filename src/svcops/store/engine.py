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

from svcops.config import busy_timeout_s
from svcops.domain.errors import InvalidInput

WRITE = "svcops_write"
_engines: dict[str, Engine] = {}


def normalise_url(url: str) -> str:
    """Accept the URLs people paste: postgres:// and postgresql:// mean psycopg 3."""
    for plain in ("postgres://", "postgresql://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases;
    InvalidInput for a path that no file can have."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    try:
        path.stat()
    except (FileNotFoundError, NotADirectoryError):
        pass  # not there yet: created on first use (or refused then, saying why)
    except OSError as exc:  # a name over 255 bytes, a directory it may not search, a loop
        raise InvalidInput(f"cannot use {path} as the database file: {exc.strerror}") from None
    except ValueError:  # a NUL character
        raise InvalidInput(f"the database path {str(path)!r} contains a NUL character") from None
    return path


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
    """Close and drop this process's engine for `url` (its file is about to go away); what
    was known of its schema goes with it (svcops.store.schema keeps that per engine)."""
    engine = _engines.pop(normalise_url(url), None)
    if engine is not None:
        engine.dispose()


def dispose_all() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def describe(url: str) -> str:
    """The database as a person names it: the file of a SQLite URL, else the URL without its
    password."""
    path = sqlite_path(url)
    return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)


def database_of(exc: BaseException) -> str:
    """The database a failed statement ran on (see `_name_the_database`), for its message."""
    return getattr(exc, _DATABASE, None) or "the database"


_DATABASE = "svcops_database"


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInput(f"cannot read database URL {url!r}") from None
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url)
        else:
            engine = _server_engine(url)
    except NoSuchModuleError:
        raise InvalidInput(
            f"svcops cannot talk to {parsed.get_backend_name()!r} databases"
        ) from None
    except ModuleNotFoundError as exc:
        hint = "pip install 'svcops[postgres]'" if "psycopg" in str(exc) else None
        raise InvalidInput(
            f"the database driver is not installed ({exc.name})", hint=hint
        ) from None
    _name_the_database(engine, describe(url))
    return engine


def _name_the_database(engine: Engine, where: str) -> None:
    """Every database error of this engine carries the database's name: the driver's own
    error (`file is not a database`) does not say which file, and uow.translate_errors, which
    words the message, may not know which engine it guards."""

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        if context.sqlalchemy_exception is not None:
            setattr(context.sqlalchemy_exception, _DATABASE, where)


def _server_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        timeout_ms = int(busy_timeout_s() * 1000)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # wait for a locked row as long as SQLite waits for its lock, then give up (exit 5)
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = {timeout_ms}")
                # no JIT: compiling a report's expressions took longer than running them
                # (0.7 s of a 1.9 s SLA report at 1M records)
                cursor.execute("SET jit = off")
            dbapi_connection.commit()

    return engine


def _refuse_another_programs(cursor: Any, path: Path | None) -> None:
    """A SQLite file with tables but no svcops schema belongs to another program: svcops
    neither adds its tables to it nor switches it to WAL mode. (Reading the schema is also
    where a file that is no database at all fails, before anything is written.)"""
    tables = [row[0] for row in cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )]  # fmt: skip
    if tables and "alembic_version" not in tables:
        others = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise InvalidInput(f"{path} is not an svcops database (it holds other tables: {others})")


def _sqlite_engine(url: str) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        try:
            _create_private_file(path)
        except OSError as exc:
            raise InvalidInput(f"cannot create database file {path}: {exc.strerror}") from None
        if not path.is_file():  # a directory, /dev/null, a FIFO: SQLite would try anyway
            what = "a directory" if path.is_dir() else "not a regular file"
            raise InvalidInput(f"{path} is {what}, not an svcops database")
    timeout = busy_timeout_s()
    engine = create_engine(url, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # take BEGIN out of the driver's hands: we emit it ourselves, below
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _refuse_another_programs(cursor, path)  # before WAL mode rewrites the file's header
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA temp_store = MEMORY")  # a report's sorts: in memory, not in files
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
