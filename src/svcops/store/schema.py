"""Schema versions: create or upgrade the database safely, without importing Alembic when the
schema is already current (the common case, and the one start-up time depends on).

The upgrade runs inside one write transaction that holds the database's write lock
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL) and re-reads the version under it,
so two processes starting at once on a new database cannot both create the tables.
"""

from __future__ import annotations

from pathlib import Path
from weakref import WeakSet

from sqlalchemy import Connection, Engine, text

from svcops.domain.errors import SchemaTooNew
from svcops.store.engine import WRITE

# Every revision in order; the last one is what this svcops writes. A test checks this list
# against the Alembic scripts so the two cannot drift.
REVISIONS = (
    "0001_initial", "0002_query_indexes", "0003_report_indexes", "0004_import_identity",
    "0005_record_attributes", "0006_sla_outcomes", "0007_report_covering",
    "0008_report_days",
)  # fmt: skip
HEAD = REVISIONS[-1]
_MIGRATION_LOCK = 7_200_415_001  # PostgreSQL advisory lock id for schema upgrades
# the engines whose database is known to be at HEAD: an engine dropped (store.engine.forget)
# takes that knowledge with it, and the next one for its URL looks again
_current: WeakSet[Engine] = WeakSet()


def revision(connection: Connection) -> str | None:
    """The schema revision of the connected database (None when it has no svcops tables)."""
    if not connection.dialect.has_table(connection, "alembic_version"):
        return None
    found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return None if found is None else str(found)


def _check_known(found: str | None, where: str) -> None:
    if found is not None and found not in REVISIONS:
        raise SchemaTooNew(
            f"the database {where} has schema {found}, newer than this svcops knows ({HEAD})",
            hint="upgrade svcops (pip install -U svcops) before using this database",
        )


def ensure_current(engine: Engine) -> None:
    """Create or upgrade the schema if needed; cheap when it is already current."""
    if engine in _current:
        return
    with engine.connect() as connection:
        found = revision(connection)
    _check_known(found, _describe(engine))
    if found != HEAD:
        upgrade(engine)
    _current.add(engine)


def forget(engine: Engine) -> None:
    _current.discard(engine)


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade under the write lock; returns (revision before, revision after)."""
    from alembic import command
    from alembic.config import Config

    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
        before = revision(connection)
        _check_known(before, _describe(engine))
        config = Config()
        config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        after = revision(connection)
    return before, after


def _describe(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
