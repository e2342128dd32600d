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


def test_a_line_that_fails_after_writing_leaves_nothing_and_the_others_stay(cli, db):
    # the advance is stored, then the move is refused (it does not resolve the problem): the
    # line's savepoint takes its writes back while the lines around it are kept
    script = lines(
        ["problem", "open", "Printers drop jobs"],
        ["problem", "advance", "PRB-1", "--resolve-incidents"],
        ["incident", "open", "after"],
    )
    result = cli("batch", "-", input=script)
    out = results(result.stdout)
    assert [r["exit"] for r in out] == [0, 2, 0]
    assert out[1]["error"] == "--resolve-incidents goes with a move that resolves the problem"
    problem = cli("problem", "show", "PRB-1", "--format", "json").json()
    assert problem["stage"] == out[0]["result"]["stage"]
    assert [e["action"] for e in cli("problem", "history", "PRB-1", "-f", "json").json()] == [
        "open"
    ]
    assert cli("incident", "list", "-q").stdout == "INC-1\n"


def test_a_script_gets_each_result_before_it_sends_the_next_line(db, tmp_path):
    """A coprocess: the result comes without closing the input, and it is committed (another
    process sees it) by the time it is printed."""
    import os
    import selectors

    env = {**os.environ, **db.env}
    with subprocess.Popen(
        [svcops_executable(), "batch", "-"], env=env, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as batch:  # fmt: skip
        assert batch.stdin is not None and batch.stdout is not None

        def ask(command: list[str]) -> dict:
            batch.stdin.write(json.dumps(command) + "\n")
            batch.stdin.flush()
            with selectors.DefaultSelector() as waiting:
                waiting.register(batch.stdout, selectors.EVENT_READ)
                assert waiting.select(timeout=30), "no result while the batch waits for input"
            return json.loads(batch.stdout.readline())

        try:
            assert ask(["incident", "open", "Printer down"])["result"]["key"] == "INC-1"
            seen = subprocess.run(
                [svcops_executable(), "incident", "show", "INC-1", "--format", "json"],
                env={**env, "SVCOPS_BUSY_TIMEOUT": "2"}, capture_output=True, text=True,
                timeout=60,
            )  # fmt: skip
            assert seen.returncode == 0, seen.stderr
            assert json.loads(seen.stdout)["title"] == "Printer down"
            assert ask(["incident", "advance", "INC-1"])["result"]["stage"] == "acknowledged"
        finally:
            batch.stdin.close()
            code = batch.wait(timeout=60)
        assert code == 0, batch.stderr.read() if batch.stderr else ""


def test_a_db_line_runs_after_the_lines_before_it_are_committed(cli, sqlite_db, monkeypatch):
    # db migrate takes the write lock itself: were the lines before it still uncommitted in
    # the batch's transaction, it would find the database busy, and run only a second time,
    # once they were committed
    from svcops.cli import batch

    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)  # only the db line commits
    monkeypatch.setenv("SVCOPS_BUSY_TIMEOUT", "0.2")
    ran: list[list[str]] = []
    execute = batch._execute

    def counted(run: object, args: list[str]) -> object:
        ran.append(args)
        return execute(run, args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "_execute", counted)
    script = lines(["incident", "open", "A"], ["db", "migrate"], ["incident", "open", "B"])
    done = cli("batch", "-", input=script)
    assert done.code == 0, done.stdout + done.stderr
    assert [r["exit"] for r in results(done.stdout)] == [0, 0, 0]
    assert [args[0] for args in ran] == ["incident", "db", "incident"]  # each ran once
    assert cli("incident", "list", "-q").stdout == "INC-2\nINC-1\n"


def test_ctrl_c_stops_the_batch_and_keeps_the_lines_before_it(cli, db, monkeypatch):
    from svcops.cli import batch
    from svcops.services import records

    def interrupted(*_args: object, **_kw: object) -> None:
        raise KeyboardInterrupt  # as the signal arrives while the line runs

    monkeypatch.setattr(batch, "GROUP_SECONDS", 3600.0)  # line 1 waits to be committed
    script = lines(
        ["incident", "open", "A"], ["incident", "show", "INC-1"], ["incident", "open", "B"]
    )
    with monkeypatch.context() as patched:
        patched.setattr(records, "show_record", interrupted)
        done = cli("batch", "-", input=script)
    assert [(r["line"], r["exit"]) for r in results(done.stdout)] == [(1, 0), (2, 130)]
    assert done.code == 130
    assert cli("incident", "list", "-q").stdout == "INC-1\n"


@pytest.mark.postgres
def test_a_line_caught_in_a_deadlock_runs_again_once_the_lines_before_it_are_committed(
    pg_db, pg_admin
):
    """Another transaction holds INC-2 and then waits for INC-1, which a line of the batch
    changed and has not committed yet while the next line waits for INC-2: PostgreSQL ends the
    deadlock by failing that line, which runs again once the lines before it are committed
    and the other transaction has finished."""
    import os
    import threading
    import time

    import psycopg

    from svcops.services.opening import open_record

    for title in ("one", "two", "three"):
        open_record("incident", title)
    schema = pg_db.url.rsplit("%3D", 1)[1]
    deadlocks = "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
    before = pg_admin.execute(deadlocks).fetchone()[0]
    other = psycopg.connect(pg_admin.info.dsn)
    other.execute(f"SELECT 1 FROM {schema}.record WHERE key = 'INC-2' FOR UPDATE")
    script = lines(
        ["incident", "show", "INC-3"],  # start-up's line: slow, it is committed alone
        ["incident", "advance", "INC-3"],  # the first write of each kind is slower too
        ["incident", "advance", "INC-1"],  # waits, uncommitted, with its lock on INC-1
        ["incident", "assign", "INC-2", "--to", "ann", "--team", "x"],
    )
    with subprocess.Popen(
        [svcops_executable(), "batch", "-"], env={**os.environ, **pg_db.env}, text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as batch:  # fmt: skip
        try:
            batch.stdin.write(script)  # type: ignore[union-attr]
            batch.stdin.close()  # type: ignore[union-attr]
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            deadline = time.monotonic() + 30
            while pg_admin.execute(waiting).fetchone()[0] == 0:  # the batch waits for INC-2
                assert time.monotonic() < deadline and batch.poll() is None
                time.sleep(0.01)
            failed: list[BaseException] = []

            def close_the_cycle() -> None:
                try:
                    other.execute(f"UPDATE {schema}.record SET title = title WHERE key = 'INC-1'")
                    other.commit()
                except BaseException as exc:
                    failed.append(exc)

            cycle = threading.Thread(target=close_the_cycle, daemon=True)
            cycle.start()
            out = batch.stdout.read()  # type: ignore[union-attr]
            err = batch.stderr.read()  # type: ignore[union-attr]
            batch.wait(timeout=60)
            cycle.join(timeout=60)
        finally:
            other.close()
    assert not failed and not cycle.is_alive()
    assert batch.returncode == 0, out + err
    assert [(r["exit"], r["result"]["key"]) for r in results(out)] == [
        (0, "INC-3"), (0, "INC-3"), (0, "INC-1"), (0, "INC-2"),
    ]  # fmt: skip
    assert results(out)[3]["result"]["team"] == "x"
    deadline = time.monotonic() + 10  # the server counts it once the batch's session ends
    while pg_admin.execute(deadlocks).fetchone()[0] == before:
        assert time.monotonic() < deadline, "no deadlock happened: the test proved nothing"
        time.sleep(0.05)


@pytest.mark.parametrize(
    "args",
    [
        ["incident", "open", "Printer down", "--impact", "2"],
        ["incident", "show", "INC-1"],
        ["incident", "show", "INC-9"],
        ["incident", "open"],
        ["incident", "open", "X", "--bogus"],
        ["incident", "open", "X", "--impact", "9"],
        ["incident", "open", "--help"],
        ["incident"],
        ["incident", "--help"],
        ["incident", "nosuch"],
        ["report", "metrics", "--since", "-7d"],
    ],
)
def test_lines_are_parsed_as_the_whole_command_tree_parses_them(db, args):
    import contextlib
    import io

    import typer

    from svcops.cli import capture
    from svcops.cli.app import ALL, Runner, build_app, execute
    from svcops.services.opening import open_record

    open_record("incident", "first")
    tree = typer.main.get_command(build_app(ALL))

    def run(runner: object) -> tuple[object, list[object], str, str]:
        out, err = io.StringIO(), io.StringIO()
        with (
            capture.collected(out) as values,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            outcome = runner(args)  # type: ignore[operator]
        return outcome, values, out.getvalue(), err.getvalue()

    shortcut = run(Runner(tree))
    whole = run(lambda a: execute(tree, a))
    if shortcut[1] and isinstance(shortcut[1][0], dict) and "key" in shortcut[1][0]:
        # an open takes the next key each time: compare all but the key
        for value in (shortcut[1][0], whole[1][0]):
            value.pop("key")
    assert shortcut == whole
