"""What every use case needs: the settings in force, the clock, the time zone, a transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from functools import cached_property

from svcops.config import Settings, get_settings, pinned_settings
from svcops.domain.clock import clock
from svcops.domain.errors import InvalidInput
from svcops.domain.numbers import whole_number
from svcops.domain.timeparse import format_instant, load_zone, parse_when
from svcops.store.tables import StoredRecord
from svcops.store.uow import Held, held_connections
from svcops.store.work import UnitOfWork, begin

# how a use case gets its unit of work: (database url, write=, snapshot=) -> one unit of work
Units = Callable[..., AbstractContextManager[UnitOfWork]]
_units: ContextVar[Units] = ContextVar("svcops_units", default=begin)

FUTURE_SLACK = timedelta(minutes=1)  # tolerate clocks a little apart between machines


@dataclass
class Call:
    """One service call's surroundings."""

    settings: Settings
    now: datetime = field(default_factory=clock.now)

    @cached_property
    def zone(self) -> tzinfo:
        return load_zone(self.settings.time_zone)

    def when(self, text: str | None, option: str = "--at", *, future: bool = False) -> datetime:
        """The instant `text` means (now when absent); past-only unless `future`."""
        if text is None:
            return self.now
        moment = parse_when(text, now=self.now, tz=self.zone)
        if not future and moment > self.now + FUTURE_SLACK:
            raise InvalidInput(f"{option} {format_instant(moment)} is in the future")
        return moment

    def period(
        self, since: str | None, until: str | None
    ) -> tuple[datetime | None, datetime | None]:
        """The half-open period [since, until) of `--since/--until`; either end may be open."""
        start = self.when(since, "--since", future=True) if since else None
        end = self.when(until, "--until", future=True) if until else None
        if start and end and end <= start:
            raise InvalidInput("--until must be after --since")
        return start, end

    def optional_when(self, text: str | None, option: str) -> datetime | None:
        return None if text is None else self.when(text, option, future=True)


@contextmanager
def transaction(
    *, write: bool, snapshot: bool = False, call: Call | None = None
) -> Iterator[tuple[UnitOfWork, Call]]:
    """One unit of work with its call context (`call`: one the caller began already)."""
    call = call or Call(get_settings())
    with _units.get()(call.settings.database_url, write=write, snapshot=snapshot) as uow:
        yield uow, call


@contextmanager
def use_units(units: Units) -> Iterator[None]:
    """Use cases called inside get their units of work from `units` (tests: an in-memory one)."""
    token = _units.set(units)
    try:
        yield
    finally:
        _units.reset(token)


def clean_text(value: str | None, what: str, *, required: bool = False) -> str | None:
    """Trimmed text, None when blank; InvalidInput when a required text is blank."""
    cleaned = value.strip() if value is not None else None
    if cleaned and "\x00" in cleaned:  # PostgreSQL cannot store it: refuse it everywhere
        raise InvalidInput(f"{what} contains a NUL character")
    if not cleaned:
        if required:
            raise InvalidInput(f"{what} must not be empty")
        return None
    return cleaned


def required_text(value: str | None, what: str) -> str:
    """Trimmed text that must not be blank."""
    cleaned = clean_text(value, what, required=True)
    assert cleaned is not None
    return cleaned


def record_event(
    uow: UnitOfWork, call: Call, record: StoredRecord, action: str, at: datetime, **kw: str | None
) -> None:
    """Append one event to `record`'s audit trail, by the current actor."""
    uow.records.add_event(
        record, action, at=at, recorded_at=call.now, actor=call.settings.actor, **kw
    )


def parse_count(value: int | str | None, option: str) -> int | None:
    """A non-negative whole number from the command line (None stays None)."""
    number = value if value is None or isinstance(value, int) else whole_number(value)
    if isinstance(value, str) and number is None:
        raise InvalidInput(f"{option} must be a whole number (0 for all), not {value!r}")
    if number is not None and number < 0:
        raise InvalidInput(f"{option} must be 0 (all) or more")
    if number is not None and number > 1_000_000_000:
        raise InvalidInput(f"{option} must be at most 1000000000 (or 0 for all)")
    return number


@contextmanager
def many_calls(*, grouped: bool = False) -> Iterator[Held]:
    """Use cases run one after another inside (a batch's lines) share what does not change
    between them: the settings, read once, and one connection per database; with `grouped`,
    one transaction too, each use case in a savepoint of it, committed by the caller
    (`Held.commit`). Each use case still runs at its own moment."""
    with pinned_settings(), held_connections(grouped=grouped) as held:
        yield held


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """One transaction around everything run inside (batch --atomic): the use cases called in
    it join it, and the first error rolls all of it back."""
    with transaction(write=True):
        yield
