"""Shared fixtures: an isolated home, a fresh database per test on every configured backend,
and a way to run the CLI in-process (CliRunner's isolation) or as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("SVCOPS_TEST_DATABASE_URL", "")
PG_MISSING = (
    "PostgreSQL not configured: set SVCOPS_TEST_DATABASE_URL "
    "(e.g. postgresql://postgres@127.0.0.1:5432/svcops_test) to run this on PostgreSQL"
)
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason=PG_MISSING)],
    ),
]
SVCOPS_ENV = ("SVCOPS_DB", "SVCOPS_DATABASE_URL", "SVCOPS_CONFIG", "SVCOPS_FORMAT", "SVCOPS_NOW")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test sees the developer's config, data or clock; engines are closed afterwards."""
    home = tmp_path / "home"
    home.mkdir()
    for name in SVCOPS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("SVCOPS_ACTOR", "tester")
    monkeypatch.setenv("SVCOPS_TZ", "UTC")
    monkeypatch.setenv("NO_COLOR", "1")
    yield home
    from svcops import config
    from svcops.domain.clock import clock
    from svcops.store import engine, schema

    clock.freeze(None)
    config.set_overrides(db=None, format=None)
    engine.dispose_all()
    schema._current.clear()


@dataclass
class Database:
    """A fresh, empty database for one test."""

    backend: str
    url: str
    path: Path | None = None

    @property
    def env(self) -> dict[str, str]:
        if self.path is not None:
            return {"SVCOPS_DB": str(self.path)}
        return {"SVCOPS_DATABASE_URL": self.url}


def _pg_schema_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_admin() -> Iterator[Any]:
    """An autocommit psycopg connection to the test PostgreSQL database."""
    if not PG_URL:
        pytest.skip(PG_MISSING)
    import psycopg

    conninfo = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as connection:
        yield connection


def make_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Database:
    if backend == "sqlite":
        path = tmp_path / "svcops.db"
        return Database("sqlite", f"sqlite:///{path}", path)
    admin = request.getfixturevalue("pg_admin")
    schema = "t_" + uuid.uuid4().hex[:12]
    admin.execute(f"CREATE SCHEMA {schema}")

    def drop() -> None:
        from svcops.store import engine

        engine.dispose_all()
        admin.execute(f"DROP SCHEMA {schema} CASCADE")

    request.addfinalizer(drop)
    base = (
        PG_URL if "+psycopg" in PG_URL else PG_URL.replace("postgresql://", "postgresql+psycopg://")
    )
    return Database("postgresql", _pg_schema_url(base, schema))


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A fresh database on each backend, selected through the environment as users do."""
    database = make_database(request.param, tmp_path, request)
    for name, value in database.env.items():
        monkeypatch.setenv(name, value)
    return database


@pytest.fixture
def sqlite_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A fresh SQLite database, for what only SQLite has (a file, its pragmas, its lock)."""
    database = Database("sqlite", f"sqlite:///{tmp_path / 'svcops.db'}", tmp_path / "svcops.db")
    monkeypatch.setenv("SVCOPS_DB", str(database.path))
    return database


@pytest.fixture
def pg_db(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """A fresh PostgreSQL schema, for what only PostgreSQL has."""
    database = make_database("postgresql", tmp_path, request)
    monkeypatch.setenv("SVCOPS_DATABASE_URL", database.url)
    return database


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("svcops: error: ")]


@pytest.fixture
def cli() -> Any:
    """Run svcops in-process: `cli("incident", "open", "X")` returns a Result."""
    from typer.testing import CliRunner

    from svcops.cli.app import main

    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        with runner.isolation(input=input) as (out, err, _mixed):
            code = main(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            stdout_text = out.getvalue().decode()
            stderr_text = err.getvalue().decode() if err is not None else ""
        return Result(code, stdout_text, stderr_text)

    return run


def svcops_executable() -> str:
    """The installed console script next to this interpreter."""
    candidate = Path(sys.executable).parent / "svcops"
    if not candidate.exists():
        pytest.fail(f"the svcops console script is not installed next to {sys.executable}")
    return str(candidate)


@pytest.fixture
def sh() -> Any:
    """Run the installed `svcops` as a subprocess, with the test's environment (and database)."""

    def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        done = subprocess.run(
            [svcops_executable(), *args],
            capture_output=True,
            text=True,
            env=full_env,
            input=input,
            timeout=60,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run
