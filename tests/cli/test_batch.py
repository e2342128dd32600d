"""svcops batch: many commands in one process, a JSON result per line, exit codes."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import svcops_executable

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def lines(*commands: list[str]) -> str:
    return "".join(json.dumps(c) + "\n" for c in commands)


def results(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_each_line_gets_its_result_and_a_bad_line_does_not_stop_the_rest(cli, db):
    script = (
        lines(
            ["incident", "open", "Printer down", "--impact", "2"],
            ["incident", "advance", "INC-1"],
            ["incident", "close", "INC-1"],
            ["incident", "show", "INC-9"],
            ["incident", "show", "INC-1", "-q"],
        )
        + "this is not json\n"
        + lines(["incident", "resolve", "INC-1"])
    )
    result = cli("batch", "-", input=script)
    assert result.code == 4  # the first failure's code
    out = results(result.stdout)
    assert [r["line"] for r in out] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["exit"] for r in out] == [0, 0, 4, 3, 0, 2, 0]
    assert out[0]["result"]["key"] == "INC-1" and out[0]["result"]["impact"] == 2
    assert out[1]["result"]["stage"] == "acknowledged"
    assert out[2]["error"].startswith("INC-1: cannot close an incident in stage acknowledged")
    assert out[3]["error"] == "no incident 'INC-9'"
    assert out[4]["result"] == ["INC-1"]
    assert out[5]["error"].startswith("malformed JSON")
    assert out[6]["result"]["stage"] == "resolved"
    # the result is exactly what --format json prints
    shown = cli("incident", "show", "INC-1", "--format", "json").json()
    assert out[6]["result"] == shown


def test_atomic_rolls_everything_back_and_stops(cli, db):
    script = lines(
        ["incident", "open", "A"], ["incident", "open", "B"],
        ["incident", "close", "INC-1"], ["incident", "open", "C"],
    )  # fmt: skip
    result = cli("batch", "--atomic", input=script)
    assert result.code == 4
    assert [r["line"] for r in results(result.stdout)] == [1, 2, 3]
    assert cli("incident", "list", "-f", "json").json() == []
    assert cli("incident", "open", "after", "-q").stdout.strip() == "INC-1"  # no gap either
    ok = cli("batch", "--atomic", input=lines(["incident", "open", "D"], ["incident", "open", "E"]))
    assert ok.code == 0
    assert cli("incident", "list", "-q").stdout.split() == ["INC-3", "INC-2", "INC-1"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"incident": "open"}', "a line must be a JSON array of strings"),
        ("[]", "a line must be a JSON array of strings"),
        ('["incident", 7]', "a line must be a JSON array of strings"),
        ('["batch", "-"]', "svcops batch cannot run inside a batch"),
        ('["--db", "/tmp/x.db", "incident", "list"]', "root options go before `batch`"),
        ('["incident", "open", "x", "--impact", "9"]', "impact must be 1, 2 or 3, not 9"),
        ('["incident", "frobnicate"]', "No such command 'frobnicate'"),
    ],
)
def test_bad_lines_are_exit_2_with_the_reason(cli, db, line, message):
    result = cli("batch", input=line + "\n")
    assert result.code == 2
    [report] = results(result.stdout)
    assert report["exit"] == 2
    assert message in report["error"]


def test_a_thousand_lines_in_one_process(sh, sqlite_db, tmp_path):
    source = tmp_path / "open.jsonl"
    source.write_text(
        lines(*[["incident", "open", f"case {i}", "--team", "desk"] for i in range(1000)])
    )
    done = sh("batch", str(source))
    assert done.code == 0, done.stderr
    out = results(done.stdout)
    assert len(out) == 1000
    assert [r["result"]["key"] for r in out[:3]] == ["INC-1", "INC-2", "INC-3"]
    assert out[-1]["result"]["key"] == "INC-1000"
    assert sh("incident", "list", "--limit", "0", "-q").stdout.count("\n") == 1000


def test_batch_from_a_missing_file(cli, db):
    result = cli("batch", "/nonexistent/lines.jsonl")
    assert result.code == 2
    assert result.error_lines[0].startswith("svcops: error: cannot read /nonexistent/lines.jsonl")


def test_batch_uses_the_database_given_before_it(tmp_path):
    target = tmp_path / "chosen.db"
    done = subprocess.run(
        [svcops_executable(), "--db", str(target), "batch"],
        input=lines(["incident", "open", "here"], ["incident", "list", "-q"]),
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert results(done.stdout)[1]["result"] == ["INC-1"]
    assert target.exists()
