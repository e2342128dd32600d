"""`svcops demo` and the scripts in examples/, run the way users run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import svcops_executable

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-23T12:00:00Z"


def test_demo_builds_its_own_database_and_prints_the_report(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    result = cli("demo", "--days", "3", "--format", "json")
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["period"] == {"since": "2026-11-16T12:00:00Z", "until": NOW}
    metrics = report["groups"][0]["metrics"]
    assert metrics["opened"] > 20
    assert 0 <= metrics["csat_pct"] <= 100
    demo_db = tmp_path / "home" / ".local" / "share" / "svcops" / "svcops-demo.db"
    assert demo_db.exists()
    assert f"demo database {demo_db}" in result.stderr
    assert not (demo_db.parent / "svcops.db").exists()  # never the real database
    again = cli("demo", "--days", "3", "--format", "json")  # the demo database is rebuilt
    assert again.code == 0
    assert again.json() == report  # same seed, same day: the same desk


def test_demo_is_deterministic_and_leaves_other_databases_alone(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    for target in (first, second):
        assert (
            cli("demo", "--db", str(target), "--days", "4", "--seed", "11", "-f", "json").code == 0
        )

    def listing(path: Path) -> list[dict]:
        monkeypatch.setenv("SVCOPS_DB", str(path))
        return cli("incident", "list", "--limit", "0", "-f", "json").json()

    assert listing(first) == listing(second)
    assert len(listing(first)) > 20
    refused = cli("demo", "--db", str(first), "--days", "2")
    assert refused.code == 2
    assert "already holds records" in refused.stderr
    assert cli("demo", "--db", str(first), "--days", "2", "--replace", "-f", "json").code == 0
    assert cli("demo", "--days", "0").code == 2


def script_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "SVCOPS_DB": str(tmp_path / "example.db")}
    env["PATH"] = str(Path(svcops_executable()).parent) + os.pathsep + env["PATH"]
    return env


@pytest.mark.subprocess
def test_incident_workflow_example(tmp_path):
    done = subprocess.run(
        ["bash", str(ROOT / "examples" / "incident-workflow.sh")],
        capture_output=True, text=True, env=script_env(tmp_path), check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "opened INC-1",
        "close refused as expected (exit 4): INC-1 is still in_progress",
        "INC-1 is closed",
    ]
    assert "unknown key -> exit 3" in lines and "bad impact -> exit 2" in lines


@pytest.mark.subprocess
def test_fulfil_requests_example(tmp_path):
    done = subprocess.run(
        ["bash", str(ROOT / "examples" / "fulfil-requests.sh")],
        capture_output=True, text=True, env=script_env(tmp_path), check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "REQ-3 is feedback, delivered at" in done.stdout
    assert "an unknown request: exit 3" in done.stdout


@pytest.mark.subprocess
def test_nightly_report_example(tmp_path):
    env = script_env(tmp_path)
    env["SVCOPS_NOW"] = NOW
    build = subprocess.run(
        [sys.executable, "-m", "svcops", "demo", "--db", env["SVCOPS_DB"], "--days", "3"],
        capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert build.returncode == 0, build.stderr
    reports = tmp_path / "reports"
    script = str(ROOT / "examples" / "nightly-report.sh")
    done = subprocess.run(["bash", script, str(reports)], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [written] = list(reports.glob("svcops-metrics-*.md"))
    text = written.read_text()
    assert text.startswith("### ") and "| metric | value | target |" in text
    assert "\x1b[" not in text
    config = tmp_path / "strict.toml"
    config.write_text('[targets]\nresponses = ">= 1000000"\n')
    env["SVCOPS_CONFIG"] = str(config)
    strict = subprocess.run(["bash", script, str(reports)], capture_output=True, text=True,
                            env=env, check=False)  # fmt: skip
    assert strict.returncode == 6
    assert "targets missed" in strict.stderr
    assert "responses >= 1000000" in strict.stderr


def test_demo_never_replaces_a_real_database(cli, sqlite_db, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    assert cli("incident", "open", "The one real incident", "-q").stdout == "INC-1\n"
    real = sqlite_db.path
    before = real.read_bytes()
    for extra in ((), ("--replace",)):
        refused = cli("demo", "--db", str(real), "--days", "2", *extra)
        assert refused.code == 2
        assert refused.error_lines == [
            f"svcops: error: {real} holds data svcops demo did not build; the demo never touches it"
        ]
    assert real.read_bytes() == before
    listed = cli("incident", "list", "--limit", "0", "-f", "json").json()
    assert [r["title"] for r in listed] == ["The one real incident"]
    other = tmp_path / "notes.txt"
    other.write_text("not a database\n")
    assert cli("demo", "--db", str(other), "--replace", "--days", "2").code == 2
    assert other.read_text() == "not a database\n"
    demo = tmp_path / "demo.db"  # a demo database is the one thing --replace deletes
    assert cli("demo", "--db", str(demo), "--days", "2", "-f", "json").code == 0
    assert cli("demo", "--db", str(demo), "--days", "3", "--replace", "-f", "json").code == 0


def test_demo_leaves_real_work_at_its_own_default_path(cli, tmp_path, monkeypatch):
    """The demo's default file is rebuilt each time, unless something else is kept there."""
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    default = tmp_path / "home" / ".local" / "share" / "svcops" / "svcops-demo.db"
    monkeypatch.setenv("SVCOPS_DB", str(default))
    assert cli("incident", "open", "My real work", "-q").stdout == "INC-1\n"
    monkeypatch.delenv("SVCOPS_DB")
    refused = cli("demo", "--days", "2")
    assert refused.error_lines == [
        f"svcops: error: {default} holds data svcops demo did not build; the demo never touches it"
    ]
    monkeypatch.setenv("SVCOPS_DB", str(default))
    listed = cli("incident", "list", "-f", "json").json()
    assert [r["title"] for r in listed] == ["My real work"]
