"""Property: no command line, however hostile, ends in exit 1 (an internal error) or a traceback.

Command lines are drawn from the real command tree (every noun, verb, argument and option the
Typer/Click objects declare) mixed with hostile values: huge integers, NaN, year 1 and year
9999, empty and blank strings, control characters, unicode, very long strings, `-` and
option-like words; a batch reads one more such line. Each runs in-process against its own copy
of a small SQLite database, some under hostile SVCOPS_* variables. SVCOPS_FUZZ_EXAMPLES sets
how many command lines are tried (default 300, a few seconds; thousands for a longer hunt).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOW = "2026-11-23T12:00:00Z"
# `demo` builds a whole database of its own (seconds per run, more with a large --days): it is
# left to tests/cli/test_demo_and_examples.py; everything else is drawn from
SKIPPED = {"demo"}

HUGE = "9" * 5000
NUMBERS = [
    HUGE, "-" + HUGE, "99999999999999999999", "1e309", "-1", "0", "1", "2", "3", "4", "5", "7",
    "1.5", "nan", "NaN", "inf", "-inf", "²", "٣", "1_0", "0x10", " 2 ", "",
]  # fmt: skip
DATES = [
    "0001-01-01", "9999-12-31", "9999-12-31T23:59:59-01:00", "0001-01-01T00:30+01:00",
    "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2999-12-31T23:59:59Z", "3000-01-01",
    "now", "today", "tomorrow", "yesterday", "-2h", "-30m", "1h ago", "-99999999999w",
    f"-{HUGE}m", f"{HUGE}d ago", "-1000000w", "2026-11-23T08:00:00Z", "2026-11-23T13:00",
    "2026-11-23", "2026-11-22", "03/04/2026", "Nov 2 2026 2pm EST", "2h", "-15", "",
]  # fmt: skip
TEXTS = [
    "", " ", "\t", "-", "--", "-x", "--bogus", "-q", "--help", "a\nb", "a\rb", "\x00",
    "\x1b[31m", "\u202e", "é", "李", "🙂", "\udc80", "x" * 10_000, "=1+1", "@SUM(A1)", "'",
    '"', "\\", "printer", "network",
]  # fmt: skip
KEYS = [
    "INC-1", "INC-2", "INC-3", "PRB-1", "REQ-1", "FB-1", "CUS-1", "inc-1", "INC-0", "INC-99",
    "INC-" + HUGE, "INC-²", "INC-1.5", "CUS-" + HUGE, "",
]  # fmt: skip
CHOICES = [
    "new", "acknowledged", "in_progress", "resolved", "closed", "on_hold", "cancelled",
    "awaiting_vendor", "awaiting_customer", "duplicate", "P1", "P4", "p2", "P1,P2", "new,closed",
    "email", "monitoring", "phone", "inbound", "outbound", "incident", "problem", "request",
    "team", "day", "week", "month", "priority", "customer", "support", "product_delivery",
]  # fmt: skip
FORMATS = ["json", "ndjson", "csv", "tsv", "md", "table", "JSON", "csv ", "yaml", ""]
# paths: relative ones land in the test's own directory
PATHS = ["x.db", "out.ndjson", ".", "-", "nowhere/x", "/proc/self/x.db", "x" * 300, ""]
EVERYTHING = [*NUMBERS, *DATES, *TEXTS, *KEYS, *CHOICES, *FORMATS, *PATHS]

POOLS = {
    "key": KEYS, "for_key": KEYS, "customer": KEYS, "problem": KEYS,
    "fmt": FORMATS, "output": FORMATS, "format": FORMATS,
    "at": DATES, "since": DATES, "until": DATES, "due": DATES,
    "impact": NUMBERS, "urgency": NUMBERS, "csat": NUMBERS, "ces": NUMBERS, "limit": NUMBERS,
    "courtesy": NUMBERS, "competence": NUMBERS, "reliability": NUMBERS,
    "stage": CHOICES, "to": CHOICES, "priority": CHOICES, "channel": CHOICES,
    "direction": CHOICES, "model": CHOICES, "reason": CHOICES, "kind": CHOICES, "by": CHOICES,
    "source": PATHS, "target": PATHS, "out": PATHS, "mapping": PATHS,
}  # fmt: skip


def value_for(name: str) -> st.SearchStrategy[str]:
    """Mostly what the parameter takes (good and hostile), sometimes anything at all."""
    own = st.sampled_from(POOLS.get(name, TEXTS))
    anything = st.one_of(st.sampled_from(EVERYTHING), st.text(max_size=12))
    return st.one_of(own, own, own, anything)


def leaves() -> list[tuple[list[str], Any]]:
    """Every command of the real tree: (the words that name it, its Click command)."""
    import typer

    from svcops.cli.app import ALL, build_app

    tree = typer.main.get_command(build_app(ALL))
    found: list[tuple[list[str], Any]] = [([], tree)]
    for name, command in tree.commands.items():  # type: ignore[attr-defined]
        if name in SKIPPED:
            continue
        found.append(([name], command))
        for verb, leaf in getattr(command, "commands", {}).items():
            found.append(([name, verb], leaf))
    return found


LEAVES = leaves()


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    words, command = draw(st.sampled_from(LEAVES))
    params = [p for p in command.params if p.name != "help"]
    options = [p for p in params if p.param_type_name == "option"]
    args: list[str] = []
    for argument in (p for p in params if p.param_type_name == "argument"):
        if draw(st.integers(0, 9)):  # now and then a required argument is missing
            args.append(draw(value_for(argument.name)))
    chosen = draw(st.lists(st.sampled_from(options), max_size=5, unique_by=id)) if options else []
    for option in chosen:
        args.append(draw(st.sampled_from([*option.opts, *option.secondary_opts])))
        if not option.is_flag and draw(st.integers(0, 19)):  # now and then its value is missing
            args.append(draw(value_for(option.name)))
    if draw(st.integers(0, 4)) == 0:  # a stray word somewhere
        args.insert(draw(st.integers(0, len(args))), draw(value_for("")))
    root = []
    if draw(st.integers(0, 19)) == 0:
        root = ["--db", draw(st.sampled_from(["other.db", ".", "/proc/self/x.db", "x" * 300]))]
    return [*root, *words, *args]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small database with a record of each kind in a few stages, a customer, feedback."""
    from tests.conftest import svcops_executable

    path = tmp_path_factory.mktemp("fuzz") / "template.db"
    lines = [
        ["customer", "add", "Dana", "--email", "dana@example.org"],
        ["incident", "open", "Printer down", "--customer", "CUS-1", "--at", "-3h"],
        ["incident", "open", "VPN down", "--impact", "1", "--urgency", "1", "--at", "-2h"],
        ["incident", "open", "Disk full", "--service", "db", "--at", "-2h"],
        ["incident", "advance", "INC-2", "--at", "-1h"],
        ["incident", "resolve", "INC-3", "--at", "-1h"],
        ["problem", "open", "Flaky VPN", "--at", "-2h"],
        ["request", "open", "New laptop", "--at", "-2h", "--due", "tomorrow"],
        ["feedback", "add", "--for", "INC-3", "--csat", "4", "--at", "-30m"],
        ["contact", "log", "INC-1", "--channel", "email", "--direction", "outbound"],
    ]
    import subprocess

    home = path.parent / "home"  # module-scoped: the autouse isolation is not in place yet
    env = {name: value for name, value in os.environ.items() if not name.startswith("SVCOPS_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), SVCOPS_DB=str(path),
               XDG_DATA_HOME=str(home / ".data"), SVCOPS_NOW=NOW, SVCOPS_TZ="UTC",
               SVCOPS_ACTOR="tester")  # fmt: skip
    done = subprocess.run(
        [svcops_executable(), "batch"],
        input="".join(json.dumps(line) + "\n" for line in lines),
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return path


@pytest.fixture
def fuzz_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SVCOPS_NOW", NOW)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # relative paths (export --out, db backup, --db) land here
    return work


@settings(
    max_examples=int(os.environ.get("SVCOPS_FUZZ_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=command_lines(), batch_line=command_lines())
def test_no_command_line_is_an_internal_error(cli, template, fuzz_dir, monkeypatch, args,
                                              batch_line):  # fmt: skip
    from svcops.store import engine, schema

    database = fuzz_dir / "svcops.db"
    shutil.copyfile(template, database)
    monkeypatch.setenv("SVCOPS_DB", str(database))
    batched = "batch" in args[:3]
    batch_input = json.dumps(batch_line) + "\n" if batched else ""
    try:
        result = cli(*args, input=batch_input)
    finally:
        engine.dispose_all()  # every example has a database of its own
        schema._current.clear()
    shown = f"svcops {args!r}: exit {result.code}\n{result.stderr[:2000]}"
    assert result.code != 1, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert "internal error" not in result.stderr, shown
    if batched:  # each result line of a batch (--help prints text instead)
        for line in result.stdout.splitlines():
            if line.startswith('{"line": '):
                assert json.loads(line)["exit"] != 1, (batch_line, line)


# values an environment can hold (no NUL)
ENVIRONMENT = {
    "SVCOPS_FORMAT": FORMATS,
    "SVCOPS_TZ": ["UTC", "Europe/Berlin", "Mars/Olympus", "9" * 5000, "../../etc/passwd", "/", ""],
    "SVCOPS_NOW": [d for d in DATES if d[:1].isdigit()] + ["nan", ""],
    "SVCOPS_ACTOR": [t for t in TEXTS if "\x00" not in t] + ["alice", "a" * 201],
    "SVCOPS_BUSY_TIMEOUT": NUMBERS,
    "SVCOPS_WORKERS": ["0", "1", HUGE, ""],
}  # fmt: skip
environments = st.dictionaries(
    st.sampled_from(sorted(ENVIRONMENT)), st.just(""), max_size=3
).flatmap(lambda names: st.fixed_dictionaries({n: st.sampled_from(ENVIRONMENT[n]) for n in names}))


@settings(
    max_examples=int(os.environ.get("SVCOPS_FUZZ_EXAMPLES", "300")) // 3,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(env=environments, args=command_lines())
def test_no_environment_is_an_internal_error(cli, template, fuzz_dir, monkeypatch, env, args):
    from svcops.store import engine, schema

    database = fuzz_dir / "svcops.db"
    shutil.copyfile(template, database)
    try:
        with monkeypatch.context() as patched:
            patched.setenv("SVCOPS_DB", str(database))
            for name, value in env.items():
                patched.setenv(name, value)
            result = cli(*args, input="")
    finally:
        engine.dispose_all()
        schema._current.clear()
    shown = f"{env!r} svcops {args!r}: exit {result.code}\n{result.stderr[:2000]}"
    assert result.code != 1, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
