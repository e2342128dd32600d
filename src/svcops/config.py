"""Settings, read at call time, with the precedence of PRODUCT.md section 4:

flags > `SVCOPS_*` environment > config file (`SVCOPS_CONFIG`, else `svcops.toml` in the user
config directory) > defaults.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path


from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from svcops.domain.errors import InvalidInput
from svcops.domain.kinds import CHANNELS
from svcops.domain.priority import DEFAULT_MATRIX, PRIORITIES, check_matrix
from svcops.domain.timeparse import parse_duration

APP = "svcops"
FORMATS = ("table", "json", "ndjson", "csv", "tsv", "md")

# PRODUCT.md section 3: calendar-time targets per priority, (first response, resolution)
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    "P1": (15 * 60, 4 * 3600),
    "P2": (3600, 8 * 3600),
    "P3": (4 * 3600, 3 * 86400),
    "P4": (86400, 5 * 86400),
}
DEFAULT_DIMENSIONS = ("courtesy", "competence", "reliability")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSection(_Section):
    url: str | None = None
    path: str | None = None


class DisplaySection(_Section):
    time_zone: str | None = None
    format: str | None = None

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMATS:
            raise ValueError(f"must be one of {', '.join(FORMATS)}")
        return value


class DefaultsSection(_Section):
    channel: str = "phone"

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"must be one of {', '.join(CHANNELS)}")
        return value


class PrioritySection(_Section):
    matrix: list[list[str]] = [list(row) for row in DEFAULT_MATRIX]

    @field_validator("matrix")
    @classmethod
    def _valid_matrix(cls, value: list[list[str]]) -> list[list[str]]:
        try:
            return [list(row) for row in check_matrix(value)]
        except InvalidInput as exc:
            raise ValueError(exc.message) from None


class SlaTarget(_Section):
    response: str
    resolution: str

    @field_validator("response", "resolution")
    @classmethod
    def _duration(cls, value: str) -> str:
        try:
            parse_duration(value)
        except InvalidInput as exc:
            raise ValueError(exc.message) from None
        return value


class FeedbackSection(_Section):
    dimensions: list[str] = list(DEFAULT_DIMENSIONS)


class FileConfig(_Section):
    database: DatabaseSection = DatabaseSection()
    display: DisplaySection = DisplaySection()
    defaults: DefaultsSection = DefaultsSection()
    priority: PrioritySection = PrioritySection()
    sla: dict[str, SlaTarget] = {}
    targets: dict[str, str] = {}
    feedback: FeedbackSection = FeedbackSection()

    @field_validator("sla")
    @classmethod
    def _known_priorities(cls, value: dict[str, SlaTarget]) -> dict[str, SlaTarget]:
        unknown = sorted(set(value) - set(PRIORITIES))
        if unknown:
            raise ValueError(f"unknown priorities {unknown}; use {', '.join(PRIORITIES)}")
        return value


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
    sla: dict[str, tuple[int, int]]
    targets: dict[str, str]
    dimensions: tuple[str, ...]
    debug: bool = False

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


_overrides: dict[str, str] = {}
_file_cache: dict[tuple[str, float], FileConfig] = {}


def set_overrides(**flags: str | None) -> None:
    """Record command-line flags (the highest precedence) for this process."""
    for name, value in flags.items():
        if value is None:
            _overrides.pop(name, None)
        else:
            _overrides[name] = value


def config_path() -> Path:
    explicit = os.environ.get("SVCOPS_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP)) / "svcops.toml"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP)) / "svcops.db"


def _read_file(path: Path) -> FileConfig:
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        if "SVCOPS_CONFIG" in os.environ:
            raise InvalidInput(f"config file {path} (SVCOPS_CONFIG) does not exist") from None
        return FileConfig()
    cached = _file_cache.get((str(path), mtime))
    if cached is not None:
        return cached
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read config file {path}: {exc}") from None
    try:
        parsed = FileConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"config file {path}: {where}: {first['msg']}") from None
    _file_cache[(str(path), mtime)] = parsed
    return parsed


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def _database(file: FileConfig) -> tuple[str, str]:
    env = os.environ
    if _overrides.get("db"):
        return sqlite_url(_overrides["db"]), "--db"
    if env.get("SVCOPS_DATABASE_URL"):
        return env["SVCOPS_DATABASE_URL"], "SVCOPS_DATABASE_URL"
    if env.get("SVCOPS_DB"):
        return sqlite_url(env["SVCOPS_DB"]), "SVCOPS_DB"
    if file.database.url:
        return file.database.url, "config file (database.url)"
    if file.database.path:
        return sqlite_url(file.database.path), "config file (database.path)"
    return sqlite_url(default_db_path()), "default"


def _actor() -> str:
    actor = os.environ.get("SVCOPS_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def get_settings() -> Settings:
    """The settings in force now: flags, then environment, then the config file, then defaults."""
    path = config_path()
    file = _read_file(path)
    url, source = _database(file)
    env = os.environ
    fmt = _overrides.get("format") or env.get("SVCOPS_FORMAT") or file.display.format
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}", hint="formats: " + ", ".join(FORMATS))
    sla = dict(DEFAULT_SLA)
    for priority, target in file.sla.items():
        sla[priority] = (parse_duration(target.response), parse_duration(target.resolution))
    return Settings(
        database_url=url,
        database_source=source,
        config_path=path,
        time_zone=env.get("SVCOPS_TZ") or file.display.time_zone,
        actor=_actor(),
        format=fmt,
        default_channel=file.defaults.channel,
        matrix=tuple(tuple(row) for row in file.priority.matrix),
        sla=sla,
        targets=dict(file.targets),
        dimensions=tuple(file.feedback.dimensions),
        debug=env.get("SVCOPS_DEBUG", "") not in ("", "0"),
    )
