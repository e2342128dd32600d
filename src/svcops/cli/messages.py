"""Messages for the person at the terminal: on stderr, never part of the data."""

from __future__ import annotations

import sys


def message(text: str) -> None:
    """One line for the person at the terminal."""
    sys.stderr.write(text + "\n")


def error(text: str, hint: str | None = None) -> None:
    """`svcops: error: text`, and a line `hint: ...` when there is a hint."""
    sys.stderr.write(f"svcops: error: {text}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
