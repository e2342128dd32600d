"""Export and import: the whole database as NDJSON, one object per line with a `type`.

`export` writes customers, records, events, contacts, feedback and the key counters, keys
preserved, in a stable order; `import` loads such a dump into an empty or existing database in
one transaction: existing keys are updated, events and contacts already present are not
duplicated. Export, import, export gives the same lines, across backends too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from svcops.domain.fields import own_fields
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.timeparse import format_instant
from svcops.services.base import transaction
from svcops.services.dump_lines import RECORD_FIELDS, TIME_FIELDS, ImportSummary, parse_lines
from svcops.services.dump_load import Loader
from svcops.store import files
from svcops.store.dump import DumpReader


def _out(value: Any, name: str) -> Any:
    if isinstance(value, datetime):
        return format_instant(value)
    if name in TIME_FIELDS and value is not None:
        return format_instant(datetime.fromtimestamp(int(value), UTC))
    return value


def export_lines() -> Iterator[str]:
    """The database as NDJSON lines, streamed (one read transaction)."""
    with transaction(write=False, snapshot=True) as (uow, _call):
        for obj in _export_objects(uow.dump_reader):
            yield json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def export_to(target: str, *, force: bool = False) -> None:
    """The export as a new file, private as the database is (records hold personal data);
    it appears whole or not at all (see store/files.py)."""
    from svcops.config import get_settings
    from svcops.store.engine import normalise_url, sqlite_path

    live = sqlite_path(normalise_url(get_settings().database_url))
    with files.new_file(target, force=force, protected=files.database_files(live)) as partial:
        try:
            with partial.open("w", encoding="utf-8") as stream:
                for line in export_lines():
                    stream.write(line + "\n")
        except OSError as exc:  # the disk is full, the file system went away
            raise files.cannot_write(target, exc) from None


def _export_objects(reader: DumpReader) -> Iterator[dict[str, Any]]:
    for row in reader.counters():
        yield {"type": "counter", "prefix": row["prefix"], "last": row["last"]}
    customer_keys: dict[int, str] = {}
    for row in reader.customers():
        customer_keys[row["id"]] = row["key"]
        yield {"type": "customer", "key": row["key"], "name": row["name"], "email": row["email"],
               "org": row["org"], "created_at": _out(row["created_at"], "created_at")}  # fmt: skip
    record_keys = reader.record_keys()
    for values in reader.records():
        obj: dict[str, Any] = {"type": "record"}
        for name in RECORD_FIELDS:
            if name == "customer":
                obj[name] = customer_keys.get(values["customer_id"])
            elif name == "problem":
                obj[name] = record_keys.get(values["problem_id"])
            else:
                obj[name] = _out(values[name], name)
        attributes = values["attributes"] or {}
        life = LIFECYCLES.get(values["kind"])
        # a kind's own fields follow the columns, null when not given (a kind this svcops does
        # not know: what is stored, as it is)
        names = [f.name for f in own_fields(life.fields)] if life else sorted(attributes)
        obj.update({name: attributes.get(name) for name in names if name not in obj})
        yield obj
    for row in reader.events():
        yield {"type": "event", "record": record_keys[row["record_id"]],
               "at": _out(row["at"], "at"), "recorded_at": _out(row["recorded_at"], "recorded_at"),
               "actor": row["actor"], "action": row["action"], "from": row["from_value"],
               "to": row["to_value"], "note": row["note"]}  # fmt: skip
    for row in reader.contacts():
        yield {"type": "contact", "record": record_keys[row["record_id"]],
               "channel": row["channel"], "direction": row["direction"],
               "at": _out(row["at"], "at"), "agent": row["agent"], "note": row["note"]}  # fmt: skip
    by_response = reader.scores()
    for row in reader.feedback():
        yield {"type": "feedback", "key": row["key"], "record": record_keys[row["record_id"]],
               "csat": row["csat"], "ces": row["ces"], "scores": by_response.get(row["id"], {}),
               "comment": row["comment"],
               "received_at": _out(row["received_at"], "received_at")}  # fmt: skip


def import_dump(lines: Iterable[str]) -> ImportSummary:
    """Load an export into this database, in one transaction."""
    summary = ImportSummary()
    with transaction(write=True) as (uow, _call):
        loader = Loader(uow.dump_writer, summary)
        for line in parse_lines(lines):
            loader.take(line)
        loader.finish()
    return summary
