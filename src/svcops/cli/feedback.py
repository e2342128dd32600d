"""`svcops feedback`: survey responses about incidents and requests.

The quality-dimension options (--courtesy, --competence, --reliability by default) come from
the configured dimension list, so a team that measures other dimensions gets options for them.
"""

import inspect
import types
from copy import copy
from typing import Annotated, Any

import typer

from svcops.cli import render, shapes
from svcops.cli.options import At, Format, Quiet

app = typer.Typer(no_args_is_help=True)


def _configured_dimensions() -> tuple[str, ...]:
    from svcops.config import get_settings

    return get_settings().dimensions


def add_(
    for_key: Annotated[
        str, typer.Option("--for", help="The incident or request it is about.", metavar="KEY")
    ],
    csat: Annotated[
        str | None, typer.Option(help="How satisfied, 1-5 (5 = very satisfied).", metavar="N")
    ] = None,
    ces: Annotated[
        str | None,
        typer.Option(
            help="Customer effort, 1-7 (1 = very low effort; lower is better).", metavar="N"
        ),
    ] = None,
    comment: Annotated[str | None, typer.Option(help="What the customer wrote.")] = None,
    at: At = None,
    fmt: Format = None,
    quiet: Quiet = False,
    **scores: Any,
) -> None:
    """Record a survey response: csat, ces and the quality dimensions."""
    from svcops.services.feedback import add_feedback

    given = {name: scores.get(_parameter(name)) for name in _configured_dimensions()}
    view, dimensions = add_feedback(
        for_key, csat=csat, ces=ces, scores=given, comment=comment, at=at
    )
    render.show(shapes.Item(view.as_dict(dimensions)), fmt, quiet)


def _with_dimension_options(func: Any, dimensions: tuple[str, ...]) -> Any:
    """Replace `**scores` with one `--<dimension> N` option per configured dimension."""
    signature = inspect.signature(func, eval_str=True)
    fixed = [p for p in signature.parameters.values() if p.kind is not p.VAR_KEYWORD]
    extra = [
        inspect.Parameter(
            _parameter(name),
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                str | None,
                typer.Option(
                    f"--{name}", help=f"{name.capitalize()}, 1-5 (5 = excellent).", metavar="N"
                ),
            ],
        )
        for name in dimensions
    ]
    func.__signature__ = signature.replace(parameters=[*fixed, *extra])
    return func


def _parameter(dimension: str) -> str:
    """The Python parameter behind `--<dimension>`: never a keyword (`--class`) nor the name
    of one of the fixed parameters."""
    return "dimension_" + dimension.replace("-", "_")


def build() -> typer.Typer:
    """The feedback group, with one option per quality dimension configured now."""
    group = copy(app)
    group.registered_commands = list(app.registered_commands)
    group.command("add")(_with_dimension_options(_copy_function(add_), _configured_dimensions()))
    return group


def _copy_function(func: Any) -> Any:
    """A fresh function object, so each build can give it its own signature."""
    clone = types.FunctionType(
        func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__
    )
    clone.__kwdefaults__ = func.__kwdefaults__
    clone.__annotations__ = dict(func.__annotations__)
    clone.__doc__ = func.__doc__
    return clone


@app.command("list")
def list_(
    for_key: Annotated[
        str | None, typer.Option("--for", help="Only responses about this record.", metavar="KEY")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="Received at or after WHEN.", metavar="WHEN")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Received before WHEN.", metavar="WHEN")] = None,
    limit: Annotated[str, typer.Option(help="At most this many; 0 for all.")] = "50",
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """List responses, newest first."""
    from svcops.services.feedback import list_feedback

    page = list_feedback(for_key=for_key, since=since, until=until, limit=limit)
    render.show(render.feedback_rows(page.responses, page.dimensions), fmt, quiet)


@app.command("show")
def show_(
    key: Annotated[str, typer.Argument(help="The response's key, e.g. FB-7.")],
    fmt: Format = None,
    quiet: Quiet = False,
) -> None:
    """Show one response."""
    from svcops.services.feedback import show_feedback

    view, dimensions = show_feedback(key)
    render.show(shapes.Item(view.as_dict(dimensions)), fmt, quiet)
