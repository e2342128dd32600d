"""Survey responses as stored: each with its record's key and its quality dimension scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from svcops.store.records import Records
from svcops.store.tables import Feedback, FeedbackScore, Record


@dataclass(frozen=True)
class FeedbackFilter:
    """Which responses: about these records, received in [since, until), with this key."""

    record_ids: Sequence[int] | None = None
    since: datetime | None = None
    until: datetime | None = None
    key: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.record_ids is not None:
            conditions.append(col(Feedback.record_id).in_(self.record_ids))
        if self.since is not None:
            conditions.append(col(Feedback.received_at) >= self.since)
        if self.until is not None:
            conditions.append(col(Feedback.received_at) < self.until)
        if self.key is not None:
            conditions.append(col(Feedback.key) == self.key)
        return conditions


class FeedbackStore:
    """Survey responses in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, response: Feedback, scores: dict[str, int]) -> None:
        """Store a response with its score on each quality dimension."""
        rows = Records(self.session)
        response_id = rows.insert_row("feedback", response.model_dump(exclude={"id"}))
        for name, score in scores.items():
            row = {"feedback_id": response_id, "dimension": name, "score": score}
            rows.insert_row("feedback_score", row)

    def responses(
        self, flt: FeedbackFilter, limit: int | None = None
    ) -> list[tuple[Feedback, str, dict[str, int]]]:
        """The responses `flt` matches, newest first (at most `limit`): each with its record's
        key and its dimension scores."""
        statement = (
            select(Feedback, Record.key)
            .join(Record, col(Record.id) == Feedback.record_id)
            .where(*flt.conditions())
            .order_by(col(Feedback.received_at).desc(), col(Feedback.id).desc())
        )
        if limit:
            statement = statement.limit(limit)
        rows = self.session.exec(statement).all()
        ids = [f.id for f, _k in rows]
        scores: dict[int, dict[str, int]] = {}
        if ids:
            for score in self.session.exec(
                select(FeedbackScore).where(col(FeedbackScore.feedback_id).in_(ids))
            ).all():
                scores.setdefault(score.feedback_id, {})[score.dimension] = score.score
        return [(f, record_key, scores.get(f.id or 0, {})) for f, record_key in rows]

    def count(self, flt: FeedbackFilter) -> int:
        """How many responses `flt` matches."""
        total = self.session.exec(
            select(func.count()).select_from(Feedback).where(*flt.conditions())
        ).one()
        return int(total)
