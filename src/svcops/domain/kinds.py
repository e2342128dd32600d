"""The lifecycle definitions: every record kind svcops knows, as data (PRODUCT.md section 2)."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput
from svcops.domain.fields import field_named
from svcops.domain.lifecycle import RETURN_TO_HELD, Lifecycle, Stage, State, Transition
from svcops.domain.vocabulary import CHANNELS as CHANNELS  # re-exported until callers move
from svcops.domain.vocabulary import DELIVERY_MODELS as DELIVERY_MODELS
from svcops.domain.vocabulary import DIRECTIONS as DIRECTIONS
from svcops.domain.vocabulary import HOLD_REASONS

T = Transition

INCIDENT = Lifecycle(
    kind="incident",
    noun="incident",
    plural="incidents",
    prefix="INC",
    stages=(
        Stage("new", State.OPEN, "logged, nobody has looked at it yet"),
        Stage("acknowledged", State.OPEN, "an agent has taken it"),
        Stage("in_progress", State.OPEN, "work to restore the service is under way"),
        Stage("on_hold", State.PAUSED, "waiting on someone else; the resolution clock stops"),
        Stage("resolved", State.RESOLVED, "service restored; the customer may still reopen it"),
        Stage("closed", State.FINAL, "confirmed and finished"),
        Stage("cancelled", State.FINAL, "not an incident after all (duplicate, mistake)"),
    ),
    main_path=("new", "acknowledged", "in_progress", "resolved", "closed"),
    transitions=(
        T("advance", ("new",), "acknowledged"),
        T("advance", ("acknowledged",), "in_progress"),
        T("advance", ("in_progress",), "resolved"),
        T("advance", ("resolved",), "closed"),
        T("resolve", ("new", "acknowledged", "in_progress"), "resolved"),
        T("hold", ("acknowledged", "in_progress"), "on_hold", requires=("reason",)),
        T("resume", ("on_hold",), "in_progress"),
        T("close", ("resolved",), "closed"),
        T("reopen", ("resolved",), "in_progress", reopens=True),
        T(
            "cancel",
            ("new", "acknowledged", "in_progress", "on_hold"),
            "cancelled",
            requires=("reason",),
        ),
    ),
    hold_reasons=HOLD_REASONS,
    fields=("hold_reason", "problem"),
    customer_facing=True,
    links_to="problem",
)

PROBLEM = Lifecycle(
    kind="problem",
    noun="problem",
    plural="problems",
    prefix="PRB",
    stages=(
        Stage("new", State.OPEN, "recorded, not yet analysed"),
        Stage("investigating", State.OPEN, "root-cause analysis under way"),
        Stage("known_error", State.OPEN, "root cause and workaround known; listed in the register"),
        Stage("resolved", State.RESOLVED, "the cause is removed"),
        Stage("closed", State.FINAL, "confirmed and finished"),
        Stage("cancelled", State.FINAL, "not a problem after all"),
    ),
    main_path=("new", "investigating", "known_error", "resolved", "closed"),
    transitions=(
        T("advance", ("new",), "investigating"),
        T(
            "advance",
            ("investigating",),
            "known_error",
            requires=("root_cause", "workaround"),
        ),
        T("advance", ("known_error",), "resolved"),
        T("advance", ("resolved",), "closed"),
        T("resolve", ("new", "investigating", "known_error"), "resolved"),
        T("close", ("resolved",), "closed"),
        T("reopen", ("resolved",), "investigating", reopens=True),
        T("cancel", ("new", "investigating", "known_error"), "cancelled", requires=("reason",)),
    ),
    fields=("root_cause", "workaround", "incidents"),
    linked_from="incident",
    known_error_stage="known_error",
)

_REQUEST_WORK = ("inquiry", "assessment", "design", "execution")

REQUEST = Lifecycle(
    kind="request",
    noun="request",
    plural="requests",
    prefix="REQ",
    stages=(
        Stage("inquiry", State.OPEN, "the customer's inquiry is received"),
        Stage("assessment", State.OPEN, "assessing the customer's needs"),
        Stage("design", State.OPEN, "designing and planning the service"),
        Stage("execution", State.OPEN, "executing and delivering the service"),
        Stage("on_hold", State.PAUSED, "waiting on someone else; the resolution clock stops"),
        Stage("feedback", State.RESOLVED, "delivered; collecting the customer's feedback"),
        Stage("evaluation", State.RESOLVED, "evaluating the delivery and the feedback"),
        Stage("closed", State.FINAL, "finished"),
        Stage("cancelled", State.FINAL, "withdrawn or refused"),
    ),
    main_path=(*_REQUEST_WORK, "feedback", "evaluation", "closed"),
    transitions=(
        T("advance", ("inquiry",), "assessment"),
        T("advance", ("assessment",), "design"),
        T("advance", ("design",), "execution"),
        T("advance", ("execution",), "feedback"),
        T("advance", ("feedback",), "evaluation"),
        T("advance", ("evaluation",), "closed"),
        T("hold", _REQUEST_WORK, "on_hold", requires=("reason",)),
        T("resume", ("on_hold",), RETURN_TO_HELD),
        T("reopen", ("feedback", "evaluation"), "execution", reopens=True),
        T("close", ("feedback", "evaluation"), "closed"),
        T("cancel", (*_REQUEST_WORK, "on_hold"), "cancelled", requires=("reason",)),
    ),
    hold_reasons=tuple(r for r in HOLD_REASONS if r != "awaiting_problem"),
    fields=("hold_reason", "model", "due_at"),
    customer_facing=True,
)

LIFECYCLES: dict[str, Lifecycle] = {}
BY_PREFIX: dict[str, Lifecycle] = {}
# the event actions that change a record's stage: opening, every lifecycle verb, and a move an
# imported history observed that the lifecycle would not allow (kept up by `register`)
STAGE_EVENT_ACTIONS: list[str] = []


def register(life: Lifecycle) -> Lifecycle:
    """Make `life` a kind svcops knows: its commands, imports, exports and reports follow."""
    if life.kind in LIFECYCLES or life.prefix in BY_PREFIX:
        raise ValueError(f"kind {life.kind!r} or prefix {life.prefix!r} is taken")
    for name in life.fields:
        field_named(name)  # every field a kind names is in the catalogue (KeyError otherwise)
    # links pair up: a kind pointing at another is the one that other says points at it
    for other in LIFECYCLES.values():
        if (other.kind == life.links_to) != (other.linked_from == life.kind) or (
            other.kind == life.linked_from
        ) != (other.links_to == life.kind):
            raise ValueError(f"{life.kind} and {other.kind} do not agree on their links")
    LIFECYCLES[life.kind] = life
    BY_PREFIX[life.prefix] = life
    verbs = {verb for known in LIFECYCLES.values() for verb in known.verbs}
    STAGE_EVENT_ACTIONS[:] = ["open", "observed", *sorted(verbs)]
    return life


def unregister(kind: str) -> None:
    """Forget a kind (tests define throwaway kinds)."""
    life = LIFECYCLES.pop(kind)
    del BY_PREFIX[life.prefix]
    verbs = {verb for known in LIFECYCLES.values() for verb in known.verbs}
    STAGE_EVENT_ACTIONS[:] = ["open", "observed", *sorted(verbs)]


for _builtin in (INCIDENT, PROBLEM, REQUEST):
    register(_builtin)


def lifecycle(kind: str) -> Lifecycle:
    try:
        return LIFECYCLES[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown record kind {kind!r}", hint="kinds: " + ", ".join(LIFECYCLES)
        ) from None


def customer_kinds() -> tuple[Lifecycle, ...]:
    """The kinds served to customers (surveys, SLAs)."""
    return tuple(life for life in LIFECYCLES.values() if life.customer_facing)
