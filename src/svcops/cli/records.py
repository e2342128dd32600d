"""The commands of every record kind (incident, problem, request), made from its lifecycle.

One factory serves every kind: the verbs a kind has, and the options each verb needs, come from
its lifecycle definition, so a new kind of record gets its commands without new code here.
"""

import inspect
from typing import Annotated

import typer

from svcops.cli import render
from svcops.cli.options import At, Format, Note, Quiet, Since, Until
from svcops.cli.record_moves import MOVE_HELP, add_link_commands, move_command
from svcops.cli.signatures import keep_only, with_own_options
from svcops.domain.lifecycle import Lifecycle


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
        from svcops.services.opening import open_record

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

    app.command("open", help=f"Open {life.a_noun}.")(with_own_options(open_, life, before="at"))

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
        at_risk: Annotated[
            str | None,
            typer.Option(
                "--at-risk",
                help="Only open ones whose running SLA clock falls due within this long "
                "(30m, 1h, 2d), soonest first.",
                metavar="DURATION",
            ),
        ] = None,
        check: Annotated[
            bool,
            typer.Option(
                "--check",
                help="With --at-risk or --breached: exit 6 when any record is listed (for cron).",
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
        from svcops.domain.errors import InvalidInput, TargetMissed
        from svcops.services.records import list_records

        if check and not (breached or at_risk):
            raise InvalidInput("--check needs --at-risk or --breached")
        if breached and at_risk:
            raise InvalidInput("give --at-risk or --breached, not both")

        page = list_records(
            life.kind,
            stages=stage,
            priorities=priority,
            assignee=assignee,
            team=team,
            open_only=open_only,
            known_errors=known_errors,
            breached=breached,
            at_risk=at_risk,
            since=since,
            until=until,
            limit=limit,
        )
        columns: tuple[str, ...] = render.LIST_COLUMNS
        if known_errors:
            columns = render.KNOWN_ERROR_COLUMNS
        elif at_risk:
            columns = render.AT_RISK_COLUMNS
        elif breached:
            columns = render.BREACHED_COLUMNS
        render.show(render.records(page.records, columns, life=life), fmt, quiet)
        if len(page.records) < page.total and is_terminal(stdout()):
            message(f"showing {len(page.records)} of {page.total}; --limit 0 shows all")
        if check and page.total:
            state = f"at risk within {at_risk}" if at_risk else "breached"
            noun = life.noun if page.total == 1 else life.plural
            raise TargetMissed(f"{page.total} open {noun} {state}")

    list_names = set(inspect.signature(list_).parameters)
    if not life.known_error_stage:
        list_names.discard("known_errors")
    if not life.customer_facing:  # SLAs are promises to customers
        list_names -= {"breached", "at_risk", "check"}
    app.command("list", help=f"List {life.plural}, newest first.")(keep_only(list_, list_names))

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
        from svcops.services.moves import assign_record

        view = assign_record(life.kind, key, to, team=team, at=at, note=note)
        render.show(render.record(view), fmt, quiet)

    app.command("assign", help=f"Assign {life.a_noun} to an agent.")(assign_)

    for verb in ("advance", *[v for v in life.verbs if v != "advance"]):
        app.command(verb, help=MOVE_HELP.get(verb, verb))(move_command(life, verb, Key, reasons))

    if life.links_to:
        add_link_commands(app, life, Key)

    def stages_(fmt: Format = None) -> None:
        render.show(render.lifecycle(life), fmt, False)

    app.command("stages", help=f"Print the {life.noun} lifecycle: stages, moves, main path.")(
        stages_
    )
    return app
