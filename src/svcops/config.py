"""Settings, read at call time, with the precedence of PRODUCT.md section 4:

flags > `SVCOPS_*` environment > config file (`SVCOPS_CONFIG`, else `svcops.toml` in the user
config directory) > defaults. The file is read by svcops.config_file.
"""

from __future__ import annotations

import getpass
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from svcops.config_file import FileValues, read_file
from svcops.domain.clock import clock
from svcops.domain.errors import InvalidInput
from svcops.domain.sla import SlaPolicy
from svcops.domain.timeparse import parse_when

APP = "svcops"


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about its surroundings, resolved once per call."""

    database_url: str
    database_source: str  # where the choice came from: --db, SVCOPS_DB, config file, default
    config_path: Path
    time_zone: str | None
    actor: str
    format: str | None
    default_channel: str
    matrix: tuple[tuple[str, ...], ...]
    sla: SlaPolicy
    targets: dict[str, str]
    dimensions: tuple[str, ...]


_overrides: dict[str, str] = {}


def debugging() -> bool:
    """SVCOPS_DEBUG=1: errors show the traceback behind them (for bug reports)."""
    return os.environ.get("SVCOPS_DEBUG", "") not in ("", "0")


def workers_allowed() -> bool:
    """SVCOPS_WORKERS=0: bulk jobs do all their work in this process, with no worker."""
    return os.environ.get("SVCOPS_WORKERS", "").strip() != "0"


LONGEST_BUSY_TIMEOUT_S = 86400  # a day; SQLite and PostgreSQL take at most 2**31 - 1 ms


def busy_timeout_s() -> float:
    """SVCOPS_BUSY_TIMEOUT: how long a command waits for a busy database before giving up
    (exit 5)."""
    raw = os.environ.get("SVCOPS_BUSY_TIMEOUT", "10")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 <= value <= LONGEST_BUSY_TIMEOUT_S:  # NaN compares false too
        raise InvalidInput(
            f"SVCOPS_BUSY_TIMEOUT must be a number of seconds from 0 to "
            f"{LONGEST_BUSY_TIMEOUT_S}, not {raw!r}"
        )
    return value


def pinned_now() -> datetime | None:
    """SVCOPS_NOW (an ISO 8601 instant; naive means UTC): the moment the clock reads for the
    whole process, which is how subprocess tests pin relative dates such as `yesterday`."""
    pinned = os.environ.get("SVCOPS_NOW")
    if not pinned:
        return None
    try:
        moment = datetime.fromisoformat(pinned)
    except ValueError:
        raise InvalidInput(f"SVCOPS_NOW is not an ISO 8601 time: {pinned!r}") from None
    try:
        return parse_when(pinned, now=moment, tz=UTC)
    except InvalidInput as exc:  # year 1, year 9999: no clock reads that
        raise InvalidInput(f"SVCOPS_NOW: {exc.message}", hint=exc.hint) from None


# Whatever reads the clock (every use case) has imported this module: the clock asks it, at
# each reading, since the domain may not read the environment itself.
clock.pin(pinned_now)


def set_overrides(**flags: str | None) -> None:
    """Record command-line flags (the highest precedence) for this process."""
    for name, value in flags.items():
        if value is None:
            _overrides.pop(name, None)
        else:
            _overrides[name] = value


_config_paths: dict[tuple[str | None, ...], Path] = {}


def config_path() -> Path:
    """`SVCOPS_CONFIG`, else svcops.toml in the user config directory (`svcops demo` names
    its own, beside the demo database)."""
    if "config" in _overrides:
        return Path(_overrides["config"])
    key = tuple(os.environ.get(name) for name in ("SVCOPS_CONFIG", "HOME", "XDG_CONFIG_HOME"))
    found = _config_paths.get(key)
    if found is None:
        explicit = os.environ.get("SVCOPS_CONFIG")
        if explicit:
            found = Path(explicit).expanduser()
        else:
            from platformdirs import user_config_dir

            found = Path(user_config_dir(APP)) / "svcops.toml"
        _config_paths[key] = found
    return found


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP)) / "svcops.db"


def sqlite_url(path: str | Path) -> str:
    """The URL of the SQLite file at `path` (store.engine.sqlite_path checks the file)."""
    try:
        resolved = Path(path).expanduser().resolve()
    except ValueError:  # a NUL character (a config file can hold one)
        raise InvalidInput(f"the database path {str(path)!r} contains a NUL character") from None
    return f"sqlite:///{resolved}"


def _database(file: FileValues) -> tuple[str, str]:
    env = os.environ
    if _overrides.get("db"):
        return sqlite_url(_overrides["db"]), "--db"
    if env.get("SVCOPS_DATABASE_URL"):
        return env["SVCOPS_DATABASE_URL"], "SVCOPS_DATABASE_URL"
    if env.get("SVCOPS_DB"):
        return sqlite_url(env["SVCOPS_DB"]), "SVCOPS_DB"
    if file.database_url:
        return file.database_url, "config file (database.url)"
    if file.database_path:
        return sqlite_url(file.database_path), "config file (database.path)"
    return sqlite_url(default_db_path()), "default"


ACTOR_MAX = 200  # characters


def _actor() -> str:
    """SVCOPS_ACTOR (trimmed; empty means unset), else the operating-system user."""
    given = os.environ.get("SVCOPS_ACTOR")
    if given:
        return check_actor(given, "SVCOPS_ACTOR")
    try:
        user = getpass.getuser()  # LOGNAME, USER, LNAME, USERNAME, then the password database
    except (KeyError, OSError):
        return "unknown"
    return check_actor(user, "the operating-system user name", "; set SVCOPS_ACTOR instead")


def check_actor(value: str, source: str, advice: str = "") -> str:
    """The actor the audit trail records: one line of printable text, at most ACTOR_MAX
    characters, not blank; InvalidInput naming `source` otherwise."""
    actor = value.strip()
    if not actor:
        problem = "is blank"
    elif len(actor) > ACTOR_MAX:
        problem = f"is longer than {ACTOR_MAX} characters"
    elif not actor.isprintable():  # newlines, tabs, escapes, invisible format characters
        problem = "contains a control or invisible character"
    else:
        return actor
    raise InvalidInput(f"{source} {problem}: {_shorten(value)!r}{advice}")


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


_ENVIRONMENT = (
    "SVCOPS_CONFIG", "SVCOPS_DB", "SVCOPS_DATABASE_URL", "SVCOPS_FORMAT", "SVCOPS_TZ",
    "SVCOPS_ACTOR", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "USER",
    "LOGNAME",
)  # fmt: skip
_settings_cache: dict[tuple[object, ...], Settings] = {}


_pinned: ContextVar[Settings | None] = ContextVar("svcops_settings", default=None)


@contextmanager
def pinned_settings() -> Iterator[Settings]:
    """The settings in force now, kept for everything run inside (a batch's lines): read once,
    not once per command; a config file edited meanwhile applies from the next batch."""
    settings = get_settings()
    token = _pinned.set(settings)
    try:
        yield settings
    finally:
        _pinned.reset(token)


def get_settings() -> Settings:
    """The settings in force now: flags, then environment, then the config file, then defaults.

    Read at call time; remembered while the flags, the environment and the config file's
    modification time stay the same."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    path = config_path()
    try:
        mtime: float | None = path.stat().st_mtime
    except OSError:
        mtime = None
    key = (
        tuple(os.environ.get(name) for name in _ENVIRONMENT),
        tuple(sorted(_overrides.items())),
        str(path),
        mtime,
    )
    cached = _settings_cache.get(key)
    if cached is None:
        if len(_settings_cache) > 64:
            _settings_cache.clear()
        cached = _settings_cache[key] = _resolve_settings(path)
    return cached


def _resolve_settings(path: Path) -> Settings:
    file = read_file(path, named="SVCOPS_CONFIG" in os.environ or "config" in _overrides)
    url, source = _database(file)
    env = os.environ
    fmt = _overrides.get("format") or env.get("SVCOPS_FORMAT") or file.format
    return Settings(
        database_url=url,
        database_source=source,
        config_path=path,
        time_zone=env.get("SVCOPS_TZ") or file.time_zone,
        actor=_actor(),
        format=fmt,
        default_channel=file.default_channel,
        matrix=file.matrix,
        sla=file.sla,
        targets=dict(file.targets),
        dimensions=file.dimensions,
    )
