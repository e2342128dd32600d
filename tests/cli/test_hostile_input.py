"""Hostile input (PRODUCT.md section 12): no option value, environment value, config file or
database file gives a traceback or exit 1. Each is one `svcops: error:` line with its
documented exit code, and the database is left as it was."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

NOW = "2026-11-23T12:00:00Z"
HUGE = "9" * 5000  # past Python's 4,300-digit limit on int()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVCOPS_NOW", NOW)


def one_error(result, code: int = 2, *, hint: bool = False) -> str:
    """The one line of stderr, which is an svcops error (with `hint`, a `hint:` line may
    follow); exit `code`; no traceback."""
    assert result.code == code, (result.code, result.stdout[:300], result.stderr[:300])
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    if hint and len(lines) == 2 and lines[1].startswith("hint: "):
        lines.pop()
    assert len(lines) == 1, result.stderr[:600]
    assert lines[0].startswith("svcops: error: "), lines[0][:300]
    return lines[0]


@pytest.fixture
def cli_env(cli, monkeypatch: pytest.MonkeyPatch):
    """`cli` with environment variables set for one call (in-process, as `sh` sets them for
    a real process)."""

    def run(env: dict[str, str], *args: str):
        with monkeypatch.context() as patched:
            for name, value in env.items():
                patched.setenv(name, value)
            return cli(*args)

    return run


def contents(cli) -> str:
    """Everything the database holds (the export: counters, records, events, feedback)."""
    dumped = cli("export")
    assert dumped.code == 0, dumped.stderr
    return dumped.stdout


@pytest.fixture
def filled(cli, db):
    """A database with an incident, a request and a feedback response in it."""
    for args in (
        ("incident", "open", "Printer down", "--at", "2026-11-23T08:00:00Z"),
        ("request", "open", "New laptop", "--at", "2026-11-23T08:30:00Z"),
        ("feedback", "add", "--for", "INC-1", "--csat", "4", "--at", "2026-11-23T09:00:00Z"),
    ):
        assert cli(*args, "-q").code == 0
    return db


# --- 1. a batch line nested 1,000 deep -------------------------------------------------------


def test_a_deeply_nested_batch_line_is_that_lines_error_and_the_rest_run(cli, filled):
    script = "\n".join(
        [
            json.dumps(["incident", "open", "before", "-q"]),
            "[" * 1000 + "]" * 1000,
            '{"a":' * 1000 + "1" + "}" * 1000,
            "[" + "1" * 5000 + "]",
            json.dumps(["incident", "open", "after", "-q"]),
        ]
    )
    result = cli("batch", "-", input=script + "\n")
    assert result.code == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["exit"]) for r in out] == [(1, 0), (2, 2), (3, 2), (4, 2), (5, 0)]
    assert out[1]["error"] == "malformed JSON: arrays or objects nested too deeply at column 1"
    assert out[2]["error"] == out[1]["error"]
    assert out[3]["error"] == "malformed JSON: a number too long at column 2"
    assert (out[0]["result"], out[4]["result"]) == (["INC-2"], ["INC-3"])


def test_a_deeply_nested_batch_line_through_a_real_process(sh, sqlite_db):
    script = "[" * 1000 + "]" * 1000 + "\n" + json.dumps(["incident", "open", "after", "-q"])
    result = sh("batch", input=script + "\n")
    assert (result.code, result.stderr) == (2, "")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["exit"] for r in out] == [2, 0]
    assert out[1]["result"] == ["INC-1"]


# --- 2. integers past Python's digit limit, and digits int() cannot read ---------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("incident", "open", "x", "--impact", HUGE), "impact must be 1, 2 or 3, not '999"),
        (("incident", "open", "x", "--urgency", HUGE), "urgency must be 1, 2 or 3, not '999"),
        (("incident", "open", "x", "--impact", "²"), "impact must be 1, 2 or 3, not '²'"),
        (("incident", "open", "x", "--urgency", "٣"), "urgency must be 1, 2 or 3, not '٣'"),
        (("request", "open", "x", "--impact", "1_0"), "impact must be 1, 2 or 3, not '1_0'"),
        (("incident", "list", "--limit", HUGE), "--limit must be a whole number"),
        (("incident", "list", "--limit", "²"), "--limit must be a whole number"),
        (("problem", "list", "--limit", "-" + HUGE), "--limit must be a whole number"),
        (("feedback", "list", "--limit", HUGE), "--limit must be a whole number"),
        (("feedback", "add", "--for", "INC-1", "--csat", HUGE), "csat must be a whole number"),
        (("feedback", "add", "--for", "INC-1", "--ces", "-" + HUGE), "ces must be a whole number"),
        (("feedback", "add", "--for", "INC-1", "--courtesy", "²"), "courtesy must be a whole"),
        (("incident", "open", "x", "--at", f"-{HUGE}m"), "cannot read duration"),
        (("incident", "list", "--since", f"{HUGE}d ago"), "cannot read duration"),
    ],
)
def test_huge_and_strange_integers_are_one_error_line(cli, filled, args, message):
    before = contents(cli)
    assert message in one_error(cli(*args))
    assert contents(cli) == before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (f"title,reopen_count\nA,{HUGE}\n", "line 2: reopen_count must be a whole number"),
        ("title,reopen_count\nA,²\n", "line 2: reopen_count must be a whole number, not '²'"),
        (f"title,key\nA,INC-{HUGE}\n", "line 2, column key: 'INC-999"),
        ("title,key\nA,INC-²\n", "line 2, column key: 'INC-²' is not an incident key"),
        (f"title,impact\nA,{HUGE}\n", "line 2: impact must be 1, 2 or 3"),
    ],
)
def test_huge_integers_in_a_flat_import_are_one_error_line(cli, filled, tmp_path, rows, message):
    before = contents(cli)
    source = tmp_path / "rows.csv"
    source.write_text(rows)
    assert message in one_error(cli("import", str(source), "--kind", "incident"))
    assert contents(cli) == before


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[" * 1000 + "]" * 1000, "line 1: malformed JSON: arrays or objects nested too deeply"),
        ('{"a": ' * 1000 + "1" + "}" * 1000, "line 1: malformed JSON: arrays or objects nested"),
        ('{"type": "counter", "prefix": "INC", "last": ' + "1" * 5000 + "}",
         "line 1: malformed JSON: a number too long"),
        ('{"type": "customer", "key": "CUS-' + HUGE + '", "name": "x"}', "is not a CUS key"),
    ],
)  # fmt: skip
def test_hostile_lines_in_a_dump_are_one_error_line(cli, filled, tmp_path, line, message):
    before = contents(cli)
    source = tmp_path / "dump.ndjson"
    source.write_text(line + "\n")
    assert message in one_error(cli("import", str(source)))
    assert contents(cli) == before


@pytest.mark.parametrize(
    "line", ["[" * 1000 + "]" * 1000, '{"title": "x", "impact": ' + "1" * 5000 + "}"]
)
def test_hostile_lines_in_a_flat_ndjson_import_are_one_error_line(cli, filled, tmp_path, line):
    before = contents(cli)
    source = tmp_path / "rows.ndjson"
    source.write_text(line + "\n")
    result = cli("import", str(source), "--kind", "incident", "--input-format", "ndjson")
    assert one_error(result).startswith("svcops: error: line 1: malformed JSON: ")
    assert contents(cli) == before


# --- 3. year 1 and year 9999 -----------------------------------------------------------------

EARLY = "before 1970-01-01, the earliest time svcops keeps"
LATE = "after 2999-12-31, the latest time svcops keeps"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "metrics", "--since", "0001-01-01"), f"'0001-01-01' is {EARLY}"),
        (("report", "metrics", "--until", "9999-12-31"), f"'9999-12-31' is {LATE}"),
        (("report", "metrics", "--since", "1969-12-31"), f"'1969-12-31' is {EARLY}"),
        (("incident", "open", "x", "--at", "0001-01-01"), f"'0001-01-01' is {EARLY}"),
        (("incident", "open", "x", "--at", "1969-12-31T23:59:59Z"), EARLY),
        (("incident", "list", "--until", "9999-12-31"), LATE),
        (("incident", "list", "--since", "0001-01-01T00:30+01:00"), EARLY),
        (("request", "open", "x", "--due", "9999-12-31T23:59:59-01:00"), LATE),
        (("request", "open", "x", "--due", "3000-01-01"), LATE),
        (("feedback", "list", "--since", "0001-01-01"), EARLY),
        (("incident", "advance", "INC-1", "--at", "0001-01-01"), EARLY),
        (("incident", "open", "x", "--at", "-1000000w"), "'-1000000w' reaches too far back"),
    ],
)
def test_year_1_and_year_9999_are_one_error_line(cli, filled, args, message):
    before = contents(cli)
    assert message in one_error(cli(*args))
    assert contents(cli) == before


def test_the_bounds_themselves_are_accepted(cli, filled):
    shown = cli("report", "metrics", "--since", "1970-01-01T00:00:00Z", "--until",
                "2999-12-31T23:59:59Z", "-f", "json")  # fmt: skip
    assert shown.code == 0, shown.stderr
    assert cli("request", "open", "x", "--due", "2999-12-31", "-q").code == 0


@pytest.mark.parametrize(
    ("now", "args", "message"),
    [
        ("0001-01-01", ("report", "metrics"), f"NOW: date out of range: '0001-01-01' is {EARLY}"),
        ("0001-01-01", ("incident", "open", "x"), EARLY),
        ("9999-12-31", ("report", "metrics"), LATE),
        ("9999-12-31T23:59:59", ("incident", "open", "x", "--at", "tomorrow"), LATE),
        ("1969-12-31T23:00:00-05:00", ("incident", "list", "--since", "today"), None),
    ],
)  # fmt: skip
def test_svcops_now_outside_the_range_is_one_error_line(cli, cli_env, filled, now, args,
                                                        message):  # fmt: skip
    before = contents(cli)
    result = cli_env({"SVCOPS_NOW": now}, *args)
    if message is None:  # 1970-01-01T04:00Z is in range; its "today" in UTC too
        assert result.code == 0, result.stderr
    else:
        assert message in one_error(result)
    assert contents(cli) == before


def test_svcops_now_in_year_1_through_a_real_process(sh, sqlite_db):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    before = sqlite_db.path.read_bytes()
    for now in ("0001-01-01", "9999-12-31T23:59:59Z"):
        for args in (("report", "metrics"), ("incident", "open", "x")):
            assert "SVCOPS_NOW: date out of range: " in one_error(
                sh(*args, env={"SVCOPS_NOW": now})
            )
    assert sqlite_db.path.read_bytes() == before


def test_an_imported_time_in_year_1_is_refused(cli, filled, tmp_path):
    before = contents(cli)
    source = tmp_path / "rows.csv"
    source.write_text("title,opened_at\nA,0001-01-01T00:00:00+00:00\n")
    line = one_error(cli("import", str(source), "--kind", "incident"))
    assert line == (
        "svcops: error: line 2, column opened_at: date out of range: "
        f"'0001-01-01T00:00:00+00:00' is {EARLY}"
    )
    dump = tmp_path / "dump.ndjson"
    lines = [json.loads(text) for text in contents(cli).splitlines()]
    record = next(line for line in lines if line["type"] == "record")
    dump.write_text(json.dumps({**record, "opened_at": "0001-01-01T00:00:00Z"}) + "\n")
    assert f"opened_at: date out of range: '0001-01-01T00:00:00Z' is {EARLY}" in one_error(
        cli("import", str(dump))
    )
    assert contents(cli) == before


# --- 4. SVCOPS_BUSY_TIMEOUT ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "-1", "86401", "ten", ""])
def test_a_busy_timeout_that_is_no_number_of_seconds_is_one_error_line(cli_env, db, value):
    result = cli_env({"SVCOPS_BUSY_TIMEOUT": value}, "incident", "open", "x")
    assert one_error(result) == (
        "svcops: error: SVCOPS_BUSY_TIMEOUT must be a number of seconds from 0 to 86400, "
        f"not {value!r}"
    )


def test_a_busy_timeout_of_nan_through_a_real_process(sh, sqlite_db):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    before = sqlite_db.path.read_bytes()
    for value in ("nan", "inf", "1e309", "-1"):
        result = sh("incident", "open", "x", env={"SVCOPS_BUSY_TIMEOUT": value})
        assert one_error(result).startswith("svcops: error: SVCOPS_BUSY_TIMEOUT must be a number")
    assert sqlite_db.path.read_bytes() == before
    for value in ("0", "0.5", "86400"):
        assert sh("incident", "list", env={"SVCOPS_BUSY_TIMEOUT": value}).code == 0


# --- 5. a database file that is not one ------------------------------------------------------


def _real_database(tmp_path: Path, sh) -> bytes:
    real = tmp_path / "real.db"
    assert sh("incident", "open", "x", "-q", env={"SVCOPS_DB": str(real)}).code == 0
    return real.read_bytes()


@pytest.mark.parametrize("kind", ["text", "random", "truncated"])
def test_a_file_that_is_no_database_is_exit_2_naming_it_and_left_alone(sh, cli, tmp_path, kind):
    path = tmp_path / f"{kind}.db"
    if kind == "text":
        path.write_text("hello, this is not a database\n")
    elif kind == "random":
        path.write_bytes(os.urandom(5000))
    else:
        path.write_bytes(_real_database(tmp_path, sh)[:1000])
    before = path.read_bytes()
    reason = "database disk image is malformed" if kind == "truncated" else "file is not a database"
    expected = f"svcops: error: {path} is not an svcops database ({reason})"
    for args in (("incident", "list"), ("incident", "open", "x"), ("db", "migrate")):
        assert one_error(sh(*args, env={"SVCOPS_DB": str(path)})) == expected
        assert one_error(cli("--db", str(path), *args)) == expected
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(path.name)) == [
        path.name
    ]  # no -wal or -journal left beside it


def test_a_zero_byte_file_is_an_empty_database(sh, tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    result = sh("incident", "open", "x", "-q", env={"SVCOPS_DB": str(path)})
    assert (result.code, result.stdout) == (0, "INC-1\n")


@pytest.mark.parametrize("where", ["directory", "device"])
def test_a_directory_or_device_as_database_is_one_error_line(sh, cli, tmp_path, where):
    path = tmp_path / "dir.db" if where == "directory" else Path("/dev/null")
    if where == "directory":
        path.mkdir()
    what = "a directory" if where == "directory" else "not a regular file"
    expected = f"svcops: error: {path} is {what}, not an svcops database"
    assert one_error(sh("incident", "list", env={"SVCOPS_DB": str(path)})) == expected
    assert one_error(cli("--db", str(path), "incident", "open", "x")) == expected
    if where == "directory":
        assert list(path.iterdir()) == []


# --- 6. feedback dimensions that collide -----------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "svcops.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ('["for"]', "dimension 'for' is a name feedback add or its output already has"),
        ('["csat"]', "dimension 'csat' is a name"),
        ('["ces"]', "dimension 'ces' is a name"),
        ('["comment"]', "dimension 'comment' is a name"),
        ('["at"]', "dimension 'at' is a name"),
        ('["received-at"]', "dimension 'received-at' is a name"),
        ('["a b"]', "dimension 'a b' must be a lowercase word"),
        ('[""]', "dimension '' must be a lowercase word"),
        ('["Courtesy"]', "dimension 'Courtesy' must be a lowercase word"),
        ('["--x"]', "dimension '--x' must be a lowercase word"),
        ('["' + "x" * 33 + '"]', "at most 32 characters"),
        ('["x", "x"]', "dimension 'x' is given twice"),
        ('["first-call", "first_call"]', "dimension 'first_call' is given twice (as 'first-call"),
    ],
)
def test_a_dimension_name_that_collides_is_one_config_error(cli, cli_env, filled, tmp_path,
                                                            names, message):  # fmt: skip
    before = contents(cli)
    config = _config(tmp_path, f"[feedback]\ndimensions = {names}\n")
    for args in (("feedback", "add", "-h"), ("feedback", "add", "--for", "INC-1", "--csat", "4")):
        line = one_error(cli_env({"SVCOPS_CONFIG": str(config)}, *args))
        assert line.startswith(f"svcops: error: config file {config}: feedback.dimensions: ")
        assert message in line
    assert contents(cli) == before


def test_a_dimension_called_for_through_a_real_process(sh, sqlite_db, tmp_path):
    config = _config(tmp_path, '[feedback]\ndimensions = ["for"]\n')
    for args in (("feedback", "add", "-h"), ("feedback", "list"), ("incident", "list")):
        assert one_error(sh(*args, env={"SVCOPS_CONFIG": str(config)})) == (
            f"svcops: error: config file {config}: feedback.dimensions: Value error, dimension "
            "'for' is a name feedback add or its output already has (at, ces, comment, csat, "
            "for, format, help, key, quiet, received_at, record)"
        )


def test_every_option_of_feedback_add_is_a_reserved_dimension_name():
    """The reserved names follow the command: an option added to `feedback add` (or a field to
    its output) without reserving its name would let a dimension collide with it."""
    import typer

    from svcops.cli.app import build_app
    from svcops.domain.feedback import RESERVED_NAMES
    from svcops.services.feedback import FeedbackView

    tree = typer.main.get_command(build_app("feedback", "add"))
    add = tree.commands["feedback"].commands["add"]
    long_options = {
        opt[2:] for param in add.params for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--")
    }  # fmt: skip
    dimensions = {"courtesy", "competence", "reliability"}
    assert long_options - dimensions <= RESERVED_NAMES
    fields = set(FeedbackView("FB-1", "INC-1", 1, 1, {}, None, None).as_dict(()))
    assert fields <= RESERVED_NAMES


def test_dimensions_named_like_python_keywords_work(cli, filled, tmp_path, monkeypatch):
    config = _config(tmp_path, '[feedback]\ndimensions = ["class", "first-call", "in"]\n')
    monkeypatch.setenv("SVCOPS_CONFIG", str(config))
    added = cli("feedback", "add", "--for", "INC-1", "--class", "4", "--first-call", "5",
                "--in", "3", "-f", "json")  # fmt: skip
    assert added.code == 0, added.stderr
    assert {k: added.json()[k] for k in ("class", "first-call", "in")} == {
        "class": 4, "first-call": 5, "in": 3,
    }  # fmt: skip


# --- 7. config files nested 5,000 deep -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 5000 + "]" * 5000,
        "a = " + "{b = " * 5000 + "1" + "}" * 5000,
        "[feedback]\ndimensions = " + "[" * 5000 + "]" * 5000,
        "a = " + "9" * 5000,
    ],
)
def test_a_config_file_nested_too_deeply_is_one_config_error(cli_env, db, tmp_path, text):
    config = _config(tmp_path, text + "\n")
    for args in (("incident", "list"), ("feedback", "add", "-h")):
        line = one_error(cli_env({"SVCOPS_CONFIG": str(config)}, *args))
        assert line.startswith(f"svcops: error: cannot read config file {config}: ")
        assert "nested too deeply" in line or "a number too long" in line


def test_a_config_file_nested_too_deeply_through_a_real_process(sh, sqlite_db, tmp_path):
    for text in ("a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 5000 + "1" + "}" * 5000):
        config = _config(tmp_path, text + "\n")
        result = sh("incident", "open", "x", env={"SVCOPS_CONFIG": str(config)})
        assert one_error(result) == (
            f"svcops: error: cannot read config file {config}: arrays or tables nested too deeply"
        )
    assert not sqlite_db.path.exists()  # refused before anything was opened


# --- 8. files svcops writes: places it cannot -----------------------------------------------


@pytest.mark.parametrize("command", [("db", "backup"), ("export", "--out")])
@pytest.mark.parametrize("target", ["proc", "dangling", "long"])
def test_targets_that_cannot_be_written_are_one_error_line(cli, sqlite_db, tmp_path, command,
                                                           target):  # fmt: skip
    assert cli("incident", "open", "Printer down", "-q").code == 0
    before = contents(cli)
    if target == "proc":
        path = Path("/proc/self/x.db")
    elif target == "dangling":
        path = tmp_path / "dangling.db"
        path.symlink_to(tmp_path / "nowhere" / "x.db")
    else:
        path = tmp_path / ("x" * 300 + ".db")
    # an existing target (the dangling link) is refused with a hint to pass --force
    one_error(cli(*command, str(path)), hint=target == "dangling")
    if target == "dangling":
        assert path.is_symlink() and not path.exists()
    assert contents(cli) == before


def test_a_backup_into_proc_through_a_real_process(sh, sqlite_db):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    before = sqlite_db.path.read_bytes()
    one_error(sh("db", "backup", "/proc/self/x.db"))
    assert sqlite_db.path.read_bytes() == before


# --- 9. SVCOPS_ACTOR -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "problem"),
    [
        ("alice\nmallory", "contains a control or invisible character: 'alice\\nmallory'"),
        ("alice\x1b[31m", "contains a control or invisible character"),
        ("alice\tbob", "contains a control or invisible character"),
        ("alice\u202ebob", "contains a control or invisible character"),  # right-to-left
        ("a" * 201, "is longer than 200 characters"),
        ("   ", "is blank"),
        ("\t\n", "is blank"),
    ],
)
def test_an_actor_that_cannot_be_recorded_is_one_error_line(cli, cli_env, filled, actor,
                                                           problem):  # fmt: skip
    before = contents(cli)
    for args in (("incident", "open", "x"), ("incident", "advance", "INC-1")):
        line = one_error(cli_env({"SVCOPS_ACTOR": actor}, *args))
        assert line.startswith(f"svcops: error: SVCOPS_ACTOR {problem}")
    assert contents(cli) == before


def test_an_actor_with_a_newline_through_a_real_process(sh, sqlite_db):
    assert sh("incident", "open", "Printer down", "-q").code == 0
    before = sqlite_db.path.read_bytes()
    result = sh("incident", "advance", "INC-1", env={"SVCOPS_ACTOR": "alice\nINC-1 closed"})
    assert one_error(result) == (
        "svcops: error: SVCOPS_ACTOR contains a control or invisible character: "
        "'alice\\nINC-1 closed'"
    )
    assert sqlite_db.path.read_bytes() == before


def test_an_actor_is_trimmed_and_an_empty_one_means_the_os_user(cli, cli_env, db):
    assert cli_env({"SVCOPS_ACTOR": "  alice  "}, "incident", "open", "x", "-q").code == 0
    os_user = {"SVCOPS_ACTOR": "", "LOGNAME": "bob", "USER": "bob"}
    assert cli_env(os_user, "incident", "open", "y", "-q").code == 0
    assert cli_env({"SVCOPS_ACTOR": "a" * 200}, "incident", "open", "z", "-q").code == 0
    actors = [cli("incident", "history", key, "-f", "json").json()[0]["actor"]
              for key in ("INC-1", "INC-2", "INC-3")]  # fmt: skip
    assert actors == ["alice", "bob", "a" * 200]


def test_an_os_user_name_that_cannot_be_recorded_is_one_error_line(cli_env, db):
    result = cli_env({"SVCOPS_ACTOR": "", "LOGNAME": "bob\nx"}, "incident", "open", "x")
    assert one_error(result) == (
        "svcops: error: the operating-system user name contains a control or invisible "
        "character: 'bob\\nx'; set SVCOPS_ACTOR instead"
    )


# --- found by the fuzzer and by trying every SVCOPS_* variable -------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("batch", "\x00"),
        ("import", "a\x00b"),
        ("export", "--out", "\x00"),
        ("db", "backup", "x\x00.db"),
        ("incident", "open", "x", "--note", "a\x00b"),
    ],
)
def test_an_argument_with_a_nul_is_one_error_line(cli, filled, args):
    before = contents(cli)
    assert "contains a NUL character" in one_error(cli(*args))
    assert contents(cli) == before


def test_a_batch_line_with_a_nul_is_that_lines_error(cli, filled):
    script = (
        json.dumps(["db", "backup", "x\x00.db"])
        + "\n"
        + json.dumps(["incident", "show", "INC-1", "-q"])
    )
    result = cli("batch", input=script + "\n")  # fmt: skip
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["exit"], r.get("error")) for r in out] == [
        (2, "an argument contains a NUL character"), (0, None),
    ]  # fmt: skip


@pytest.mark.parametrize("command", [("db", "check"), ("db", "backup", "copy.db"), ("db", "path"),
                                     ("incident", "list")])  # fmt: skip
def test_a_database_path_no_file_can_have_is_one_error_line(cli_env, tmp_path, command):
    long_name = tmp_path / ("x" * 300 + ".db")
    expected = f"svcops: error: cannot use {long_name} as the database file: File name too long"
    assert one_error(cli_env({}, "--db", str(long_name), *command)) == expected
    url = {"SVCOPS_DATABASE_URL": f"sqlite:///{long_name}"}
    assert one_error(cli_env(url, *command)) == expected


def test_a_time_zone_or_config_file_name_too_long_is_one_error_line(sh, sqlite_db, tmp_path):
    zone = one_error(sh("incident", "list", env={"SVCOPS_TZ": "9" * 5000}), hint=True)
    assert zone.startswith("svcops: error: unknown time zone '999")
    config = tmp_path / ("x" * 300 + ".toml")
    assert one_error(sh("incident", "list", env={"SVCOPS_CONFIG": str(config)})) == (
        f"svcops: error: cannot read config file {config}: File name too long"
    )
    in_file = _config(tmp_path, f'[display]\ntime_zone = "{"x" * 300}"\n')
    assert "display.time_zone: Value error, unknown time zone" in one_error(
        sh("incident", "list", env={"SVCOPS_CONFIG": str(in_file), "SVCOPS_TZ": ""})
    )


def test_a_config_file_without_end_is_refused(sh, sqlite_db):
    assert one_error(sh("incident", "list", env={"SVCOPS_CONFIG": "/dev/zero"})) == (
        "svcops: error: config file /dev/zero is larger than 1048576 bytes"
    )
    assert sh("incident", "list", env={"SVCOPS_CONFIG": "/dev/null"}).code == 0  # no settings


def test_another_programs_sqlite_database_is_refused_and_left_alone(sh, cli, tmp_path):
    import sqlite3

    path = tmp_path / "places.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    before = path.read_bytes()
    expected = (
        f"svcops: error: {path} is not an svcops database (it holds other tables: moz_places)"
    )
    for args in (("incident", "list"), ("incident", "open", "x"), ("db", "migrate")):
        assert one_error(sh(*args, env={"SVCOPS_DB": str(path)})) == expected
        assert one_error(cli("--db", str(path), *args)) == expected
    assert path.read_bytes() == before  # not even switched to WAL mode


@pytest.mark.parametrize("stored", [-62135596800, 2**63 - 1, 32503680000])
def test_a_stored_time_out_of_range_is_one_error_line(sh, sqlite_db, stored):
    """A database written by hand (or by an svcops that still took year 1) holds a time no
    calendar svcops prints can show: every command that reads it says so in one line."""
    import sqlite3

    assert sh("incident", "open", "Printer down", "-q").code == 0
    connection = sqlite3.connect(sqlite_db.path)
    with connection:
        connection.execute("UPDATE record SET opened_at = ?", (stored,))
    connection.close()  # the last connection out writes the WAL back into the file
    before = sqlite_db.path.read_bytes()
    expected = (
        f"svcops: error: the database holds a time svcops cannot use: {stored} seconds since 1970"
    )
    for args in (("incident", "list"), ("incident", "show", "INC-1"), ("export",)):
        result = sh(*args, env={"SVCOPS_TZ": "America/New_York"})
        assert one_error(result, hint=True) == expected
    assert sqlite_db.path.read_bytes() == before


def test_an_event_log_from_the_future_is_refused(cli, db, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text("case,time,state\nC1,2026-11-23T08:00:00Z,New\nC1,2027-01-01T08:00:00Z,Done\n")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        'kind = "incident"\ncase = "case"\ntime = "time"\nstage = "state"\n'
        '[stages]\nNew = "new"\nDone = "resolved"\n'
    )
    result = cli("import-log", str(log), "--mapping", str(mapping))
    assert one_error(result) == (
        "svcops: error: line 3, column time: 2027-01-01T08:00:00Z is in the future"
    )
    assert cli("incident", "list", "-f", "json").json() == []
