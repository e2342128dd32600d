"""Fixtures of the integration tests: the clock and the config file, as users set them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Pin the clock (SVCOPS_NOW), read afresh by every command."""
    return lambda at: monkeypatch.setenv("SVCOPS_NOW", at)


@pytest.fixture
def configure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    """Write a config file (a new one each time) and point SVCOPS_CONFIG at it."""
    written: list[Path] = []

    def write(text: str) -> Path:
        path = tmp_path / f"svcops-{len(written)}.toml"
        path.write_text(text)
        written.append(path)
        monkeypatch.setenv("SVCOPS_CONFIG", str(path))
        return path

    return write
