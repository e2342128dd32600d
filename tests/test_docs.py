"""The docs stay true: every command has its section in docs/cli.md, every metric its
definition in docs/metrics.md, every exit code its row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from svcops.cli.app import COMMANDS, GROUPS, _load_group
from svcops.domain.errors import ExitCode
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.metrics import METRICS, PROBLEM_METRICS, SLA_METRICS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def every_command() -> list[str]:
    commands = [f"svcops {name}" for name in COMMANDS]
    for group in (*LIFECYCLES, *GROUPS):
        app = _load_group(group, None)
        commands += [f"svcops {group} {c.name}" for c in app.registered_commands]
    return commands


@pytest.mark.parametrize("command", every_command())
def test_every_command_is_documented(command):
    headings = re.findall(r"^### (svcops .+?)\s*$", (DOCS / "cli.md").read_text(), re.M)
    assert command in headings


@pytest.mark.parametrize(
    "metric", sorted({m.key for m in (*METRICS, *PROBLEM_METRICS, *SLA_METRICS)})
)
def test_every_metric_is_defined(metric):
    assert f"`{metric}`" in (DOCS / "metrics.md").read_text()


def test_every_exit_code_is_documented():
    text = (DOCS / "cli.md").read_text()
    for code in ExitCode:
        assert re.search(rf"^\| *{int(code)} *\|", text, re.M), code


def readme_session() -> list[tuple[str, list[str]]]:
    """The README's console examples: each `$ svcops ...` line with the output shown under it."""
    import shlex

    text = (DOCS.parent / "README.md").read_text()
    steps: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and line.strip():
                steps[-1][1].append(line)
    for command, _shown in steps:
        assert shlex.split(command, comments=True)[0] == "svcops", command
    return steps


def test_the_readme_tour_runs_as_written(sh, sqlite_db):
    """Every command of the README's tour succeeds, in order, and prints what it shows."""
    import shlex

    for command, shown in readme_session():
        result = sh(*shlex.split(command, comments=True)[1:])
        assert result.code == 0, (command, result.stderr)
        for line in shown:
            assert line in result.stdout + result.stderr, (command, line)
