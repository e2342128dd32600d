"""Command signatures made from definitions: only the options a kind's fields and moves
call for are shown to Typer."""

import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from svcops.domain.lifecycle import Lifecycle


def keep_only(func: Callable[..., Any], names: set[str]) -> Callable[..., Any]:
    """Show Typer only the parameters in `names` (the rest keep their defaults)."""
    signature = inspect.signature(func, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name in names]
    func.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return func


def with_own_options(func: Callable[..., Any], life: Lifecycle, before: str) -> Callable[..., Any]:
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
