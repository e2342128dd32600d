"""The config file's schema, validated by pydantic.

Imported only when a config file exists, so commands without one skip building these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from svcops.domain.calendar import ALWAYS_OPEN
from svcops.domain.errors import InvalidInput
from svcops.domain.feedback import DEFAULT_DIMENSIONS
from svcops.domain.formats import FORMATS
from svcops.domain.kinds import CHANNELS
from svcops.domain.priority import DEFAULT_MATRIX, check_matrix
from svcops.domain.timeparse import load_zone, parse_duration


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSection(_Section):
    url: str | None = None
    path: str | None = None


class DisplaySection(_Section):
    time_zone: str | None = None
    format: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                load_zone(value)
            except InvalidInput as exc:
                raise ValueError(exc.message) from None
        return value

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
    """A priority's targets (open time of its calendar) and the calendar it may name."""

    response: str | None = None
    resolution: str | None = None
    calendar: str | None = None

    @field_validator("response", "resolution")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                if parse_duration(value) <= 0:
                    raise ValueError("a target must be longer than 0 seconds")
            except InvalidInput as exc:
                raise ValueError(exc.message) from None
        return value


class SlaSection(_Section):
    """`[sla]`: the default calendar, the calendars of teams, and targets per priority."""

    calendar: str = ALWAYS_OPEN
    teams: dict[str, str] = {}
    P1: SlaTarget = SlaTarget()
    P2: SlaTarget = SlaTarget()
    P3: SlaTarget = SlaTarget()
    P4: SlaTarget = SlaTarget()


class FeedbackSection(_Section):
    dimensions: list[str] = list(DEFAULT_DIMENSIONS)

    @field_validator("dimensions")
    @classmethod
    def _valid_names(cls, value: list[str]) -> list[str]:
        from svcops.domain.feedback import check_dimensions

        try:
            return list(check_dimensions(value))
        except InvalidInput as exc:
            raise ValueError(exc.message) from None


class FileConfig(_Section):
    database: DatabaseSection = DatabaseSection()
    display: DisplaySection = DisplaySection()
    defaults: DefaultsSection = DefaultsSection()
    priority: PrioritySection = PrioritySection()
    calendars: dict[str, dict[str, Any]] = {}
    sla: SlaSection = SlaSection()
    targets: dict[str, str] = {}
    feedback: FeedbackSection = FeedbackSection()

    @field_validator("targets")
    @classmethod
    def _valid_targets(cls, value: dict[str, str]) -> dict[str, str]:
        from svcops.domain.metrics import parse_target

        for metric, text in value.items():
            try:
                parse_target(metric, text)
            except InvalidInput as exc:
                raise ValueError(exc.message) from None
        return value
