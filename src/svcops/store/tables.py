"""The tables. Times are stored as UTC epoch seconds so the same SQL aggregates on every backend."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Dialect, Index, LargeBinary, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from svcops.domain.errors import InvalidInput
from svcops.domain.timeparse import EARLIEST, LATEST, format_instant


class EpochSeconds(TypeDecorator[datetime]):
    """An aware UTC datetime in Python, a BIGINT of Unix seconds in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return int(value.timestamp())

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not FIRST_SECOND <= int(value) <= LAST_SECOND:  # written by hand, or by an old svcops
            raise InvalidInput(
                f"the database holds a time svcops cannot use: {int(value)} seconds since 1970",
                hint=f"times run from {format_instant(EARLIEST)} to {format_instant(LATEST)}",
            )
        return datetime.fromtimestamp(int(value), UTC)


FIRST_SECOND, LAST_SECOND = int(EARLIEST.timestamp()), int(LATEST.timestamp())


def _time(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=EpochSeconds, nullable=nullable, index=index)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=32)
    name: str
    email: str | None = None
    org: str | None = None
    created_at: datetime = _time(nullable=False)


class StoredRecord(SQLModel):
    """An incident, problem or service request as stored: its fields as plain data.

    Services read and change records as these (loaded and saved with Core statements, see
    store/repository.py): no ORM identity map or change tracking to pay for on every command.
    `Record` below is the table made of the same fields.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=32)
    kind: str = Field(max_length=16)
    number: int
    title: str
    stage: str = Field(max_length=32)
    priority: str | None = Field(default=None, max_length=2)
    priority_overridden: bool = False
    impact: int | None = None
    urgency: int | None = None
    service: str | None = None
    category: str | None = None
    channel: str | None = None
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    assignee: str | None = Field(default=None, index=True)
    team: str | None = None
    problem_id: int | None = Field(default=None, foreign_key="record.id", index=True)
    root_cause: str | None = None
    workaround: str | None = None
    model: str | None = None
    due_at: datetime | None = _time()
    hold_reason: str | None = None
    held_from: str | None = None
    held_since: datetime | None = _time()
    paused_s: int = 0
    opened_at: datetime = _time(nullable=False)
    stage_entered_at: datetime = _time(nullable=False)
    first_response_at: datetime | None = _time()
    resolved_at: datetime | None = _time()
    first_resolved_at: datetime | None = _time()
    closed_at: datetime | None = _time()
    reopen_count: int = 0
    version: int = 1
    # an imported record's origin: the source's own id, a fingerprint of its row (see
    # domain/fingerprint.py); both empty for records opened here
    external_id: str | None = None
    source_hash: str | None = Field(default=None, max_length=32)
    # the values of the fields a kind defines for itself (domain/fields.py `define`)
    attributes: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))


# the columns the covering indexes on a record's opening and first resolution carry after
# their keys: the SLA clocks' facts, the usual groups and what the record sums count
# (store/sla_report.py, store/report_days.py)
REOPENED = "reopen_count > 0"
FACTS = (
    "first_response_at", "closed_at", "priority", "team", "paused_s", "held_since",
    "customer_id", "reopen_count", "due_at",
)  # fmt: skip


class Record(StoredRecord, table=True):
    """The record table: one for every kind, the kind in a column."""

    __tablename__ = "record"
    __table_args__ = (
        UniqueConstraint("kind", "number", name="uq_record_kind_number"),
        # the SLA clocks' facts and the usual groups, read from the index (store/sla_report.py)
        # (and the id: PostgreSQL's indexes hold no row id of their own to read)
        Index("ix_record_kind_opened", "kind", "opened_at", "first_resolved_at", *FACTS, "id"),
        Index("ix_record_kind_stage", "kind", "stage"),
        Index(
            "ix_record_first_resolved_at", "first_resolved_at", "kind", "opened_at", *FACTS, "id"
        ),
        Index("ix_record_stage_entered_at", "stage_entered_at"),
        # the reopened records, the only ones resolved before a period that can be open at
        # its end (store/report_days.py `backlog`)
        Index(
            "ix_record_reopened",
            "stage_entered_at",
            "first_resolved_at",
            "kind",
            "opened_at",
            *FACTS,
            "id",
            sqlite_where=text(REOPENED),
            postgresql_where=text(REOPENED),
        ),
        Index("uq_record_kind_external_id", "kind", "external_id", unique=True),
        Index("ix_record_kind_source_hash", "kind", "source_hash"),
    )


class Event(SQLModel, table=True):
    """The append-only audit trail: one row per change, never updated or deleted."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_record_at", "record_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    at: datetime = _time(nullable=False)
    recorded_at: datetime = _time(nullable=False)
    actor: str
    action: str = Field(max_length=32)
    from_value: str | None = None
    to_value: str | None = None
    note: str | None = None


class Contact(SQLModel, table=True):
    """One interaction with the customer on a record."""

    __tablename__ = "contact"
    # the direction and channel too: first contact resolution counts from the index alone
    __table_args__ = (Index("ix_contact_record_at", "record_id", "at", "direction", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    channel: str = Field(max_length=16)
    direction: str = Field(max_length=8)
    at: datetime = _time(nullable=False)
    agent: str | None = None
    note: str | None = None


class Feedback(SQLModel, table=True):
    """One survey response about one incident or request."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=32)
    record_id: int = Field(foreign_key="record.id", index=True)
    csat: int | None = None
    ces: int | None = None
    comment: str | None = None
    received_at: datetime = _time(nullable=False, index=True)


class FeedbackScore(SQLModel, table=True):
    """One service-quality dimension score (1-5) of one response."""

    __tablename__ = "feedback_score"

    feedback_id: int = Field(foreign_key="feedback.id", primary_key=True)
    dimension: str = Field(primary_key=True, max_length=32)
    score: int


class KeyCounter(SQLModel, table=True):
    """The last number handed out per key prefix (INC, PRB, REQ, FB, CUS)."""

    __tablename__ = "key_counter"

    prefix: str = Field(primary_key=True, max_length=8)
    last: int = 0


class SlaOutcome(SQLModel, table=True):
    """The SLA clocks of a record whose clocks are both decided, as worked out from the facts
    and under the SLA config (`policy`, a fingerprint) it keeps: a report counts it while the
    record's facts and the config in force are still those (store/sla_report.py); a change
    to the record's contacts or stage events drops it (triggers, migration 0006). Times are
    epoch seconds."""

    __tablename__ = "sla_outcome"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    policy: int = Field(sa_type=BigInteger)
    priority: str | None = None
    team: str | None = None
    opened_at: int = Field(sa_type=BigInteger)
    first_response_at: int | None = Field(default=None, sa_type=BigInteger)
    first_resolved_at: int = Field(sa_type=BigInteger)
    closed_at: int | None = Field(default=None, sa_type=BigInteger)
    paused_s: int
    response_met: bool
    response_at: int = Field(sa_type=BigInteger)
    resolution_met: bool
    resolution_at: int = Field(sa_type=BigInteger)
    suspect_pauses: int


class ReportDay(SQLModel, table=True):
    """A day of a report's sums, kept (store/report_days.py): per report shape (`key`) and
    day, a row marking the day (`grp` "": reserved, then `done`) and a row per group (`grp`,
    its values as a JSON list) with the day's sums (JSON) and the sorted durations of its
    percentiles. Triggers drop every day ending after the earliest moment a change to a
    record, its contacts, events or responses can count at (migration 0008). Epoch seconds."""

    __tablename__ = "report_day"
    __table_args__ = (Index("ix_report_day_ends_at", "ends_at"),)

    key: int = Field(sa_type=BigInteger, primary_key=True)
    starts_at: int = Field(sa_type=BigInteger, primary_key=True)
    grp: str = Field(primary_key=True)
    ends_at: int = Field(sa_type=BigInteger)
    made_at: int = Field(sa_type=BigInteger)
    done: bool
    sums: str | None = Field(default=None, sa_type=Text)
    durations: bytes | None = Field(default=None, sa_type=LargeBinary)
