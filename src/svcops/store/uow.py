"""The unit of work: every command is one transaction that fully happens or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from svcops.domain.errors import Conflict, InvalidInput
from svcops.store.engine import WRITE, engine_for
from svcops.store.schema import ensure_current

_ambient: ContextVar[Session | None] = ContextVar("svcops_session", default=None)
# connections kept for a series of units of work (a batch), by database URL
_held: ContextVar[dict[str, Connection] | None] = ContextVar("svcops_held", default=None)

_BUSY_MARKERS = ("database is locked", "database is busy", "lock timeout", "could not obtain lock")
_CONFLICT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available


@contextmanager
def unit_of_work(url: str, *, write: bool, snapshot: bool = False) -> Iterator[Session]:
    """A session in one transaction, committed on success and rolled back on any error.

    Inside an outer unit of work (batch --atomic) this joins the outer transaction instead.
    With `snapshot`, a long read (export) sees one consistent moment on PostgreSQL too.
    """
    outer = _ambient.get()
    if outer is not None:
        yield outer
        return
    engine = engine_for(url)
    with translate_errors():
        ensure_current(engine)
        bind: Engine | Connection
        held = _held.get()
        if held is not None and not snapshot:
            bind = _held_connection(held, engine).execution_options(**{WRITE: write})
        else:
            options: dict[str, object] = {WRITE: write}
            if snapshot and engine.dialect.name == "postgresql":
                # every statement sees the same moment (SQLite's read transaction already does)
                options["isolation_level"] = "REPEATABLE READ"
            bind = engine.execution_options(**options)
        with Session(bind, expire_on_commit=False, autoflush=True) as session:
            token = _ambient.set(session)
            try:
                yield session
                if write:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise
            finally:
                _ambient.reset(token)


@contextmanager
def held_connections() -> Iterator[None]:
    """Units of work run inside share one connection per database instead of taking one from
    the pool each time (a batch's lines: one transaction after another on the same
    connection, none left open between them)."""
    held: dict[str, Connection] = {}
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        for connection in held.values():
            connection.close()


def _held_connection(held: dict[str, Connection], engine: Engine) -> Connection:
    url = str(engine.url)
    connection = held.get(url)
    if connection is None or connection.invalidated or connection.closed:
        if connection is not None:
            connection.close()
        connection = held[url] = engine.connect()
    return connection


@contextmanager
def translate_errors() -> Iterator[None]:
    """Database failures that a user can act on become svcops errors with their exit codes."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"the change conflicts with what is stored: {_first_line(exc)}") from exc
    except OperationalError as exc:
        message = _first_line(exc)
        if _is_busy(exc):
            raise Conflict(
                "the database stayed busy: another svcops is writing",
                hint="try again; SVCOPS_BUSY_TIMEOUT sets how long to wait (seconds)",
            ) from exc
        raise InvalidInput(f"cannot use the database: {message}") from exc
    except DBAPIError as exc:
        if _is_busy(exc):
            raise Conflict("the record changed under you; try again") from exc
        raise


def _is_busy(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _CONFLICT_SQLSTATES:
        return True
    text = str(exc.orig).lower()
    return any(marker in text for marker in _BUSY_MARKERS)


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
