"""The config file: read and checked against its schema (svcops.config_schema, which pydantic
builds, imported only when there is a file), as plain values; svcops.config ranks them below
flags and the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from svcops.domain.errors import InvalidInput
from svcops.domain.feedback import DEFAULT_DIMENSIONS
from svcops.domain.priority import DEFAULT_MATRIX
from svcops.domain.sla import SlaPolicy

if TYPE_CHECKING:
    from svcops.config_schema import FileConfig


@dataclass(frozen=True)
class FileValues:
    """What a config file says (the defaults when there is none)."""

    database_url: str | None = None
    database_path: str | None = None
    time_zone: str | None = None
    format: str | None = None
    default_channel: str = "phone"
    matrix: tuple[tuple[str, ...], ...] = DEFAULT_MATRIX
    sla: SlaPolicy = field(default_factory=SlaPolicy)
    targets: dict[str, str] = field(default_factory=dict)
    dimensions: tuple[str, ...] = DEFAULT_DIMENSIONS


CONFIG_MAX_BYTES = 1 << 20  # a settings file, not a data file
_file_cache: dict[tuple[str, float], FileValues] = {}


def read_file(path: Path, *, named: bool) -> FileValues:
    """What the file at `path` says, remembered while it is unchanged; the defaults when there
    is none, unless it was `named` (by SVCOPS_CONFIG), which must exist."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        if named:
            raise InvalidInput(f"config file {path} (SVCOPS_CONFIG) does not exist") from None
        return FileValues()
    except OSError as exc:  # a name over 255 bytes, a directory it may not search
        raise InvalidInput(f"cannot read config file {path}: {exc.strerror}") from None
    cached = _file_cache.get((str(path), mtime))
    if cached is None:
        cached = _file_cache[(str(path), mtime)] = _parse_file(path)
    return cached


def _parse_file(path: Path) -> FileValues:
    import tomllib

    from pydantic import ValidationError

    from svcops.config_schema import FileConfig
    from svcops.domain.documents import toml_document

    try:
        with path.open("rb") as stream:  # /dev/zero would never end
            data = stream.read(CONFIG_MAX_BYTES + 1)
        if len(data) > CONFIG_MAX_BYTES:
            raise InvalidInput(f"config file {path} is larger than {CONFIG_MAX_BYTES} bytes")
        raw = toml_document(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read config file {path}: {exc}") from None
    try:
        parsed = FileConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInput(f"config file {path}: {where}: {first['msg']}") from None
    try:
        sla = _sla_policy(parsed)
    except InvalidInput as exc:
        raise InvalidInput(f"config file {path}: {exc.message}", hint=exc.hint) from None
    return FileValues(
        database_url=parsed.database.url,
        database_path=parsed.database.path,
        time_zone=parsed.display.time_zone,
        format=parsed.display.format,
        default_channel=parsed.defaults.channel,
        matrix=tuple(tuple(row) for row in parsed.priority.matrix),
        sla=sla,
        targets=dict(parsed.targets),
        dimensions=tuple(parsed.feedback.dimensions),
    )


def _sla_policy(parsed: FileConfig) -> SlaPolicy:
    """`[calendars.NAME]` and `[sla]` as the policy the clocks run on; every calendar named
    must be defined (or be the built-in 24x7)."""
    from svcops.domain.calendar import ALWAYS_OPEN, TWENTY_FOUR_SEVEN, parse_calendar
    from svcops.domain.sla import DEFAULT_TARGETS, SlaTarget
    from svcops.domain.timeparse import parse_duration

    calendars = {ALWAYS_OPEN: TWENTY_FOUR_SEVEN}
    for name, table in parsed.calendars.items():
        if name == ALWAYS_OPEN:
            raise InvalidInput(f"calendars.{name}: the name is the built-in always-open calendar")
        calendars[name] = parse_calendar(name, table)

    def known(name: str, where: str) -> str:
        if name not in calendars:
            raise InvalidInput(
                f"{where}: unknown calendar {name!r}",
                hint="calendars: " + ", ".join(sorted(calendars)),
            )
        return name

    section = parsed.sla
    targets = {}
    for priority, default in DEFAULT_TARGETS.items():
        given = getattr(section, priority)
        targets[priority] = SlaTarget(
            parse_duration(given.response) if given.response else default.response,
            parse_duration(given.resolution) if given.resolution else default.resolution,
            known(given.calendar, f"sla.{priority}.calendar") if given.calendar else None,
        )
    teams = {}
    for team, name in section.teams.items():
        if not team.strip():
            raise InvalidInput("sla.teams: a team name is empty")
        if team.strip().casefold() in teams:  # team names match in any case
            raise InvalidInput(f"sla.teams.{team}: the team is named twice (in another case)")
        teams[team.strip().casefold()] = known(name, f"sla.teams.{team}")
    return SlaPolicy(targets, calendars, known(section.calendar, "sla.calendar"), teams)
