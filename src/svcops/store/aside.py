"""Writes made aside: what a report keeps for the next one (SLA outcomes, days of sums), in a
transaction of its own on a connection of its own (never a batch's), waiting a moment at most
for another writer. Only caches: a database that does not take them now (busy, read-only)
gets nothing, and the next report works them out again."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from svcops.store.engine import engine_for
from svcops.store.uow import ready_for_aside

WAIT_MS = 200  # how long a write aside waits for another writer before it gives up


def write_aside(url: str, work: Callable[[Connection], object]) -> bool:
    """Run `work` in a write transaction of its own; False when the database did not take
    it (nothing of it is written then). On PostgreSQL `work` runs with a lock timeout of
    WAIT_MS; on SQLite its first write waits WAIT_MS at most for the lock. Nothing inside an
    outer transaction of this process's own (batch --atomic), which it would wait for."""
    if not ready_for_aside(url):
        return False
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:  # a deferred transaction: its first write waits as long as this
                (usual,) = connection.exec_driver_sql("PRAGMA busy_timeout").one()
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {WAIT_MS}")
                connection.commit()
            try:
                with connection.begin():
                    if not sqlite:
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {WAIT_MS}")
                    work(connection)
            finally:
                if sqlite:  # the pooled connection waits as usual again
                    connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(usual)}")
                    connection.commit()
    except SQLAlchemyError:
        return False
    return True
