"""Lifecycles as data, and the one engine that moves any record through its lifecycle.

A lifecycle is a set of stages, each in a *state* (open, paused, resolved or final), and of
transitions, each named by its verb. A move's effects (first response, resolution, reopen, hold
clock, closing) follow from the states of the stages it connects: a new kind is a definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from svcops.domain.errors import InvalidInput, TransitionNotAllowed


class State(StrEnum):
    """What a stage means for the clocks and the counts."""

    OPEN = "open"  # work is under way or waiting to start
    PAUSED = "paused"  # on hold: the resolution clock stops
    RESOLVED = "resolved"  # the customer has what they needed (delivered, restored)
    FINAL = "final"  # closed or cancelled: nothing more happens


RETURN_TO_HELD = "<held stage>"
"""A transition target meaning: back to the stage the record was in when it was put on hold."""


@dataclass(frozen=True)
class Stage:
    name: str
    state: State
    description: str


@dataclass(frozen=True)
class Transition:
    """A verb that moves a record from any of `sources` to `target`."""

    verb: str
    sources: tuple[str, ...]
    target: str
    reopens: bool = False
    requires: tuple[str, ...] = ()  # fields the move must be given, e.g. ("reason",)


@dataclass(frozen=True)
class Lifecycle:
    """One kind of record: its stages, its moves and the main path through them."""

    kind: str
    noun: str
    plural: str
    prefix: str
    stages: tuple[Stage, ...]
    main_path: tuple[str, ...]
    transitions: tuple[Transition, ...]
    hold_reasons: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()  # its own fields of the catalogue (domain/fields.py), in order
    # capabilities
    customer_facing: bool = False  # served to customers: contacts, surveys and SLAs apply
    links_to: str = ""  # the kind its records may point at (an incident at its problem)
    linked_from: str = ""  # the kind whose records point here (a problem's incidents)
    known_error_stage: str = ""  # the stage of its known-error register (root cause, workaround)

    def __post_init__(self) -> None:
        # looked up for every move (and every imported row): a dict, not a scan
        object.__setattr__(self, "_by_name", {s.name: s for s in self.stages})
        object.__setattr__(self, "_states", {s.name: s.state for s in self.stages})
        moves = {s.name: [(t.verb, t.target) for t in self.transitions if s.name in t.sources]
                 for s in self.stages}  # fmt: skip
        object.__setattr__(self, "_moves", moves)
        names = [s.name for s in self.stages]
        known = set(names) | {RETURN_TO_HELD}
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - known
            if unknown:
                raise ValueError(f"{self.kind}: {t.verb} names unknown stages {sorted(unknown)}")
        if not set(self.main_path) <= set(names):
            raise ValueError(f"{self.kind}: main path names unknown stages")
        if self.known_error_stage and self.known_error_stage not in names:
            raise ValueError(f"{self.kind}: the known-error stage is not one of its stages")

    @property
    def initial(self) -> str:
        return self.stages[0].name

    @property
    def verbs(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.verb, None)
        return tuple(seen)

    def stage(self, name: str) -> Stage:
        found: Stage | None = self.__dict__["_by_name"].get(name)
        if found is not None:
            return found
        raise InvalidInput(
            f"unknown {self.noun} stage {name!r}",
            hint="stages: " + ", ".join(s.name for s in self.stages),
        )

    def state_of(self, name: str) -> State:
        state: State | None = self.__dict__["_states"].get(name)
        return self.stage(name).state if state is None else state

    def stages_in(self, *states: State) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages if s.state in states)

    def moves_from(self, stage: str) -> list[tuple[str, str]]:
        """(verb, target) pairs allowed from `stage`."""
        return list(self.__dict__["_moves"].get(stage, []))

    @property
    def a_noun(self) -> str:
        return ("an " if self.noun[0] in "aeiou" else "a ") + self.noun

    def describe_moves(self, stage: str, held_from: str | None = None) -> str:
        moves = self.moves_from(stage)
        if not moves:
            return f"{stage} is final: no moves"
        named = [(v, held_from if t == RETURN_TO_HELD and held_from else t) for v, t in moves]
        return "allowed: " + ", ".join(f"{v} → {t}" for v, t in named)

    def next_on_main_path(self, stage: str) -> str | None:
        if stage in self.main_path:
            i = self.main_path.index(stage)
            if i + 1 < len(self.main_path):
                return self.main_path[i + 1]
        return None

    def choose(self, stage: str, verb: str, to: str | None, held_from: str | None) -> Transition:
        """The transition that `verb` (optionally `--to` a stage) takes from `stage`.

        `advance` without a target follows the main path; `advance --to S` takes any allowed
        move to S. Raises TransitionNotAllowed naming the allowed moves.
        """
        if to is not None:
            self.stage(to)
        candidates = [t for t in self.transitions if stage in t.sources]
        if verb == "advance":
            target = to if to is not None else self.next_on_main_path(stage)
            matches = [t for t in candidates if self._target(t, held_from) == target]
            # prefer the plain advance edge when several verbs reach the same stage
            matches.sort(key=lambda t: t.verb != "advance")
        else:
            matches = [
                t
                for t in candidates
                if t.verb == verb and (to is None or self._target(t, held_from) == to)
            ]
        if not matches or (verb == "advance" and target is None):
            wanted = f"{verb} to {to}" if to else verb
            raise TransitionNotAllowed(
                f"cannot {wanted} {self.a_noun} in stage {stage}; "
                f"{self.describe_moves(stage, held_from)}"
            )
        return matches[0]

    def _target(self, t: Transition, held_from: str | None) -> str | None:
        return held_from if t.target == RETURN_TO_HELD else t.target


def check_after_opening(moment: datetime, opened_at: datetime, key: str, option: str) -> None:
    """Nothing happens to a record before it was opened: InvalidInput when `moment` does."""
    if moment < opened_at:
        raise InvalidInput(f"{option} {moment:%Y-%m-%dT%H:%M:%SZ} is before {key} was opened")


@dataclass(frozen=True)
class Progress:
    """The lifecycle-relevant state of one record; moving it is a pure function."""

    stage: str
    opened_at: datetime
    stage_entered_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    first_resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    hold_reason: str | None = None
    held_from: str | None = None
    held_since: datetime | None = None
    paused_s: int = 0  # seconds on hold before the first resolution (stops the SLA clock)


PROGRESS_FIELDS = tuple(Progress.__dataclass_fields__)
PROGRESS_TIMES = tuple(
    name for name, f in Progress.__dataclass_fields__.items() if "datetime" in str(f.type)
)


def progress_values(progress: Progress) -> dict[str, Any]:
    """The fields of a progress by name (shallow: dataclasses.asdict deep-copies every value)."""
    return dict(vars(progress))


_UNSET = {name: f.default for name, f in Progress.__dataclass_fields__.items()}


def _progress(values: dict[str, Any]) -> Progress:
    """A Progress holding `values` (every field). A frozen dataclass's __init__ sets each field
    through object.__setattr__, and imports make one per record and per stage change: this is
    the same new frozen value at a fraction of the cost."""
    made = object.__new__(Progress)
    object.__setattr__(made, "__dict__", values)
    return made


def start(lifecycle: Lifecycle, at: datetime) -> Progress:
    """A new record at its initial stage."""
    return _progress({**_UNSET, "stage": lifecycle.initial, "opened_at": at,
                      "stage_entered_at": at})  # fmt: skip


def move(
    lifecycle: Lifecycle,
    progress: Progress,
    verb: str,
    at: datetime,
    *,
    to: str | None = None,
    given: dict[str, str | None] | None = None,
) -> tuple[Progress, Transition]:
    """Apply `verb` at time `at`; returns the new progress and the transition taken."""
    given = given or {}
    transition = lifecycle.choose(progress.stage, verb, to, progress.held_from)
    missing = [name for name in transition.requires if not (given.get(name) or "").strip()]
    if missing:
        options = " and ".join("--" + name.replace("_", "-") for name in missing)
        raise InvalidInput(
            f"moving {lifecycle.a_noun} to {transition.target} needs {options}",
        )
    if at < progress.stage_entered_at:
        raise InvalidInput(
            f"--at {at:%Y-%m-%dT%H:%M:%SZ} is before the {lifecycle.noun} entered "
            f"{progress.stage} ({progress.stage_entered_at:%Y-%m-%dT%H:%M:%SZ})"
        )
    reason = given.get("reason")
    target = progress.held_from if transition.target == RETURN_TO_HELD else transition.target
    assert target is not None
    holding = lifecycle.state_of(target) is State.PAUSED and lifecycle.hold_reasons
    if holding and reason not in lifecycle.hold_reasons:
        raise InvalidInput(
            f"unknown hold reason {reason!r}",
            hint="reasons: " + ", ".join(lifecycle.hold_reasons),
        )
    return enter(lifecycle, progress, target, at, reopens=transition.reopens, reason=reason), (
        transition
    )


def enter(
    lifecycle: Lifecycle,
    progress: Progress,
    target: str,
    at: datetime,
    *,
    reopens: bool | None = None,
    reason: str | None = None,
) -> Progress:
    """The record after it entered `target` at `at`: the effects of a move, whatever allowed it.

    `move` checks the lifecycle first; an imported history applies observed moves as they
    happened. Without `reopens`, a move from a resolved stage back to work counts as a reopen.
    """
    source_state = lifecycle.state_of(progress.stage)
    target_state = lifecycle.state_of(target)
    back_to_work = target_state is State.OPEN or target_state is State.PAUSED
    if reopens is None:  # back to work after a resolution (closed ones included) is a reopen
        was_resolved = source_state is State.RESOLVED or (
            source_state is State.FINAL and progress.resolved_at is not None
        )
        reopens = was_resolved and back_to_work
    new = progress.__dict__.copy()
    new["stage"], new["stage_entered_at"] = target, at
    if source_state is State.FINAL and target_state is not State.FINAL:
        new["closed_at"] = None  # observed histories do leave closed stages
    if progress.first_response_at is None and progress.stage == lifecycle.initial:
        new["first_response_at"] = at
    if source_state is State.PAUSED and progress.held_since is not None:
        if progress.first_resolved_at is None:
            new["paused_s"] = progress.paused_s + int((at - progress.held_since).total_seconds())
        new["held_since"] = new["held_from"] = new["hold_reason"] = None
    if target_state is State.PAUSED:
        new["held_since"], new["held_from"], new["hold_reason"] = at, progress.stage, reason
    coming_back = source_state is State.FINAL and progress.resolved_at is not None
    if target_state is State.RESOLVED and source_state is not State.RESOLVED and not coming_back:
        new["resolved_at"] = at
        if progress.first_resolved_at is None:
            new["first_resolved_at"] = at
    if reopens:
        new["reopen_count"], new["resolved_at"] = progress.reopen_count + 1, None
    if target_state is State.FINAL:
        new["closed_at"] = at
    return _progress(new)
