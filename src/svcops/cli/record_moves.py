"""The lifecycle moves of a record kind as commands (advance, hold, resolve ...), and link and
unlink for kinds that point at another kind's records."""

from collections.abc import Callable
from typing import Annotated, Any

import typer

from svcops.cli import render
from svcops.cli.options import At, Format, Note, Quiet
from svcops.cli.signatures import keep_only
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


def move_command(life: Lifecycle, verb: str, Key: Any, reasons: str) -> Callable[..., Any]:
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
        from svcops.services.moves import move_record

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
    return keep_only(move, names)


def add_link_commands(app: typer.Typer, life: Lifecycle, Key: Any) -> None:
    """`link KEY --problem PRB-N` and `unlink KEY` for kinds that point at another kind's
    records (`links_to`)."""
    from svcops.domain.kinds import lifecycle

    target = lifecycle(life.links_to)

    def link(
        key: Key,
        target_key: Annotated[
            str,
            typer.Option(
                f"--{target.kind}", help=f"The {target.noun}'s key.", metavar=f"{target.prefix}-N"
            ),
        ],
        at: At = None,
        note: Note = None,
        fmt: Format = None,
        quiet: Quiet = False,
    ) -> None:
        from svcops.services.moves import link_record

        view = link_record(life.kind, key, target_key, at=at, note=note)
        render.show(render.record(view), fmt, quiet)

    def unlink(
        key: Key, at: At = None, note: Note = None, fmt: Format = None, quiet: Quiet = False
    ) -> None:
        from svcops.services.moves import link_record

        render.show(render.record(link_record(life.kind, key, None, at=at, note=note)), fmt, quiet)

    app.command("link", help=f"Link {life.a_noun} to the {target.noun} behind it.")(link)
    app.command("unlink", help=f"Remove {life.a_noun}'s link to its {target.noun}.")(unlink)
