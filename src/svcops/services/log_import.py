"""Event logs (one row per state change of a case, as ServiceNow, Jira or process-mining
exports have), each case rebuilt as a record with its stage history."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from typing import Any

from svcops.domain.errors import InvalidInput
from svcops.domain.fields import Type, field_named
from svcops.domain.fingerprint import Fingerprints
from svcops.domain.kinds import lifecycle
from svcops.domain.timeparse import format_instant, parse_logged
from svcops.services.base import FUTURE_SLACK, Call, transaction
from svcops.services.importing import csv_errors, load_cases, no_nul
from svcops.services.mapping import Mapping
from svcops.services.rebuild import Case, HistorySummary


def import_log(
    source: Iterable[str], mapping: Mapping,
    progress: Callable[[int, int | None], None] | None = None,
) -> HistorySummary:  # fmt: skip
    """An event log, one row per state change of a case, rebuilt into records."""
    reader = csv.DictReader(source, delimiter=mapping.delimiter, strict=True)
    with csv_errors(reader):  # the header; the rows are read where the records are built
        return _import_log_rows(reader, mapping, progress)


def _import_log_rows(
    reader: Any, mapping: Mapping, progress: Callable[[int, int | None], None] | None
) -> HistorySummary:
    life = lifecycle(mapping.kind)
    columns = [c.lstrip("\ufeff") for c in reader.fieldnames or []]
    reader.fieldnames = columns
    for needed in (mapping.case, mapping.time, mapping.stage, *mapping.fields.values()):
        if needed not in columns:
            raise InvalidInput(f"line 1: the log has no column {needed!r} (mapping names it)")
    with transaction(write=True) as (uow, call):

        def cases(summary: HistorySummary) -> Iterator[Case]:
            fingerprints, rules = Fingerprints(), asdict(mapping)  # a case: its rows, as mapped
            with csv_errors(reader):
                grouped = _group_log(reader, mapping, call, summary)
            ordered = sorted(grouped.items(), key=lambda item: min(r[0] for r in item[1]))
            for case_id, rows in ordered:
                rows.sort(key=lambda r: (r[0], r[1]))
                fields: dict[str, Any] = {"title": case_id, "hold_reason": mapping.hold_reason}
                for _at, _line, _stage, values in rows:
                    fields.update({k: v for k, v in values.items() if v})
                _check_log_fields(fields, f"case {case_id}")
                changes = [(at, stage) for at, _line, stage, _values in rows if stage is not None]
                seen = [(format_instant(at), stage, values) for at, _line, stage, values in rows]
                # a log shows no customer contacts unless it names the channel
                yield Case(f"case {case_id}", rows[0][0], fields, changes,
                           logs_contact=bool(fields.get("channel")), external_id=case_id,
                           fingerprint=fingerprints.of([rules, case_id, seen]))  # fmt: skip

        return load_cases(uow, call, life, cases, progress)


LogRow = tuple[datetime, int, str | None, dict[str, str]]  # time, line, stage, field values


def _group_log(
    reader: Any, mapping: Mapping, call: Call, summary: HistorySummary
) -> dict[str, list[LogRow]]:
    """The log's rows by case; values without a stage are counted in `summary` (or refused)."""
    cases: dict[str, list[LogRow]] = {}
    skipped: Counter[str] = Counter()
    for row in reader:
        line = reader.line_num
        case_id = (row.get(mapping.case) or "").strip()
        if not case_id:
            raise InvalidInput(f"line {line}, column {mapping.case}: empty case")
        at = _log_time(row.get(mapping.time), mapping, call, f"line {line}, column {mapping.time}")
        value = (row.get(mapping.stage) or "").strip()
        stage = mapping.stages.get(value)
        if stage is None:
            if mapping.unmapped == "error":
                raise InvalidInput(
                    f"line {line}, column {mapping.stage}: {value!r} has no svcops stage",
                    hint='add it to [stages] in the mapping, or set unmapped = "skip"',
                )
            skipped[value] += 1
        values = {name: (row.get(column) or "").strip() for name, column in mapping.fields.items()}
        no_nul({mapping.case: case_id, **values}, f"line {line}")
        cases.setdefault(case_id, []).append((at, line, stage, values))
    summary.skipped_values = dict(skipped.most_common())
    summary.skipped_rows = sum(skipped.values())
    return cases


def _check_log_fields(fields: dict[str, Any], where: str) -> None:
    try:
        for name, value in fields.items():
            if value and field_named(name).type is not Type.TEXT:
                fields[name] = field_named(name).read(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None


def _log_time(value: str | None, mapping: Mapping, call: Call, where: str) -> datetime:
    try:
        instant = parse_logged(value or "", call.zone, time_format=mapping.time_format,
                               dayfirst=mapping.dayfirst)  # fmt: skip
    except InvalidInput as exc:
        raise InvalidInput(f"{where}: {exc.message}") from None
    if instant > call.now + FUTURE_SLACK:  # as in a flat import: history has happened
        raise InvalidInput(f"{where}: {format_instant(instant)} is in the future")
    return instant
