"""Random walks through every lifecycle, checked against a small model written from PRODUCT.md.

The model is independent of `svcops.domain.kinds`: its moves are copied by hand from PRODUCT.md
section 2, and its effects (first response, resolution, reopen, hold clock, closing) are the
product's words turned into a few lines of bookkeeping.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from svcops.domain.errors import InvalidInput, TransitionNotAllowed
from svcops.domain.kinds import INCIDENT, PROBLEM, REQUEST
from svcops.domain.lifecycle import Lifecycle, Progress, State, move, start

HELD = "back where it was held"  # the model's marker for "resume returns to the held stage"


def edges(*rows: tuple[str, tuple[str, ...], str]) -> dict[tuple[str, str], str]:
    """{(stage, verb): target} from (verb, sources, target) rows."""
    return {(source, verb): target for verb, sources, target in rows for source in sources}


@dataclass(frozen=True)
class Spec:
    """What PRODUCT.md says about one kind."""

    lifecycle: Lifecycle
    initial: str
    moves: dict[tuple[str, str], str]
    paused: frozenset[str]
    resolved: frozenset[str]
    final: frozenset[str]
    hold_reasons: tuple[str, ...]


INCIDENT_SPEC = Spec(
    lifecycle=INCIDENT,
    initial="new",
    moves=edges(
        ("advance", ("new",), "acknowledged"),
        ("advance", ("acknowledged",), "in_progress"),
        ("advance", ("in_progress",), "resolved"),
        ("advance", ("resolved",), "closed"),
        ("resolve", ("new", "acknowledged", "in_progress"), "resolved"),
        ("hold", ("acknowledged", "in_progress"), "on_hold"),
        ("resume", ("on_hold",), "in_progress"),
        ("close", ("resolved",), "closed"),
        ("reopen", ("resolved",), "in_progress"),
        ("cancel", ("new", "acknowledged", "in_progress", "on_hold"), "cancelled"),
    ),
    paused=frozenset({"on_hold"}),
    resolved=frozenset({"resolved"}),
    final=frozenset({"closed", "cancelled"}),
    hold_reasons=("awaiting_customer", "awaiting_vendor", "awaiting_change", "awaiting_problem"),
)

PROBLEM_SPEC = Spec(
    lifecycle=PROBLEM,
    initial="new",
    moves=edges(
        ("advance", ("new",), "investigating"),
        ("advance", ("investigating",), "known_error"),
        ("advance", ("known_error",), "resolved"),
        ("advance", ("resolved",), "closed"),
        ("resolve", ("new", "investigating", "known_error"), "resolved"),
        ("close", ("resolved",), "closed"),
        ("reopen", ("resolved",), "investigating"),
        ("cancel", ("new", "investigating", "known_error"), "cancelled"),
    ),
    paused=frozenset(),
    resolved=frozenset({"resolved"}),
    final=frozenset({"closed", "cancelled"}),
    hold_reasons=(),
)

_WORK = ("inquiry", "assessment", "design", "execution")

REQUEST_SPEC = Spec(
    lifecycle=REQUEST,
    initial="inquiry",
    moves=edges(
        ("advance", ("inquiry",), "assessment"),
        ("advance", ("assessment",), "design"),
        ("advance", ("design",), "execution"),
        ("advance", ("execution",), "feedback"),
        ("advance", ("feedback",), "evaluation"),
        ("advance", ("evaluation",), "closed"),
        ("hold", _WORK, "on_hold"),
        ("resume", ("on_hold",), HELD),
        ("reopen", ("feedback", "evaluation"), "execution"),
        ("close", ("feedback", "evaluation"), "closed"),
        ("cancel", (*_WORK, "on_hold"), "cancelled"),
    ),
    paused=frozenset({"on_hold"}),
    resolved=frozenset({"feedback", "evaluation"}),  # delivered
    final=frozenset({"closed", "cancelled"}),
    hold_reasons=("awaiting_customer", "awaiting_vendor", "awaiting_change"),
)

SPECS = [INCIDENT_SPEC, PROBLEM_SPEC, REQUEST_SPEC]

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STEPS = st.integers(0, 4 * 3600)  # seconds between one move and the next
OTHER_VERBS = ("hold", "resume", "resolve", "close", "reopen", "cancel")
BAD_INPUT = ("cancel without a reason", "hold with an unknown reason", "--at in the past")
KNOWN_ERROR_FIELDS = {"root_cause": "expired certificate", "workaround": "restart the gateway"}

MACHINE_SETTINGS = settings(
    max_examples=50,
    stateful_step_count=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def machine_for(spec: Spec) -> type[RuleBasedStateMachine]:
    """A state machine that drives `move` for one kind and checks it against `spec`."""
    lc = spec.lifecycle
    stage_names = sorted({source for source, _ in spec.moves} | set(spec.final))
    reasons = spec.hold_reasons or ("awaiting_customer",)  # a kind without holds refuses anyway

    class LifecycleMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.new_record(T0)

        def new_record(self, opened: datetime) -> None:
            self.progress: Progress = start(lc, opened)
            # the model
            self.stage = spec.initial
            self.opened = self.now = self.entered = opened
            self.left_initial = False
            self.first_response: datetime | None = None
            self.resolved_at: datetime | None = None
            self.first_resolved: datetime | None = None
            self.closed_at: datetime | None = None
            self.reopens = 0
            self.held_from: str | None = None
            self.hold_started: datetime | None = None
            self.hold_reason: str | None = None
            self.paused = 0
            self.seen_paused_s = 0

        # -- the model --------------------------------------------------------------------

        def target_of(self, verb: str) -> str | None:
            target = spec.moves.get((self.stage, verb))
            return self.held_from if target == HELD else target

        def allowed(self) -> dict[str, str]:
            """verb -> target allowed from the model's stage."""
            verbs = [verb for source, verb in spec.moves if source == self.stage]
            return {verb: target for verb in verbs if (target := self.target_of(verb)) is not None}

        def model_move(self, target: str, at: datetime, reason: str | None) -> None:
            source = self.stage
            if not self.left_initial:
                # the first move of a record is its first response, whatever the move
                self.left_initial = True
                self.first_response = at
            if source in spec.paused:
                assert self.hold_started is not None
                if self.first_resolved is None:
                    self.paused += int((at - self.hold_started).total_seconds())
                self.held_from = self.hold_started = self.hold_reason = None
            if target in spec.paused:
                self.held_from, self.hold_started, self.hold_reason = source, at, reason
            if target in spec.resolved and source not in spec.resolved:
                self.resolved_at = at
                if self.first_resolved is None:
                    self.first_resolved = at
            if source in spec.resolved and target not in spec.resolved | spec.final:
                # back from resolved (delivered) to work: a reopen (rework)
                self.reopens += 1
                self.resolved_at = None
            if target in spec.final:
                self.closed_at = at
            self.stage = target
            self.entered = at

        # -- driving the engine -------------------------------------------------------------

        def attempt(
            self,
            verb: str,
            step: int,
            expected: str | None,
            *,
            to: str | None = None,
            given: dict[str, str | None] | None = None,
        ) -> None:
            at = self.now + timedelta(seconds=step)
            before = asdict(self.progress)
            if expected is None:
                with pytest.raises(TransitionNotAllowed) as caught:
                    move(lc, self.progress, verb, at, to=to, given=given)
                assert caught.value.exit_code == 4
                allowed = self.allowed()
                if allowed:
                    for allowed_verb in allowed:
                        assert f"{allowed_verb} → " in caught.value.message
                else:
                    assert f"{self.stage} is final: no moves" in caught.value.message
                assert asdict(self.progress) == before
                return
            new, transition = move(lc, self.progress, verb, at, to=to, given=given)
            assert asdict(self.progress) == before  # the old progress is left alone
            rework = self.stage in spec.resolved and expected not in spec.resolved | spec.final
            assert transition.reopens == rework
            self.progress = new
            self.now = at
            self.model_move(expected, at, (given or {}).get("reason"))

        @rule(step=STEPS, reason=st.sampled_from(reasons))
        def advance(self, step: int, reason: str) -> None:
            given = {"reason": reason, **KNOWN_ERROR_FIELDS}
            self.attempt("advance", step, self.target_of("advance"), given=given)

        def pick(self, data: st.DataObject, anything: list[str], allowed: list[str]) -> str:
            """Mostly one of the allowed choices, sometimes anything at all (often refused)."""
            if allowed and data.draw(st.integers(0, 3)) > 0:
                return data.draw(st.sampled_from(allowed))
            return data.draw(st.sampled_from(anything))

        @rule(step=STEPS, data=st.data(), reason=st.sampled_from(reasons))
        def advance_to(self, step: int, data: st.DataObject, reason: str) -> None:
            to = self.pick(data, stage_names, sorted(set(self.allowed().values())))
            expected = to if to in self.allowed().values() else None
            given = {"reason": reason, **KNOWN_ERROR_FIELDS}
            self.attempt("advance", step, expected, to=to, given=given)

        @rule(step=STEPS, data=st.data(), reason=st.sampled_from(reasons))
        def act(self, step: int, data: st.DataObject, reason: str) -> None:
            allowed = [verb for verb in OTHER_VERBS if verb in self.allowed()]
            verb = self.pick(data, list(OTHER_VERBS), allowed)
            # hold with a valid reason, cancel with a reason; the others need none
            given = {"reason": reason if verb == "hold" else "duplicate of another record"}
            self.attempt(verb, step, self.target_of(verb), given=given)

        @rule(step=STEPS, back=st.integers(1, 3600), bad=st.sampled_from(BAD_INPUT))
        def bad_input(self, step: int, back: int, bad: str) -> None:
            """A move the model allows but with bad input: InvalidInput, nothing changes."""
            at = self.now + timedelta(seconds=step)
            if bad == "cancel without a reason":
                verb, given = "cancel", {"reason": None}
            elif bad == "hold with an unknown reason":
                verb, given = "hold", {"reason": "lunch"}
            else:  # advance --at before the record entered its stage
                at = self.entered - timedelta(seconds=back)
                verb, given = "advance", {"reason": reasons[0], **KNOWN_ERROR_FIELDS}
            before = asdict(self.progress)
            if self.target_of(verb) is None:
                with pytest.raises(TransitionNotAllowed):
                    move(lc, self.progress, verb, at, given=given)
            else:
                with pytest.raises(InvalidInput) as caught:
                    move(lc, self.progress, verb, at, given=given)
                assert caught.value.exit_code == 2
            assert asdict(self.progress) == before

        @precondition(lambda self: self.stage in spec.final)
        @rule(step=STEPS)
        def open_another(self, step: int) -> None:
            """A final record is done with; carry on with a fresh one."""
            self.new_record(self.now + timedelta(seconds=step))

        # -- invariants ---------------------------------------------------------------------

        @invariant()
        def stage_matches_the_model(self) -> None:
            p = self.progress
            assert p.stage == self.stage
            assert p.stage_entered_at == self.entered
            assert p.opened_at == self.opened

        @invariant()
        def states_match_the_model(self) -> None:
            state = lc.state_of(self.stage)
            assert (state is State.PAUSED) == (self.stage in spec.paused)
            assert (state is State.RESOLVED) == (self.stage in spec.resolved)
            assert (state is State.FINAL) == (self.stage in spec.final)

        @invariant()
        def reopen_count_matches(self) -> None:
            assert self.progress.reopen_count == self.reopens

        @invariant()
        def first_response_iff_left_initial(self) -> None:
            p = self.progress
            assert (p.first_response_at is not None) == self.left_initial
            assert p.first_response_at == self.first_response

        @invariant()
        def resolved_at_iff_resolved(self) -> None:
            p = self.progress
            # a closed record keeps the time it was resolved; closed is only reached from a
            # resolved (delivered) stage, cancelled only from an open or paused one
            expected_set = self.stage in spec.resolved or self.stage == "closed"
            assert (p.resolved_at is not None) == expected_set
            assert p.resolved_at == self.resolved_at
            assert p.first_resolved_at == self.first_resolved
            if p.first_resolved_at is not None and p.resolved_at is not None:
                assert p.first_resolved_at <= p.resolved_at

        @invariant()
        def closed_at_iff_final(self) -> None:
            p = self.progress
            assert (p.closed_at is not None) == (self.stage in spec.final)
            assert p.closed_at == self.closed_at

        @invariant()
        def hold_clock(self) -> None:
            p = self.progress
            assert p.paused_s >= self.seen_paused_s
            self.seen_paused_s = p.paused_s
            assert p.paused_s == self.paused
            assert (p.held_since is not None) == (self.stage in spec.paused)
            assert (p.held_since, p.held_from, p.hold_reason) == (
                self.hold_started,
                self.held_from,
                self.hold_reason,
            )

    LifecycleMachine.__name__ = LifecycleMachine.__qualname__ = f"{lc.kind.title()}Machine"
    return LifecycleMachine


@pytest.mark.parametrize("spec", SPECS, ids=[s.lifecycle.kind for s in SPECS])
def test_lifecycle_against_the_model(spec: Spec) -> None:
    run_state_machine_as_test(machine_for(spec), settings=MACHINE_SETTINGS)


@pytest.mark.parametrize("spec", SPECS, ids=[s.lifecycle.kind for s in SPECS])
def test_the_model_names_the_same_stages_as_the_definition(spec: Spec) -> None:
    # guards the machine itself: a typo in the model would otherwise only shrink coverage
    stages = {source for source, _ in spec.moves} | set(spec.final)
    assert stages == {s.name for s in spec.lifecycle.stages}
    assert spec.initial == spec.lifecycle.initial
    assert set(spec.hold_reasons) <= set(INCIDENT_SPEC.hold_reasons)
