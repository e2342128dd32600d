"""`svcops report`: the metrics of service delivery for a period."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from svcops.cli import render, shapes
from svcops.cli.options import Format

if TYPE_CHECKING:
    from svcops.services.reports import GroupReport, MetricsReport

app = typer.Typer(no_args_is_help=True)


Since = Annotated[
    str | None,
    typer.Option(help="Start of the period, included (default: 7 days ago).", metavar="WHEN"),
]
Until = Annotated[
    str | None, typer.Option(help="End of the period, excluded (default: now).", metavar="WHEN")
]
By = Annotated[
    list[str] | None,
    typer.Option(
        help="Group by team, assignee, service, category, channel, priority, kind, model, "
        "customer, day, week or month (repeat or comma-separate).",
    ),
]
Check = Annotated[
    bool, typer.Option("--check", help="Exit 6 naming every missed target (for cron).")
]


@app.command("metrics")
def metrics_(
    since: Since = None,
    until: Until = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(help="incident or request (default: both); or problem, for problem figures."),
    ] = None,
    by: By = None,
    check: Check = False,
    fmt: Format = None,
) -> None:
    """CSAT, response and resolution times, FCR, CES, SQS, SLA and more for a period."""
    from svcops.services.reports import metrics_report

    _show(metrics_report(since=since, until=until, kinds=kind, by=by), fmt, check)


@app.command("sla")
def sla_(
    since: Since = None,
    until: Until = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="incident or request (default: both).")
    ] = None,
    by: By = None,
    at_risk: Annotated[
        str,
        typer.Option(
            "--at-risk",
            help="Count open records whose clock falls due within this long of the period's "
            "end as at risk.",
            metavar="DURATION",
        ),
    ] = "1h",
    check: Check = False,
    fmt: Format = None,
) -> None:
    """SLA clocks on business time: met and breached, breached and at-risk open records, time
    on hold and suspect pauses, per group."""
    from svcops.services.reports import sla_report

    report = sla_report(since=since, until=until, kinds=kind, by=by, at_risk=at_risk)
    _show(report, fmt, check)


def _show(report: "MetricsReport", fmt: str | None, check: bool) -> None:
    from svcops.services.reports import check_targets

    render.show(document(report), fmt, False)
    if check:
        check_targets(report)


def flatten(figures: dict[str, Any]) -> dict[str, Any]:
    """`first_response_s: {median: ...}` becomes `first_response_s.median: ...`."""
    flat: dict[str, Any] = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{stat}": figure for stat, figure in value.items()})
        else:
            flat[key] = value
    return flat


def document(report: "MetricsReport") -> shapes.Document:
    data = {
        "period": {"since": report.since, "until": report.until},
        "kinds": list(report.kinds),
        "groups": [
            {
                "group": g.group,
                "metrics": g.metrics,
                "previous": g.previous,
                "targets": [t.as_dict() for t in g.targets],
            }
            for g in report.groups
        ],
    }
    flat_rows = [{**g.group, **flatten(g.metrics)} for g in report.groups]
    columns = list(report.by) + (list(flatten(report.groups[0].metrics)) if report.groups else [])
    sections = [_group_section(report, g) for g in report.groups]
    return shapes.Document(data, shapes.Rows(columns, flat_rows), sections)


def _group_section(report: "MetricsReport", group: "GroupReport") -> shapes.Rows:
    from svcops.domain.timeparse import format_instant

    targets = {t.target.metric: t for t in group.targets}
    current, previous = flatten(group.metrics), flatten(group.previous)
    rows = []
    for key, value in current.items():
        base, _, stat = key.partition(".")
        metric = report.catalogue[base]
        judged = targets.get(key)
        rows.append(
            {
                "metric": metric.label + (f" ({stat})" if stat else ""),
                "key": key,
                "value": _human(metric.unit, value),
                "target": f"{judged.target.op} {_human(metric.unit, judged.target.value)}"
                if judged
                else None,
                "met": None if judged is None or judged.met is None else judged.met,
                "previous": _human(metric.unit, previous.get(key)),
                "change": _change(metric.unit, value, previous.get(key)),
            }
        )
    where = ", ".join(f"{k} {v if v is not None else '(none)'}" for k, v in group.group.items())
    period = f"{format_instant(report.since)} to {format_instant(report.until)}"
    return shapes.Rows(
        ("metric", "value", "target", "met", "previous", "change"),
        rows,
        title=f"{where}: {period}" if where else period,
    )


def _human(unit: str, value: Any) -> str | None:
    from svcops.domain.timeparse import format_duration

    if value is None:
        return None
    if unit in ("seconds", "duration"):
        return format_duration(value)
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "score":
        return f"{value:.2f}"
    return str(value)


def _change(unit: str, value: Any, before: Any) -> str | None:
    from svcops.domain.timeparse import format_duration

    if value is None or before is None:
        return None
    delta = value - before
    sign = "+" if delta > 0 else ""
    if unit in ("seconds", "duration"):
        return ("+" if delta > 0 else "") + format_duration(delta)
    if unit == "percent":
        return f"{sign}{delta:.1f} pts"
    if unit == "score":
        return f"{sign}{delta:.2f}"
    return f"{sign}{delta}"
