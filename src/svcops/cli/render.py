"""From service results to output shapes: the record, list, history and lifecycle views."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from svcops.cli import messages, output, shapes

if TYPE_CHECKING:
    from svcops.domain.lifecycle import Lifecycle
    from svcops.services.feedback import FeedbackView
    from svcops.services.views import ContactView, EventView, RecordDetail, RecordView

LIST_COLUMNS = ("key", "stage", "priority", "title", "assignee", "team", "opened_at")
# `list --at-risk` and `--breached` at a terminal: the clocks that matter, in 80 columns
AT_RISK_COLUMNS = ("key", "priority", "response_due_at", "resolution_due_at", "title")
BREACHED_COLUMNS = ("key", "priority", "sla_response", "sla_resolution", "title")
KNOWN_ERROR_COLUMNS = ("key", "title", "service", "category", "root_cause", "workaround")
EVENT_COLUMNS = ("at", "actor", "action", "from", "to", "note")
CONTACT_FIELDS = ("record", "channel", "direction", "at", "agent", "note")
CONTACT_COLUMNS = ("at", "channel", "direction", "agent", "note")


def output_settings(fmt: str | None) -> tuple[str, tzinfo | None]:
    """The format to print in and the zone for times shown to people; raises on bad values."""
    from svcops.config import get_settings
    from svcops.domain.timeparse import load_zone

    settings = get_settings()
    chosen = output.choose_format(fmt, settings.format)
    named = load_zone(settings.time_zone) if settings.time_zone else None
    if chosen in ("table", "md"):
        return chosen, named or load_zone(None)
    return chosen, None


def check_output(fmt: str | None) -> None:
    """Refuse a bad format or a bad named time zone (cheaply: no local-zone lookup)."""
    from svcops.config import get_settings
    from svcops.domain.timeparse import load_zone

    settings = get_settings()
    output.choose_format(fmt, settings.format)
    if settings.time_zone:
        load_zone(settings.time_zone)


def show(shape: shapes.Shape, fmt: str | None, quiet: bool) -> None:
    """Print a shape in the chosen format, with times in the configured zone."""
    if quiet:  # keys only: no format, no time zone to work out
        output.emit(shape, "json", quiet=True)
        return
    chosen, zone = output_settings(fmt)
    output.emit(shape, chosen, zone=zone)


def record(view: RecordView) -> shapes.Item:
    return shapes.Item(dict(view.fields))


def record_detail(detail: RecordDetail) -> shapes.Item:
    fields = dict(detail.record.fields)
    sections = [
        shapes.Rows(
            CONTACT_FIELDS,
            [c.as_dict() for c in detail.contacts],
            table_columns=CONTACT_COLUMNS,
            title="Contacts",
        ),
        events(detail.events, "Timeline"),
    ]
    if detail.record.known_errors:
        sections.insert(
            0,
            shapes.Rows(
                ("problem", "title", "matched_on", "workaround"),
                [k.as_dict() for k in detail.record.known_errors],
                title="Known errors",
                key="problem",
            ),
        )
    return shapes.Item(fields, title=f"{fields['key']}: {fields['title']}", sections=sections)


def records(
    views: list[RecordView],
    table_columns: tuple[str, ...] = LIST_COLUMNS,
    title: str | None = None,
    life: Lifecycle | None = None,
) -> shapes.Rows:
    from svcops.domain.fields import COMMON_SHOWN, shown_fields

    if life is not None:
        columns = list(shown_fields(life.fields))
    else:  # records of several kinds: every field any of them has
        columns = list(COMMON_SHOWN)
        for view in views:
            columns += [name for name in view.fields if name not in columns]
    return shapes.Rows(columns, [v.fields for v in views], table_columns=table_columns, title=title)


def feedback_rows(
    responses: list[FeedbackView], dimensions: tuple[str, ...], title: str | None = None
) -> shapes.Rows:
    rows = [r.as_dict(dimensions) for r in responses]
    columns = (
        list(rows[0])
        if rows
        else ["key", "record", "csat", "ces", *dimensions, "comment", "received_at"]
    )
    return shapes.Rows(columns, rows, title=title)


def known_error_notes(view: RecordView) -> None:
    """Tell the person opening an incident about known errors that may explain it (stderr)."""
    for known in view.known_errors:
        messages.message(
            f"svcops: known error {known.problem} matches {known.matched_on}: {known.title}; "
            f"workaround: {known.workaround}"
        )


def events(items: list[EventView], title: str | None = None) -> shapes.Rows:
    return shapes.Rows(EVENT_COLUMNS, [e.as_dict() for e in items], title=title, key="action")


def contacts(items: list[ContactView]) -> shapes.Rows:
    return shapes.Rows(
        CONTACT_FIELDS,
        [c.as_dict() for c in items],
        table_columns=CONTACT_COLUMNS,
        key="record",
    )


def lifecycle(life: Lifecycle) -> shapes.Rows:
    rows: list[dict[str, Any]] = []
    for stage in life.stages:
        moves = life.moves_from(stage.name)
        rows.append(
            {
                "stage": stage.name,
                "state": stage.state.value,
                "main_path": stage.name in life.main_path,
                "moves": [f"{verb} → {target}" for verb, target in moves],
                "description": stage.description,
            }
        )
    return shapes.Rows(
        ("stage", "state", "main_path", "moves", "description"),
        rows,
        title=f"{life.noun} lifecycle; main path: " + " → ".join(life.main_path),
        key="stage",
    )
