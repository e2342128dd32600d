"""The lifecycle definitions: every record kind svcops knows, as data (PRODUCT.md section 2)."""

from __future__ import annotations

from svcops.domain.errors import InvalidInput
from svcops.domain.lifecycle import RETURN_TO_HELD, Lifecycle, Stage, State, Transition

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
    hold_reasons=("awaiting_customer", "awaiting_vendor", "awaiting_change", "awaiting_problem"),
    fields=("hold_reason", "problem"),
    customer_facing=True,
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
    hold_reasons=("awaiting_customer", "awaiting_vendor", "awaiting_change"),
    fields=("hold_reason", "model", "due_at"),
    customer_facing=True,
)

LIFECYCLES: dict[str, Lifecycle] = {lc.kind: lc for lc in (INCIDENT, PROBLEM, REQUEST)}
BY_PREFIX: dict[str, Lifecycle] = {lc.prefix: lc for lc in LIFECYCLES.values()}

# the event actions that change a record's stage: opening, every lifecycle verb, and a move an
# imported history observed that the lifecycle would not allow
STAGE_EVENT_ACTIONS = (
    "open",
    "observed",
    *sorted({verb for life in LIFECYCLES.values() for verb in life.verbs}),
)

CHANNELS = ("phone", "email", "chat", "portal", "in_person", "monitoring")
DIRECTIONS = ("inbound", "outbound")
DELIVERY_MODELS = ("customer_service", "support", "product_delivery")


def lifecycle(kind: str) -> Lifecycle:
    try:
        return LIFECYCLES[kind]
    except KeyError:
        raise InvalidInput(
            f"unknown record kind {kind!r}", hint="kinds: " + ", ".join(LIFECYCLES)
        ) from None


def choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    """`value` if it is one of `allowed`, else an InvalidInput naming the choices."""
    cleaned = value.strip().lower()
    if cleaned not in allowed:
        raise InvalidInput(f"unknown {what} {value!r}", hint=f"{what}s: " + ", ".join(allowed))
    return cleaned
