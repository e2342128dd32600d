"""The lifecycle definitions (PRODUCT.md section 2) and the engine that moves records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from svcops.domain.errors import ExitCode, InvalidInput, TransitionNotAllowed
from svcops.domain.kinds import BY_PREFIX, INCIDENT, LIFECYCLES, PROBLEM, REQUEST, lifecycle
from svcops.domain.lifecycle import (
    RETURN_TO_HELD,
    Lifecycle,
    Progress,
    Stage,
    State,
    Transition,
    move,
    start,
)

ALL = [INCIDENT, PROBLEM, REQUEST]
IDS = ["incident", "problem", "request"]

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """T0 plus some minutes: at(5) is 09:05 UTC."""
    return T0 + timedelta(minutes=minutes)


def walk(lc: Lifecycle, *steps: tuple[str, int] | tuple[str, int, dict[str, str]]) -> Progress:
    """Start at T0 and apply (verb, minute[, given]) steps."""
    progress = start(lc, T0)
    for step in steps:
        verb, minute = step[0], step[1]
        given = step[2] if len(step) == 3 else None
        progress, _ = move(lc, progress, verb, at(minute), given=given)
    return progress


# --- the definitions, as PRODUCT.md states them --------------------------------------------


def test_kinds_and_prefixes() -> None:
    assert set(LIFECYCLES) == {"incident", "problem", "request"}
    assert (INCIDENT.prefix, PROBLEM.prefix, REQUEST.prefix) == ("INC", "PRB", "REQ")
    assert BY_PREFIX == {"INC": INCIDENT, "PRB": PROBLEM, "REQ": REQUEST}
    assert lifecycle("incident") is INCIDENT
    assert lifecycle("request") is REQUEST
    assert (INCIDENT.a_noun, PROBLEM.a_noun, REQUEST.a_noun) == (
        "an incident",
        "a problem",
        "a request",
    )


def test_feedback_is_about_incidents_and_requests() -> None:
    # PRODUCT.md 2.4: one survey response about one incident or request
    assert (INCIDENT.customer_facing, PROBLEM.customer_facing, REQUEST.customer_facing) == (
        True,
        False,
        True,
    )


def test_unknown_kind_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown record kind 'ticket'") as caught:
        lifecycle("ticket")
    assert caught.value.exit_code == 2


INCIDENT_STATES = {
    "new": State.OPEN,
    "acknowledged": State.OPEN,
    "in_progress": State.OPEN,
    "on_hold": State.PAUSED,
    "resolved": State.RESOLVED,
    "closed": State.FINAL,
    "cancelled": State.FINAL,
}
PROBLEM_STATES = {
    "new": State.OPEN,
    "investigating": State.OPEN,
    "known_error": State.OPEN,
    "resolved": State.RESOLVED,
    "closed": State.FINAL,
    "cancelled": State.FINAL,
}
REQUEST_STATES = {
    "inquiry": State.OPEN,
    "assessment": State.OPEN,
    "design": State.OPEN,
    "execution": State.OPEN,
    "on_hold": State.PAUSED,
    "feedback": State.RESOLVED,  # delivered: the request's "resolution"
    "evaluation": State.RESOLVED,
    "closed": State.FINAL,
    "cancelled": State.FINAL,
}


@pytest.mark.parametrize(
    ("lc", "states", "initial"),
    [
        (INCIDENT, INCIDENT_STATES, "new"),
        (PROBLEM, PROBLEM_STATES, "new"),
        (REQUEST, REQUEST_STATES, "inquiry"),
    ],
    ids=IDS,
)
def test_stages_and_their_states(lc: Lifecycle, states: dict[str, State], initial: str) -> None:
    assert {s.name: s.state for s in lc.stages} == states
    assert len(lc.stages) == len(states)  # no duplicates
    assert lc.initial == initial
    for name, state in states.items():
        assert lc.state_of(name) is state


@pytest.mark.parametrize(
    ("lc", "path"),
    [
        (INCIDENT, ("new", "acknowledged", "in_progress", "resolved", "closed")),
        (PROBLEM, ("new", "investigating", "known_error", "resolved", "closed")),
        (
            REQUEST,
            ("inquiry", "assessment", "design", "execution", "feedback", "evaluation", "closed"),
        ),
    ],
    ids=IDS,
)
def test_main_paths(lc: Lifecycle, path: tuple[str, ...]) -> None:
    assert lc.main_path == path


def test_incident_hold_reasons() -> None:
    assert set(INCIDENT.hold_reasons) == {
        "awaiting_customer",
        "awaiting_vendor",
        "awaiting_change",
        "awaiting_problem",
    }


def test_unknown_stage_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown incident stage 'done'") as caught:
        INCIDENT.stage("done")
    assert caught.value.hint is not None
    assert "in_progress" in caught.value.hint


HELD = RETURN_TO_HELD

MOVES: dict[str, dict[str, set[tuple[str, str]]]] = {
    "incident": {
        "new": {("advance", "acknowledged"), ("resolve", "resolved"), ("cancel", "cancelled")},
        "acknowledged": {
            ("advance", "in_progress"),
            ("resolve", "resolved"),
            ("hold", "on_hold"),
            ("cancel", "cancelled"),
        },
        "in_progress": {
            ("advance", "resolved"),
            ("resolve", "resolved"),
            ("hold", "on_hold"),
            ("cancel", "cancelled"),
        },
        "on_hold": {("resume", "in_progress"), ("cancel", "cancelled")},
        "resolved": {("advance", "closed"), ("close", "closed"), ("reopen", "in_progress")},
        "closed": set(),
        "cancelled": set(),
    },
    "problem": {
        "new": {("advance", "investigating"), ("resolve", "resolved"), ("cancel", "cancelled")},
        "investigating": {
            ("advance", "known_error"),
            ("resolve", "resolved"),
            ("cancel", "cancelled"),
        },
        "known_error": {
            ("advance", "resolved"),
            ("resolve", "resolved"),
            ("cancel", "cancelled"),
        },
        "resolved": {("advance", "closed"), ("close", "closed"), ("reopen", "investigating")},
        "closed": set(),
        "cancelled": set(),
    },
    "request": {
        "inquiry": {("advance", "assessment"), ("hold", "on_hold"), ("cancel", "cancelled")},
        "assessment": {("advance", "design"), ("hold", "on_hold"), ("cancel", "cancelled")},
        "design": {("advance", "execution"), ("hold", "on_hold"), ("cancel", "cancelled")},
        "execution": {("advance", "feedback"), ("hold", "on_hold"), ("cancel", "cancelled")},
        "on_hold": {("resume", HELD), ("cancel", "cancelled")},
        "feedback": {("advance", "evaluation"), ("reopen", "execution"), ("close", "closed")},
        "evaluation": {("advance", "closed"), ("reopen", "execution"), ("close", "closed")},
        "closed": set(),
        "cancelled": set(),
    },
}


@pytest.mark.parametrize(
    ("lc", "stage"),
    [(lc, stage) for lc in ALL for stage in MOVES[lc.kind]],
    ids=[f"{kind}-{stage}" for kind in IDS for stage in MOVES[kind]],
)
def test_moves_from(lc: Lifecycle, stage: str) -> None:
    moves = lc.moves_from(stage)
    assert set(moves) == MOVES[lc.kind][stage]
    assert len(moves) == len(set(moves))


def test_verbs_per_kind() -> None:
    assert set(INCIDENT.verbs) == {
        "advance",
        "resolve",
        "hold",
        "resume",
        "close",
        "reopen",
        "cancel",
    }
    assert set(PROBLEM.verbs) == {"advance", "resolve", "close", "reopen", "cancel"}
    assert set(REQUEST.verbs) == {"advance", "hold", "resume", "close", "reopen", "cancel"}


# --- structural soundness --------------------------------------------------------------------


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_transitions_name_only_known_stages(lc: Lifecycle) -> None:
    names = {s.name for s in lc.stages}
    for t in lc.transitions:
        assert set(t.sources) <= names, t
        assert t.target in names or (t.target == RETURN_TO_HELD and t.verb == "resume"), t
        for source in t.sources:
            assert lc.state_of(source) is not State.FINAL, t


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_every_open_stage_has_a_move_and_final_stages_have_none(lc: Lifecycle) -> None:
    for s in lc.stages:
        if s.state is State.FINAL:
            assert lc.moves_from(s.name) == [], s.name
            assert lc.describe_moves(s.name) == f"{s.name} is final: no moves"
        else:
            assert lc.moves_from(s.name), s.name


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_a_final_stage_is_reachable_from_every_stage(lc: Lifecycle) -> None:
    final = set(lc.stages_in(State.FINAL))
    assert final == {"closed", "cancelled"}
    for s in lc.stages:
        seen = {s.name}
        frontier = [s.name]
        while frontier:
            here = frontier.pop()
            for _, target in lc.moves_from(here):
                if target != RETURN_TO_HELD and target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & final, s.name


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_main_path_is_a_chain_of_advance_moves(lc: Lifecycle) -> None:
    path = lc.main_path
    assert path[0] == lc.initial
    assert lc.state_of(path[-1]) is State.FINAL
    for here, there in pairwise(path):
        assert ("advance", there) in lc.moves_from(here)
        assert lc.next_on_main_path(here) == there
    assert lc.next_on_main_path(path[-1]) is None


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_every_stage_is_reachable_from_the_initial_stage(lc: Lifecycle) -> None:
    seen = {lc.initial}
    frontier = [lc.initial]
    while frontier:
        here = frontier.pop()
        for _, target in lc.moves_from(here):
            # resume returns where the record came from, which was reached already
            if target != RETURN_TO_HELD and target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == {s.name for s in lc.stages}


def test_a_definition_naming_an_unknown_stage_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"advance names unknown stages \['nowhere'\]"):
        Lifecycle(
            kind="thing",
            noun="thing",
            plural="things",
            prefix="THG",
            stages=(Stage("a", State.OPEN, ""), Stage("z", State.FINAL, "")),
            main_path=("a", "z"),
            transitions=(Transition("advance", ("a",), "nowhere"),),
        )


# --- choose ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lc", ALL, ids=IDS)
def test_advance_follows_the_main_path(lc: Lifecycle) -> None:
    path = lc.main_path
    for here, there in pairwise(path):
        chosen = lc.choose(here, "advance", None, None)
        assert (chosen.verb, chosen.target) == ("advance", there)


def test_advance_to_prefers_the_advance_edge() -> None:
    # in_progress -> resolved is reachable by advance and by resolve
    chosen = INCIDENT.choose("in_progress", "advance", "resolved", None)
    assert chosen.verb == "advance"
    chosen = INCIDENT.choose("resolved", "advance", "closed", None)
    assert chosen.verb == "advance"


def test_advance_to_takes_any_allowed_move() -> None:
    chosen = INCIDENT.choose("new", "advance", "resolved", None)
    assert (chosen.verb, chosen.target) == ("resolve", "resolved")
    chosen = INCIDENT.choose("acknowledged", "advance", "on_hold", None)
    assert (chosen.verb, chosen.requires) == ("hold", ("reason",))
    chosen = REQUEST.choose("feedback", "advance", "execution", None)
    assert (chosen.verb, chosen.reopens) == ("reopen", True)
    chosen = REQUEST.choose("on_hold", "advance", "design", "design")
    assert chosen.verb == "resume"


def test_advance_to_a_disallowed_stage_names_the_allowed_moves() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        INCIDENT.choose("new", "advance", "in_progress", None)
    error = caught.value
    assert error.exit_code == ExitCode.NOT_ALLOWED == 4
    assert error.message == (
        "cannot advance to in_progress an incident in stage new; "
        "allowed: advance → acknowledged, resolve → resolved, cancel → cancelled"
    )


def test_refused_verb_names_the_allowed_moves() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        INCIDENT.choose("on_hold", "resolve", None, "in_progress")
    assert caught.value.exit_code == 4
    assert caught.value.message == (
        "cannot resolve an incident in stage on_hold; "
        "allowed: resume → in_progress, cancel → cancelled"
    )


def test_advance_from_a_final_stage_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="closed is final: no moves"):
        INCIDENT.choose("closed", "advance", None, None)


def test_advance_off_the_main_path_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="cannot advance an incident in stage on_hold"):
        INCIDENT.choose("on_hold", "advance", None, "acknowledged")
    with pytest.raises(TransitionNotAllowed, match="cannot advance a request in stage on_hold"):
        REQUEST.choose("on_hold", "advance", None, "design")


def test_verb_a_kind_does_not_have_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed, match="cannot hold a problem in stage investigating"):
        PROBLEM.choose("investigating", "hold", None, None)
    with pytest.raises(TransitionNotAllowed, match="cannot resolve a request in stage execution"):
        REQUEST.choose("execution", "resolve", None, None)


def test_advance_to_an_unknown_stage_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown incident stage 'done'") as caught:
        INCIDENT.choose("new", "advance", "done", None)
    assert caught.value.exit_code == 2


# --- move: incidents -------------------------------------------------------------------------


def test_start() -> None:
    assert start(INCIDENT, T0) == Progress(stage="new", opened_at=T0, stage_entered_at=T0)
    assert start(REQUEST, T0).stage == "inquiry"


def test_incident_main_path_effects() -> None:
    p = start(INCIDENT, T0)
    p, t = move(INCIDENT, p, "advance", at(5))
    assert t.verb == "advance"
    assert p == Progress(
        stage="acknowledged", opened_at=T0, stage_entered_at=at(5), first_response_at=at(5)
    )
    p, _ = move(INCIDENT, p, "advance", at(20))
    assert (p.stage, p.stage_entered_at, p.first_response_at) == ("in_progress", at(20), at(5))
    p, _ = move(INCIDENT, p, "advance", at(60))
    assert p == Progress(
        stage="resolved",
        opened_at=T0,
        stage_entered_at=at(60),
        first_response_at=at(5),
        resolved_at=at(60),
        first_resolved_at=at(60),
    )
    p, t = move(INCIDENT, p, "close", at(120))
    assert t.verb == "close"
    assert p == Progress(
        stage="closed",
        opened_at=T0,
        stage_entered_at=at(120),
        first_response_at=at(5),
        resolved_at=at(60),  # a closed record keeps the time it was resolved
        first_resolved_at=at(60),
        closed_at=at(120),
    )


def test_resolve_straight_from_new_is_also_the_first_response() -> None:
    p = walk(INCIDENT, ("resolve", 3))
    assert p == Progress(
        stage="resolved",
        opened_at=T0,
        stage_entered_at=at(3),
        first_response_at=at(3),
        resolved_at=at(3),
        first_resolved_at=at(3),
    )


def test_first_response_is_not_moved_by_later_moves() -> None:
    p = walk(INCIDENT, ("advance", 5), ("resolve", 30), ("reopen", 40), ("resolve", 50))
    assert p.first_response_at == at(5)


def test_reopen_counts_and_clears_resolved_at_but_keeps_first_resolved_at() -> None:
    p = walk(INCIDENT, ("advance", 5), ("advance", 10), ("resolve", 60))
    p, t = move(INCIDENT, p, "reopen", at(90))
    assert t.reopens
    assert (p.stage, p.reopen_count) == ("in_progress", 1)
    assert p.resolved_at is None
    assert p.first_resolved_at == at(60)
    assert p.closed_at is None
    p, _ = move(INCIDENT, p, "resolve", at(100))
    assert (p.resolved_at, p.first_resolved_at, p.reopen_count) == (at(100), at(60), 1)
    p, _ = move(INCIDENT, p, "reopen", at(110))
    assert (p.reopen_count, p.resolved_at, p.first_resolved_at) == (2, None, at(60))


def test_hold_and_resume_pause_the_clock() -> None:
    p = walk(INCIDENT, ("advance", 5))
    p, _ = move(INCIDENT, p, "hold", at(10), given={"reason": "awaiting_vendor"})
    assert p == Progress(
        stage="on_hold",
        opened_at=T0,
        stage_entered_at=at(10),
        first_response_at=at(5),
        hold_reason="awaiting_vendor",
        held_from="acknowledged",
        held_since=at(10),
    )
    p, _ = move(INCIDENT, p, "resume", at(20))
    # an incident resumes into in_progress, even when held from acknowledged
    assert p == Progress(
        stage="in_progress",
        opened_at=T0,
        stage_entered_at=at(20),
        first_response_at=at(5),
        paused_s=600,
    )
    p, _ = move(INCIDENT, p, "hold", at(30), given={"reason": "awaiting_customer"})
    p, _ = move(INCIDENT, p, "resume", at(60))
    assert p.paused_s == 600 + 1800


def test_hold_after_the_first_resolution_does_not_count() -> None:
    p = walk(
        INCIDENT,
        ("advance", 5),
        ("hold", 10, {"reason": "awaiting_change"}),
        ("resume", 20),
        ("resolve", 30),
        ("reopen", 40),
        ("hold", 50, {"reason": "awaiting_change"}),
    )
    assert (p.stage, p.held_since, p.paused_s) == ("on_hold", at(50), 600)
    p, _ = move(INCIDENT, p, "resume", at(80))
    assert (p.stage, p.held_since, p.hold_reason, p.paused_s) == ("in_progress", None, None, 600)


def test_cancel_from_hold_ends_the_hold_and_closes() -> None:
    p = walk(INCIDENT, ("advance", 5), ("hold", 10, {"reason": "awaiting_problem"}))
    p, t = move(INCIDENT, p, "cancel", at(25), given={"reason": "duplicate of INC-7"})
    assert t.verb == "cancel"
    assert p == Progress(
        stage="cancelled",
        opened_at=T0,
        stage_entered_at=at(25),
        first_response_at=at(5),
        closed_at=at(25),
        paused_s=900,
    )


def test_cancel_from_new() -> None:
    p = walk(INCIDENT, ("cancel", 2, {"reason": "not an incident"}))
    assert (p.stage, p.closed_at, p.resolved_at, p.first_resolved_at) == (
        "cancelled",
        at(2),
        None,
        None,
    )


def test_advance_to_on_hold_is_a_hold() -> None:
    p = walk(INCIDENT, ("advance", 5))
    p, t = move(INCIDENT, p, "advance", at(7), to="on_hold", given={"reason": "awaiting_vendor"})
    assert t.verb == "hold"
    assert (p.stage, p.hold_reason, p.held_from, p.held_since) == (
        "on_hold",
        "awaiting_vendor",
        "acknowledged",
        at(7),
    )


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancel_needs_a_reason(reason: str | None) -> None:
    p = start(INCIDENT, T0)
    with pytest.raises(InvalidInput) as caught:
        move(INCIDENT, p, "cancel", at(1), given={"reason": reason})
    assert caught.value.message == "moving an incident to cancelled needs --reason"
    assert caught.value.exit_code == 2


def test_cancel_without_given_needs_a_reason() -> None:
    with pytest.raises(InvalidInput, match="needs --reason"):
        move(INCIDENT, start(INCIDENT, T0), "cancel", at(1))


def test_hold_needs_a_reason() -> None:
    p = walk(INCIDENT, ("advance", 5))
    with pytest.raises(InvalidInput, match=r"^moving an incident to on_hold needs --reason$"):
        move(INCIDENT, p, "hold", at(6))


@pytest.mark.parametrize("reason", ["lunch", "AWAITING_VENDOR", "awaiting"])
def test_hold_reason_must_be_known(reason: str) -> None:
    p = walk(INCIDENT, ("advance", 5))
    with pytest.raises(InvalidInput, match="unknown hold reason") as caught:
        move(INCIDENT, p, "hold", at(6), given={"reason": reason})
    assert caught.value.exit_code == 2
    assert caught.value.hint is not None
    assert "awaiting_customer" in caught.value.hint


def test_at_before_the_stage_was_entered_is_refused() -> None:
    p = walk(INCIDENT, ("advance", 5))
    with pytest.raises(InvalidInput) as caught:
        move(INCIDENT, p, "advance", at(4))
    assert caught.value.message == (
        "--at 2026-11-23T09:04:00Z is before the incident entered acknowledged "
        "(2026-11-23T09:05:00Z)"
    )
    assert caught.value.exit_code == 2
    # the very instant it entered is fine
    p, _ = move(INCIDENT, p, "advance", at(5))
    assert (p.stage, p.stage_entered_at) == ("in_progress", at(5))


def test_at_before_opening_is_refused() -> None:
    with pytest.raises(InvalidInput, match="is before the incident entered new"):
        move(INCIDENT, start(INCIDENT, T0), "resolve", T0 - timedelta(seconds=1))


def test_a_refused_move_is_refused_before_anything_else() -> None:
    # a disallowed move is TransitionNotAllowed even with a bad --at and no reason
    p = walk(INCIDENT, ("advance", 5))
    with pytest.raises(TransitionNotAllowed):
        move(INCIDENT, p, "resume", at(1))


# --- move: problems --------------------------------------------------------------------------


def test_problem_known_error_needs_root_cause_and_workaround() -> None:
    p = walk(PROBLEM, ("advance", 10))
    assert p.stage == "investigating"
    with pytest.raises(InvalidInput) as caught:
        move(PROBLEM, p, "advance", at(20))
    assert (
        caught.value.message
        == "moving a problem to known_error needs --root-cause and --workaround"
    )
    with pytest.raises(InvalidInput) as caught:
        move(PROBLEM, p, "advance", at(20), to="known_error", given={"root_cause": "bad cert"})
    assert caught.value.message == "moving a problem to known_error needs --workaround"
    with pytest.raises(InvalidInput) as caught:
        move(PROBLEM, p, "advance", at(20), given={"workaround": "restart", "root_cause": " "})
    assert caught.value.message == "moving a problem to known_error needs --root-cause"
    p, _ = move(
        PROBLEM,
        p,
        "advance",
        at(20),
        given={"root_cause": "expired certificate", "workaround": "restart the gateway"},
    )
    assert (p.stage, p.stage_entered_at, p.first_response_at) == ("known_error", at(20), at(10))


def test_problem_main_path_and_reopen() -> None:
    given = {"root_cause": "leak", "workaround": "restart nightly"}
    p = walk(PROBLEM, ("advance", 10), ("advance", 20, given), ("advance", 30))
    assert (p.stage, p.resolved_at, p.first_resolved_at) == ("resolved", at(30), at(30))
    p, _ = move(PROBLEM, p, "reopen", at(40))
    assert (p.stage, p.reopen_count, p.resolved_at, p.first_resolved_at) == (
        "investigating",
        1,
        None,
        at(30),
    )
    p, _ = move(PROBLEM, p, "resolve", at(50))
    p, _ = move(PROBLEM, p, "advance", at(60))
    assert (p.stage, p.closed_at, p.resolved_at, p.reopen_count) == ("closed", at(60), at(50), 1)


def test_problem_resolve_straight_from_new() -> None:
    p = walk(PROBLEM, ("resolve", 15))
    assert (p.stage, p.first_response_at, p.resolved_at) == ("resolved", at(15), at(15))


# --- move: requests --------------------------------------------------------------------------


def test_request_resume_returns_to_the_stage_it_was_held_in() -> None:
    p = walk(REQUEST, ("advance", 10), ("advance", 20))
    assert p.stage == "design"
    p, _ = move(REQUEST, p, "hold", at(30), given={"reason": "awaiting_customer"})
    assert (p.stage, p.held_from, p.hold_reason, p.held_since) == (
        "on_hold",
        "design",
        "awaiting_customer",
        at(30),
    )
    p, t = move(REQUEST, p, "resume", at(40))
    assert t.target == RETURN_TO_HELD
    assert (p.stage, p.stage_entered_at, p.paused_s) == ("design", at(40), 600)
    assert (p.held_from, p.held_since, p.hold_reason) == (None, None, None)


def test_request_hold_from_inquiry_is_the_first_response() -> None:
    p = walk(REQUEST, ("hold", 5, {"reason": "awaiting_vendor"}))
    assert (p.stage, p.first_response_at) == ("on_hold", at(5))
    p, _ = move(REQUEST, p, "resume", at(65))
    assert (p.stage, p.paused_s, p.first_response_at) == ("inquiry", 3600, at(5))
    p, _ = move(REQUEST, p, "advance", at(70))
    assert (p.stage, p.first_response_at) == ("assessment", at(5))


def test_request_delivery_is_its_resolution() -> None:
    p = walk(REQUEST, ("advance", 10), ("advance", 20), ("advance", 30))
    assert (p.stage, p.resolved_at) == ("execution", None)
    p, _ = move(REQUEST, p, "advance", at(40))
    assert (p.stage, p.resolved_at, p.first_resolved_at) == ("feedback", at(40), at(40))
    p, _ = move(REQUEST, p, "advance", at(50))
    # feedback -> evaluation is no new resolution
    assert (p.stage, p.resolved_at, p.first_resolved_at) == ("evaluation", at(40), at(40))
    p, _ = move(REQUEST, p, "advance", at(60))
    assert (p.stage, p.closed_at, p.resolved_at) == ("closed", at(60), at(40))


@pytest.mark.parametrize(("verb", "to"), [("reopen", None), ("advance", "execution")])
def test_request_rework_counts_as_a_reopen(verb: str, to: str | None) -> None:
    p = walk(REQUEST, ("advance", 10), ("advance", 20), ("advance", 30), ("advance", 40))
    assert p.stage == "feedback"
    p, t = move(REQUEST, p, verb, at(45), to=to)
    assert t.reopens
    assert (p.stage, p.reopen_count, p.resolved_at, p.first_resolved_at) == (
        "execution",
        1,
        None,
        at(40),
    )
    p, _ = move(REQUEST, p, "advance", at(55))
    assert (p.stage, p.resolved_at, p.first_resolved_at, p.reopen_count) == (
        "feedback",
        at(55),
        at(40),
        1,
    )


def test_request_rework_from_evaluation() -> None:
    p = walk(
        REQUEST, ("advance", 1), ("advance", 2), ("advance", 3), ("advance", 4), ("advance", 5)
    )
    assert p.stage == "evaluation"
    p, _ = move(REQUEST, p, "reopen", at(6))
    assert (p.stage, p.reopen_count) == ("execution", 1)


def test_request_close_from_feedback() -> None:
    p = walk(REQUEST, ("advance", 1), ("advance", 2), ("advance", 3), ("advance", 4))
    p, _ = move(REQUEST, p, "close", at(9))
    assert (p.stage, p.closed_at, p.resolved_at) == ("closed", at(9), at(4))


def test_request_cancel_needs_a_reason_and_ends_a_hold() -> None:
    p = walk(REQUEST, ("advance", 10), ("hold", 20, {"reason": "awaiting_change"}))
    with pytest.raises(InvalidInput, match=r"^moving a request to cancelled needs --reason$"):
        move(REQUEST, p, "cancel", at(30))
    p, _ = move(REQUEST, p, "cancel", at(30), given={"reason": "withdrawn"})
    assert (p.stage, p.closed_at, p.paused_s, p.held_from) == ("cancelled", at(30), 600, None)


def test_request_hold_reason_must_be_known() -> None:
    p = walk(REQUEST, ("advance", 10))
    with pytest.raises(InvalidInput, match="unknown hold reason 'holiday'"):
        move(REQUEST, p, "hold", at(20), given={"reason": "holiday"})


def test_request_cannot_hold_once_delivered() -> None:
    p = walk(REQUEST, ("advance", 1), ("advance", 2), ("advance", 3), ("advance", 4))
    with pytest.raises(TransitionNotAllowed, match="cannot hold a request in stage feedback"):
        move(REQUEST, p, "hold", at(5), given={"reason": "awaiting_customer"})
