"""Use cases on the database itself: where it is, its schema, its health, a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svcops.config import get_settings
from svcops.domain.errors import InvalidInput
from svcops.store import files, maintenance, schema
from svcops.store.engine import normalise_url, sqlite_path

COUNTED = ("record", "event", "contact", "feedback", "customer")  # the tables a check reports


def database_info() -> dict[str, Any]:
    """Which database is in use, and why; touches nothing."""
    settings = get_settings()
    location, backend = maintenance.location(settings.database_url)
    return {"location": location, "backend": backend, "source": settings.database_source}


def migrate() -> dict[str, Any]:
    """Create or upgrade the schema; report the revisions before and after."""
    settings = get_settings()
    before, after = maintenance.migrate(settings.database_url)
    location, backend = maintenance.location(settings.database_url)
    return {
        "location": location,
        "backend": backend,
        "schema_before": before,
        "schema": after,
        "changed": before != after,
    }


def check() -> dict[str, Any]:
    """Reachable, schema current, and (SQLite) an integrity check that passes."""
    settings = get_settings()
    location, backend = maintenance.location(settings.database_url)
    path = sqlite_path(normalise_url(settings.database_url))
    if path is not None and not path.exists():
        raise InvalidInput(f"no database at {path}", hint="svcops db init creates it")
    health = maintenance.health(settings.database_url, COUNTED)
    problems = []
    if health.revision != schema.HEAD:
        problems.append(
            f"schema is {health.revision or 'missing'}, expected {schema.HEAD} "
            "(run: svcops db migrate)"
        )
    if health.integrity not in ("ok", "not checked"):
        problems.append(f"integrity check: {health.integrity}")
    if problems:
        raise InvalidInput("; ".join(problems))
    return {
        "location": location,
        "backend": backend,
        "schema": health.revision,
        "integrity": health.integrity,
        "journal_mode": health.journal_mode,
        **{f"{table}s": count for table, count in health.counts.items()},
    }


def backup(target: str, *, force: bool = False) -> dict[str, Any]:
    """A consistent, verified copy of a SQLite database (the online backup API), created 0600
    beside the target and renamed into place only once it passed its checks."""
    from svcops.store.backup import copy_database

    settings = get_settings()
    source = sqlite_path(normalise_url(settings.database_url))
    if source is None:
        raise InvalidInput("db backup copies SQLite files; for PostgreSQL use pg_dump")
    if not source.is_file():
        raise InvalidInput(f"no database at {source} to back up")
    with files.new_file(target, force=force, protected=files.database_files(source)) as partial:
        counts = copy_database(source, partial)
        size = partial.stat().st_size
    return {
        "path": str(Path(target).expanduser()),
        "source": str(source),
        "bytes": size,
        **{f"{table}s": counts.get(table, 0) for table in COUNTED},
    }
