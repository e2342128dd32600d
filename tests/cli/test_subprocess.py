"""The installed `svcops`, run as a real process: what shells, scripts and cron see."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest

from svcops.store import schema
from tests.conftest import svcops_executable

pytestmark = pytest.mark.subprocess


def test_version_and_help_without_a_database(tmp_path):
    env = {**os.environ, "SVCOPS_DB": str(tmp_path / "never.db")}
    version = subprocess.run(
        [svcops_executable(), "--version"], capture_output=True, text=True, env=env, check=False
    )
    assert (version.returncode, version.stdout, version.stderr) == (0, "svcops 0.1.0\n", "")
    helped = subprocess.run(
        [svcops_executable(), "--help"], capture_output=True, text=True, env=env, check=False
    )
    assert helped.returncode == 0
    for noun in ("incident", "problem", "request", "db"):
        assert noun in helped.stdout
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["incident", "--help"]])
def test_help_and_version_import_no_database_stack(argv):
    probe = (
        "import sys\n"
        "from svcops.cli.app import main\n"
        f"code = main({argv!r})\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic') if m in sys.modules)\n"
        "print(code, heavy, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.stderr.strip().splitlines()[-1] == "0 []"


def test_an_incident_worked_by_a_script(sh, db):
    opened = sh("incident", "open", "VPN down", "--impact", "1", "--urgency", "1",
                "--at", "2026-11-23T08:00:00Z", "--format", "json")  # fmt: skip
    assert opened.code == 0, opened.stderr
    record = json.loads(opened.stdout)
    assert (record["key"], record["priority"], record["stage"]) == ("INC-1", "P1", "new")
    assert opened.stderr == ""
    for verb, at in [("advance", "08:02"), ("advance", "08:05")]:
        moved = sh("incident", verb, "INC-1", "--at", f"2026-11-23T{at}:00Z", "-q")
        assert (moved.code, moved.stdout) == (0, "INC-1\n")
    refused = sh("incident", "close", "INC-1")
    assert refused.code == 4
    assert refused.stdout == ""
    assert refused.stderr.startswith("svcops: error: INC-1: cannot close an incident in stage")
    assert len(refused.stderr.splitlines()) == 1
    missing = sh("incident", "show", "INC-77")
    assert (missing.code, missing.stdout) == (3, "")
    bad = sh("incident", "open", "x", "--urgency", "9")
    assert bad.code == 2
    assert bad.stderr == "svcops: error: urgency must be 1, 2 or 3, not 9\n"
    listed = sh("incident", "list", "--format", "csv")
    assert listed.stdout.splitlines()[1].startswith("INC-1,incident,VPN down,in_progress,P1,")
    for result in (opened, refused, missing, bad, listed):
        assert "Traceback" not in result.stderr
        assert "\x1b[" not in result.stdout + result.stderr


def test_the_database_file_is_0600_and_wal(sh, sqlite_db):
    assert sh("incident", "open", "x", "-q").code == 0
    assert stat.S_IMODE(os.stat(sqlite_db.path).st_mode) == 0o600
    with sqlite3.connect(sqlite_db.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_db_commands(sh, sqlite_db):
    path = sh("db", "path")
    assert (path.code, path.stdout) == (0, f"{sqlite_db.path}\n")
    assert not sqlite_db.path.exists()
    init = sh("db", "init", "--format", "json")
    assert init.code == 0
    assert json.loads(init.stdout)["schema"] == schema.HEAD
    again = sh("db", "migrate", "--format", "json")
    assert json.loads(again.stdout)["changed"] is False
    check = sh("db", "check", "--format", "json")
    assert json.loads(check.stdout)["integrity"] == "ok"
    backup = sh("db", "backup", str(sqlite_db.path.parent / "copy.db"), "--format", "json")
    assert backup.code == 0
    assert stat.S_IMODE(os.stat(sqlite_db.path.parent / "copy.db").st_mode) == 0o600


def test_config_errors_are_one_line(sh, sqlite_db, tmp_path):
    config = tmp_path / "svcops.toml"
    config.write_text("[display]\ntime_zone = 'Mars/Olympus'\n")
    result = sh("incident", "open", "x", env={"SVCOPS_CONFIG": str(config), "SVCOPS_TZ": ""})
    assert result.code == 2
    assert result.stderr.splitlines()[0] == (
        f"svcops: error: config file {config}: display.time_zone: "
        "Value error, unknown time zone 'Mars/Olympus'"
    )
    result = sh("incident", "list", env={"SVCOPS_TZ": "Nowhere/Special"})
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "svcops: error: unknown time zone 'Nowhere/Special'"
    broken = tmp_path / "broken.toml"
    broken.write_text("[priority]\nmatrix = [['P1']]\n")
    result = sh("incident", "open", "x", env={"SVCOPS_CONFIG": str(broken)})
    assert result.code == 2
    assert result.stderr.startswith(f"svcops: error: config file {broken}: priority.matrix")


def test_a_reader_that_goes_away_is_not_an_error(sh, sqlite_db):
    for i in range(3):
        assert sh("incident", "open", f"case {i}", "-q").code == 0
    env = {**os.environ}
    done = subprocess.run(
        f"'{svcops_executable()}' incident list --limit 0 | head -c 1",
        shell=True, capture_output=True, text=True, env=env, check=False,
        executable="/bin/bash",
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stderr == ""
    proc = subprocess.Popen(
        [svcops_executable(), "incident", "list", "--limit", "0", "-f", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # nobody reads
    with proc.stderr:
        assert proc.wait(timeout=60) == 0
        assert proc.stderr.read() == b""
