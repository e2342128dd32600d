"""The docs stay true: every command has its section in docs/cli.md, every metric its
definition in docs/metrics.md, every exit code its row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from svcops.cli.app import COMMANDS, GROUPS, _load_group
from svcops.domain.errors import ExitCode
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.metrics import METRICS

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


@pytest.mark.parametrize("metric", [m.key for m in METRICS])
def test_every_metric_is_defined(metric):
    assert f"`{metric}`" in (DOCS / "metrics.md").read_text()


def test_every_exit_code_is_documented():
    text = (DOCS / "cli.md").read_text()
    for code in ExitCode:
        assert re.search(rf"^\| *{int(code)} *\|", text, re.M), code
