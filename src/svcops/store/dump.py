"""The database as an export reads it and as the import of one writes it: whole tables in a
stable order, streamed; rows upserted by key and history appended, in batches of Core
statements. Times come and go as the columns store them (epoch seconds)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, insert, select, update
from sqlmodel import Session, SQLModel

BATCH = 5_000  # rows fetched at a time by an export, written at a time by an import

Row = Mapping[Any, Any]  # a row by column name


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


class DumpReader:
    """The tables an export writes, each in its stable order; the large ones streamed."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()

    def _stream(self, statement: Select[Any]) -> Iterable[Row]:
        return self.connection.execution_options(yield_per=BATCH).execute(statement).mappings()

    def counters(self) -> Iterable[Row]:
        counters = _table("key_counter")
        return self.connection.execute(select(counters).order_by(counters.c.prefix)).mappings()

    def customers(self) -> Iterable[Row]:
        customers = _table("customer")
        return self._stream(select(customers).order_by(customers.c.id))

    def record_keys(self) -> dict[int, str]:
        """Every record's key by its id."""
        records = _table("record")
        return dict(self.connection.execute(select(records.c.id, records.c.key)).all())

    def records(self) -> Iterable[Row]:
        records = _table("record")
        return self._stream(select(records).order_by(records.c.id))

    def events(self) -> Iterable[Row]:
        return self._history("event")

    def contacts(self) -> Iterable[Row]:
        return self._history("contact")

    def _history(self, name: str) -> Iterable[Row]:
        rows = _table(name)
        return self._stream(select(rows).order_by(rows.c.record_id, rows.c.id))

    def scores(self) -> dict[int, dict[str, int]]:
        """Every response's dimension scores by its id."""
        scores = _table("feedback_score")
        by_response: dict[int, dict[str, int]] = {}
        for row in self._stream(select(scores).order_by(scores.c.feedback_id, scores.c.dimension)):
            by_response.setdefault(row["feedback_id"], {})[row["dimension"]] = row["score"]
        return by_response

    def feedback(self) -> Iterable[Row]:
        feedback = _table("feedback")
        return self._stream(select(feedback).order_by(feedback.c.id))


class DumpWriter:
    """What the import of an export writes, in the caller's transaction. Tables are named as
    the export's types are (customer, record, event, contact, feedback)."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()

    def counters(self) -> dict[str, int]:
        """The key counters: the last number handed out, by prefix."""
        counters = _table("key_counter")
        found = self.connection.execute(select(counters.c.prefix, counters.c.last))
        return dict(found.all())

    def add_counter(self, prefix: str, last: int) -> None:
        self.connection.execute(insert(_table("key_counter")).values(prefix=prefix, last=last))

    def set_counter(self, prefix: str, last: int) -> None:
        counters = _table("key_counter")
        self.connection.execute(
            update(counters).where(counters.c.prefix == prefix).values(last=last)
        )

    def upsert(
        self, name: str, rows: Sequence[dict[str, Any]]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Insert the rows whose key is new, update the others (by key); the ids, by key, of
        the rows added and of those updated."""
        target = _table(name)
        found = self._ids(target, [values["key"] for values in rows])
        fresh = [values for values in rows if values["key"] not in found]
        added: dict[str, int] = {}
        if fresh:
            self.connection.execute(insert(target), fresh)
            added = self._ids(target, [values["key"] for values in fresh])
        updated: dict[str, int] = {}
        for values in rows:
            key = values["key"]
            if key in found:
                updated[key] = found[key]
                self.connection.execute(
                    update(target).where(target.c.id == found[key]).values(**values)
                )
        return added, updated

    def _ids(self, target: Table, keys: list[str]) -> dict[str, int]:
        statement = select(target.c.key, target.c.id).where(target.c.key.in_(keys))
        return dict(self.connection.execute(statement).all())

    def id_of(self, name: str, key: str) -> int | None:
        """The id of the row of `name` with `key`, if there is one."""
        target = _table(name)
        found = self.connection.execute(select(target.c.id).where(target.c.key == key)).scalar()
        return None if found is None else int(found)

    def stored_history(
        self, name: str, fields: Sequence[str], record_ids: Collection[int]
    ) -> set[tuple[Any, ...]]:
        """The `fields` of the rows of `name` (event, contact) about `record_ids`, as an
        import's rows carry them (times as epoch seconds)."""
        target = _table(name)
        columns = [target.c[field] for field in fields]
        statement = select(*columns).where(target.c.record_id.in_(record_ids))
        return {tuple(_raw(value) for value in row) for row in self.connection.execute(statement)}

    def insert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        """Add the rows (none is fine)."""
        if rows:
            self.connection.execute(insert(_table(name)), rows)

    def replace_scores(self, feedback_ids: Collection[int], rows: Sequence[dict[str, Any]]) -> None:
        """The dimension scores of `feedback_ids` become `rows`, whatever they were."""
        scores = _table("feedback_score")
        self.connection.execute(scores.delete().where(scores.c.feedback_id.in_(feedback_ids)))
        self.insert("feedback_score", rows)

    def link(self, key: str, problem_id: int) -> None:
        """Link the record with `key` to the problem with `problem_id`."""
        records = _table("record")
        self.connection.execute(
            update(records).where(records.c.key == key).values(problem_id=problem_id)
        )


def _raw(value: Any) -> Any:
    return int(value.timestamp()) if isinstance(value, datetime) else value
