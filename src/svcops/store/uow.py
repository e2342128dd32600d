"""The unit of work: every command is one transaction that fully happens or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from sqlalchemy import Connection, Engine, Transaction
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
)
from sqlmodel import Session as Session  # re-exported: what services annotate, for now

from svcops.domain.errors import Busy, Conflict, InvalidInput
from svcops.store.engine import WRITE, database_of, engine_for
from svcops.store.schema import ensure_current

_ambient: ContextVar[Session | None] = ContextVar("svcops_session", default=None)
_held: ContextVar[Held | None] = ContextVar("svcops_held", default=None)

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
        held = _held.get()
        if held is not None and held.grouped and not snapshot:
            with _savepoint(held.connection_for(engine, write), write) as session:
                yield session
            return
        if held is not None and snapshot:  # a connection of its own: commit the lines before
            held.settle_for(engine)
        bind: Engine | Connection
        if held is not None and not snapshot:
            bind = held.connection_for(engine, write)
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
def _savepoint(connection: Connection, write: bool) -> Iterator[Session]:
    """A unit of work inside a group's open transaction: a savepoint, released when the work
    is done and rolled back to when it fails, so that it leaves nothing behind on its own.
    One that only reads runs in a transaction with no writes in it (see `Held`): it has
    nothing to leave behind nor to lose, and takes no savepoint (two statements fewer: round
    trips, on PostgreSQL).

    The savepoint is plain SQL with one fixed name (units of work in a group run one after
    another, never nested): SQLAlchemy's savepoints are compiled afresh each time, which costs
    more than the statements of a whole command. The session works on the connection as it
    is; the record paths are Core statements, and an ORM flush would roll back the group's
    whole transaction on an error, so nothing here writes through the ORM (a group that loses
    its transaction anyway is seen by `Held.sound` and reported, never committed half)."""
    if write:
        connection.exec_driver_sql("SAVEPOINT svcops_unit")
    session = Session(bind=connection, join_transaction_mode="rollback_only",
                      expire_on_commit=False, autoflush=False)  # fmt: skip
    session.info["connection"] = connection  # Core statements run here, not via the ORM
    token = _ambient.set(session)
    try:
        yield session
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("an ORM write in a grouped unit of work: use Core statements")
        if write:
            connection.exec_driver_sql("RELEASE SAVEPOINT svcops_unit")
    except BaseException:
        if write and not connection.invalidated and not connection.closed:
            # should this fail too, the unit's own error is the one to tell; a transaction
            # left unusable is seen by `Held.sound`
            with suppress(DBAPIError):
                connection.exec_driver_sql("ROLLBACK TO SAVEPOINT svcops_unit")
                connection.exec_driver_sql("RELEASE SAVEPOINT svcops_unit")
        raise
    finally:
        _ambient.reset(token)
        session.close()


def ready_for_aside(url: str) -> bool:
    """Whether a write aside need not wait for ours: not in batch --atomic; a group settled."""
    if _ambient.get() is not None:
        return False
    held = _held.get()
    if held is not None:
        held.settle_for(engine_for(url))
    return True


class Held:
    """Connections kept for a series of units of work (a batch's lines), one per database,
    instead of one taken from the pool for each.

    `grouped`: the units of work share one open transaction per database, each in a savepoint
    of its own (one that fails leaves nothing behind), and nothing is committed before
    `commit()`: one commit, and one write of the pages changed, for many lines instead of one
    each. Units that write share a write transaction; units that only read share a read-only
    one, and never join one with writes in it: `settle` (`commit` unless the caller sets its
    own, which also reports what was committed) runs first. So a slow read never holds the
    locks of the writes before it, and a read that fails on PostgreSQL (which then ends the
    whole transaction) cannot take them with it. A unit that writes after reads commits the
    read-only transaction and begins a write one (on SQLite that takes the write lock)."""

    def __init__(self, *, grouped: bool) -> None:
        self.grouped = grouped
        self.uncommitted = False  # a unit of work that writes has run since the last commit
        self.settle: Callable[[], None] = self.commit
        self._connections: dict[str, Connection] = {}
        self._open: dict[str, tuple[Transaction, bool]] = {}  # url -> (transaction, writes)

    def connection_for(self, engine: Engine, write: bool) -> Connection:
        url = str(engine.url)
        if self.grouped and not write and self._writes_pending(url):
            self.settle()
        connection = self._connections.get(url)
        if connection is None or connection.invalidated or connection.closed:
            if self._writes_pending(url):  # the group's writes went with the connection:
                raise Conflict(_LOST)  # kept, for `sound` and `commit` to report
            self._open.pop(url, None)
            if connection is not None:
                connection.close()
            connection = self._connections[url] = engine.connect()
        if not self.grouped:
            return connection.execution_options(**{WRITE: write})
        transaction, writes = self._open.get(url, (None, False))
        if transaction is not None and not _still_open(connection, transaction):
            if writes:
                raise Conflict(_LOST)  # never start afresh, outside it, as if nothing was lost
            self._end(url)  # a read failed and ended it: it held nothing
            transaction = None
        if transaction is not None and write and not writes:
            self._end(url)  # it only read: nothing of it to keep, nothing to lose
            transaction = None
        if transaction is None:
            transaction = connection.execution_options(**{WRITE: write}).begin()
            self._open[url] = (transaction, write)
        self.uncommitted = self.uncommitted or write
        return connection

    def settle_for(self, engine: Engine) -> None:
        """Commit (`settle`) the group's writes on `engine`'s database, if any are pending, so
        that a unit of work on a connection of its own (a report's snapshot) sees them."""
        if self.grouped and self._writes_pending(str(engine.url)):
            self.settle()

    def sound(self) -> bool:
        """Whether every open group transaction with writes in it is still open on its
        database (an error that ends a whole transaction, a lost connection, would otherwise
        go unnoticed here)."""
        return all(
            _still_open(self._connections[url], transaction)
            for url, (transaction, writes) in self._open.items()
            if writes
        )

    def commit(self) -> None:
        """Commit what the units of work since the last commit did (grouped mode)."""
        opened, self.uncommitted = list(self._open.items()), False
        with translate_errors():
            for url, (transaction, writes) in opened:
                if not writes:
                    self._end(url)
                    continue
                del self._open[url]
                if not _still_open(self._connections[url], transaction):
                    self._discard(url)
                    raise Conflict(_LOST)
                try:
                    transaction.commit()
                except BaseException:
                    self._discard(url)  # a failed commit stays on its connection: a new one
                    raise

    def close(self) -> None:
        """Roll back what was not committed and give the connections back."""
        self._open = {}
        for url in list(self._connections):
            self._discard(url)

    def _writes_pending(self, url: str) -> bool:
        return url in self._open and self._open[url][1]

    def _end(self, url: str) -> None:
        """End a transaction that only read (nothing in it to keep)."""
        transaction, _writes = self._open.pop(url)
        with suppress(SQLAlchemyError):  # a connection that is gone took it along
            transaction.rollback()

    def _discard(self, url: str) -> None:
        connection = self._connections.pop(url)
        with suppress(DBAPIError):
            connection.close()  # rolls back an open transaction


_LOST = "the database ended the batch's transaction (connection lost?); its lines were not kept"


def _still_open(connection: Connection, transaction: Transaction) -> bool:
    if connection.invalidated or connection.closed or not transaction.is_active:
        return False
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        # some errors (a full disk, I/O) make SQLite roll the whole transaction back
        return bool(getattr(driver, "in_transaction", True))
    # psycopg: not failed (INERROR, 3) and not lost (UNKNOWN, 4); IDLE is a transaction that
    # has not sent its first statement yet (psycopg begins with the first one)
    status = getattr(getattr(driver, "info", None), "transaction_status", None)
    return status is None or int(status) not in (3, 4)


@contextmanager
def held_connections(*, grouped: bool = False) -> Iterator[Held]:
    """Units of work run inside share one connection per database (see `Held`)."""
    held = Held(grouped=grouped)
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)
        held.close()


@contextmanager
def translate_errors() -> Iterator[None]:
    """Database failures that a user can act on become svcops errors with their exit codes."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(f"the change conflicts with what is stored: {first_line(exc.orig)}") from exc
    except DataError as exc:  # a value the database cannot hold (bulk inserts bypass checks)
        raise InvalidInput(f"the database refused a value: {first_line(exc.orig)}") from exc
    except OperationalError as exc:
        message = first_line(exc.orig)
        if _is_busy(exc):
            raise Busy(
                "the database stayed busy: another svcops is writing",
                hint="try again; SVCOPS_BUSY_TIMEOUT sets how long to wait (seconds)",
            ) from exc
        raise InvalidInput(f"cannot use {database_of(exc)}: {message}") from exc
    except DBAPIError as exc:
        if _is_busy(exc):
            raise Busy("the record changed under you; try again") from exc
        if _not_a_database(exc):
            raise InvalidInput(
                f"{database_of(exc)} is not an svcops database ({first_line(exc.orig)})"
            ) from exc
        raise


def _not_a_database(exc: DBAPIError) -> bool:
    """SQLite found no database in the file (text, random bytes) or a damaged one (cut short)."""
    name = getattr(exc.orig, "sqlite_errorname", "")
    return name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT"))


def _is_busy(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _CONFLICT_SQLSTATES:
        return True
    text = str(exc.orig).lower()
    return any(marker in text for marker in _BUSY_MARKERS)


def first_line(error: object) -> str:
    """What a driver said of an error, in one line (its type when it said nothing)."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
