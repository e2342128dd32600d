"""The commands of every record kind (incident, problem, request), made from its lifecycle.

One factory serves every kind: the verbs a kind has, and the options each verb needs, come from
its lifecycle definition, so a new kind of record gets its commands without new code here.
"""

import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from svcops.cli import render
from svcops.cli.options import At, Format, Note, Quiet, Since, Until
from svcops.domain.lifecycle import Lifecycle, State

MOVE_HELP = {
    "advance": "Move one step along the main path, or --to any allowed stage.",
    "hold": "Put on hold (the resolution clock stops) with a --reason.",
    "resume": "Take off hold.",
    "resolve": "Mark resolved (allowed from the first stage: solved on the first call).",
    "close": "Close a resolved record.",
    "reopen": "Reopen a resolved record (counted as a reopen).",
    "cancel": "Cancel with a --reason (duplicate, not needed ...).",
}
# options a transition may require, by the field name lifecycles use in `requires`
REQUIRED_OPTIONS = {"reason", "root_cause", "workaround"}


def _keep(func: Callable[..., Any], names: set[str]) -> Callable[..., Any]:
    """Show Typer only the parameters in `names` (the rest keep their defaults)."""
    signature = inspect.signature(func, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name in names]
    func.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return func


def _with_own_options(func: Callable[..., Any], life: Lifecycle, before: str) -> Callable[..., Any]:
    """`func` with an option for each of the kind's own fields that `open` sets (from the field
    catalogue), placed before the parameter `before`; their values reach it as `**own`."""
    from svcops.domain.fields import Type, open_options

    signature = inspect.signature(func, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    at = [p.name for p in fixed].index(before)
    own = [
        inspect.Parameter(
            f.param,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    f.option_name, help=f.option, metavar="WHEN" if f.type is Type.TIME else None
                ),
            ],
        )
        for f in open_options(life.fields)
    ]
    parameters = [*fixed[:at], *own, *fixed[at:]]
    func.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if i else p
            for i, p in enumerate(parameters)
        ]
    )
    return func


def kind_app(life: Lifecycle, help_text: str) -> typer.Typer:
    """The `svcops <kind>` command group."""
    app = typer.Typer(help=help_text, no_args_is_help=True)
    Key = Annotated[
        str, typer.Argument(help=f"The {life.noun}'s key, e.g. {life.prefix}-12.", metavar="KEY")
    ]
    reasons = ", ".join(life.hold_reasons)

    def open_(
        title: Annotated[
            str, typer.Argument(help=f"What the {life.noun} is about.", metavar="TITLE")
        ],
        impact: Annotated[
            str | None,
            typer.Option(
                help="1 organisation-wide, 2 a department or site, 3 one person (default 3)."
            ),
        ] = None,
        urgency: Annotated[
            str | None,
            typer.Option(help="1 work stopped, 2 work degraded, 3 can wait (default 3)."),
        ] = None,
        priority: Annotated[
            str | None, typer.Option(help="P1-P4; overrides the matrix (the override is recorded).")
        ] = None,
        service: Annotated[str | None, typer.Option(help="The affected service.")] = None,
        category: Annotated[str | None, typer.Option(help="A category for grouping.")] = None,
        channel: Annotated[
            str | None,
            typer.Option(
                help="phone, email, chat, portal, in_person or monitoring (default phone)."
            ),
        ] = None,
        customer: Annotated[str | None, typer.Option(help="The customer's key (CUS-N).")] = None,
        assignee: Annotated[str | None, typer.Option(help="The agent working on it.")] = None,
        team: Annotated[str | None, typer.Option(help="The team responsible.")] = None,
        at: At = None,
        note: Note = None,
        fmt: Format = None,
        quiet: Quiet = False,
        **own: str | None,
    ) -> None:
        from svcops.services.records import open_record

        view = open_record(
            life.kind,
            title,
            impact=impact,
            urgency=urgency,
            priority=priority,
            service=service,
            category=category,
            channel=channel,
            customer=customer,
            assignee=assignee,
            team=team,
            at=at,
            note=note,
            **own,
        )
        render.show(render.record(view), fmt, quiet)
        render.known_error_notes(view)

    app.command("open", help=f"Open {life.a_noun}.")(_with_own_options(open_, life, before="at"))

    def list_(
        stage: Annotated[
            list[str] | None, typer.Option(help="Only these stages (repeat or comma-separate).")
        ] = None,
        priority: Annotated[list[str] | None, typer.Option(help="Only these priorities.")] = None,
        assignee: Annotated[str | None, typer.Option(help="Only this agent's.")] = None,
        team: Annotated[str | None, typer.Option(help="Only this team's.")] = None,
        open_only: Annotated[
            bool, typer.Option("--open", help="Only open ones (not resolved, closed or cancelled).")
        ] = False,
        known_errors: Annotated[
            bool,
            typer.Option(
                "--known-errors", help="The known-error register: root causes and workarounds."
            ),
        ] = False,
        breached: Annotated[
            bool,
            typer.Option(
                "--breached", help="Only open ones whose response or resolution SLA has breached."
            ),
        ] = False,
        since: Since = None,
        until: Until = None,
        limit: Annotated[str, typer.Option(help="At most this many; 0 for all.")] = "50",
        fmt: Format = None,
        quiet: Quiet = False,
    ) -> None:
        from svcops.cli.capture import is_terminal, stdout
        from svcops.cli.messages import message
        from svcops.services.records import list_records

        page = list_records(
            life.kind,
            stages=stage,
            priorities=priority,
            assignee=assignee,
            team=team,
            open_only=open_only,
            known_errors=known_errors,
            breached=breached,
            since=since,
            until=until,
            limit=limit,
        )
        columns = render.KNOWN_ERROR_COLUMNS if known_errors else render.LIST_COLUMNS
        render.show(render.records(page.records, columns, life=life), fmt, quiet)
        if len(page.records) < page.total and is_terminal(stdout()):
            message(f"showing {len(page.records)} of {page.total}; --limit 0 shows all")

    list_names = set(inspect.signature(list_).parameters)
    if not life.known_error_stage:
        list_names.discard("known_errors")
    if not life.customer_facing:  # SLAs are promises to customers
        list_names.discard("breached")
    app.command("list", help=f"List {life.plural}, newest first.")(_keep(list_, list_names))

    def show_(key: Key, fmt: Format = None, quiet: Quiet = False) -> None:
        from svcops.services.records import show_record

        detail = show_record(life.kind, key)
        render.show(render.record_detail(detail), fmt, quiet)

    app.command("show", help=f"Show {life.a_noun} with its contacts and timeline.")(show_)

    def history_(key: Key, fmt: Format = None) -> None:
        from svcops.services.records import record_history

        _key, events = record_history(life.kind, key)
        render.show(render.events(events, f"History of {_key}"), fmt, False)

    app.command("history", help=f"Print the audit trail of {life.a_noun}.")(history_)

    def assign_(
        key: Key,
        to: Annotated[str, typer.Option("--to", help="The agent.", metavar="AGENT")],
        team: Annotated[str | None, typer.Option(help="Also move it to this team.")] = None,
        at: At = None,
        note: Note = None,
        fmt: Format = None,
        quiet: Quiet = False,
    ) -> None:
        from svcops.services.records import assign_record

        view = assign_record(life.kind, key, to, team=team, at=at, note=note)
        render.show(render.record(view), fmt, quiet)

    app.command("assign", help=f"Assign {life.a_noun} to an agent.")(assign_)

    for verb in ("advance", *[v for v in life.verbs if v != "advance"]):
        app.command(verb, help=MOVE_HELP.get(verb, verb))(_move_command(life, verb, Key, reasons))

    if life.links_to:
        _add_link_commands(app, life, Key)

    def stages_(fmt: Format = None) -> None:
        render.show(render.lifecycle(life), fmt, False)

    app.command("stages", help=f"Print the {life.noun} lifecycle: stages, moves, main path.")(
        stages_
    )
    return app


def _move_command(life: Lifecycle, verb: str, Key: Any, reasons: str) -> Callable[..., Any]:
    """One lifecycle verb as a command; its options are what its transitions require."""
    holds = any(
        t.target in life.stages_in(State.PAUSED) for t in life.transitions if t.verb == verb
    )
    reason_help = f"Why: one of {reasons}." if holds else "Why (free text)."
    if verb == "advance" and reasons:
        reason_help = f"Why, for moves that need one (holds: one of {reasons})."

    def move(
        key: Key,
        to: Annotated[
            str | None, typer.Option("--to", help="The stage to move to.", metavar="STAGE")
        ] = None,
        reason: Annotated[str | None, typer.Option(help=reason_help)] = None,
        root_cause: Annotated[str | None, typer.Option(help="The root cause found.")] = None,
        workaround: Annotated[str | None, typer.Option(help="How to work around it.")] = None,
        resolve_incidents: Annotated[
            bool,
            typer.Option(
                "--resolve-incidents",
                help="Also resolve every open incident linked to it, in the same transaction.",
            ),
        ] = False,
        at: At = None,
        note: Note = None,
        fmt: Format = None,
        quiet: Quiet = False,
    ) -> None:
        from svcops.services.records import move_record

        view = move_record(
            life.kind,
            key,
            verb,
            to=to,
            reason=reason,
            root_cause=root_cause,
            workaround=workaround,
            resolve_incidents=resolve_incidents,
            at=at,
            note=note,
        )
        render.show(render.record(view), fmt, quiet)

    transitions = [t for t in life.transitions if verb == "advance" or t.verb == verb]
    needed = {name for t in transitions for name in t.requires} & REQUIRED_OPTIONS
    names = {"key", "at", "note", "fmt", "quiet", *needed}
    if verb == "advance":
        names.add("to")
    resolves = any(t.target in life.stages_in(State.RESOLVED) for t in transitions)
    if life.linked_from and resolves:
        names.add("resolve_incidents")
    move.__name__ = verb
    return _keep(move, names)


def _add_link_commands(app: typer.Typer, life: Lifecycle, Key: Any) -> None:
    """`link KEY --problem PRB-N` and `unlink KEY` for kinds that point at a problem."""

    def link(
        key: Key,
        problem: Annotated[
            str, typer.Option("--problem", help="The problem's key.", metavar="PRB-N")
        ],
        at: At = None,
        note: Note = None,
        fmt: Format = None,
        quiet: Quiet = False,
    ) -> None:
        from svcops.services.records import link_incident

        render.show(render.record(link_incident(key, problem, at=at, note=note)), fmt, quiet)

    def unlink(
        key: Key, at: At = None, note: Note = None, fmt: Format = None, quiet: Quiet = False
    ) -> None:
        from svcops.services.records import link_incident

        render.show(render.record(link_incident(key, None, at=at, note=note)), fmt, quiet)

    app.command("link", help=f"Link {life.a_noun} to the problem behind it.")(link)
    app.command("unlink", help=f"Remove {life.a_noun}'s link to its problem.")(unlink)
