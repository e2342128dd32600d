"""Feedback: survey responses about incidents and requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from svcops.domain.errors import InvalidInput, NotFound
from svcops.domain.feedback import CES, CSAT, QUALITY
from svcops.domain.keys import lookup_key
from svcops.domain.kinds import LIFECYCLES
from svcops.domain.lifecycle import check_after_opening
from svcops.services.base import clean_text, parse_count, record_event, transaction
from svcops.store.feedback import FeedbackFilter, FeedbackStore
from svcops.store.tables import Feedback


@dataclass(frozen=True)
class FeedbackView:
    key: str
    record: str
    csat: int | None
    ces: int | None
    scores: dict[str, int]
    comment: str | None
    received_at: datetime

    def as_dict(self, dimensions: Sequence[str]) -> dict[str, Any]:
        """The contract fields: one per configured quality dimension (and any other answered)."""
        names = list(dimensions) + [d for d in self.scores if d not in dimensions]
        return {
            "key": self.key,
            "record": self.record,
            "csat": self.csat,
            "ces": self.ces,
            **{name: self.scores.get(name) for name in names},
            "comment": self.comment,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class FeedbackPage:
    responses: list[FeedbackView]
    total: int
    dimensions: tuple[str, ...]


def add_feedback(
    for_key: str,
    *,
    csat: int | str | None = None,
    ces: int | str | None = None,
    scores: dict[str, int | str | None] | None = None,
    comment: str | None = None,
    at: str | None = None,
) -> tuple[FeedbackView, tuple[str, ...]]:
    """Record one survey response about an incident or a request."""
    given = {name: value for name, value in (scores or {}).items() if value is not None}
    csat_score = CSAT.check("csat", csat) if csat is not None else None
    ces_score = CES.check("ces", ces) if ces is not None else None
    with transaction(write=True) as (uow, call):
        dimensions = call.settings.dimensions
        unknown = sorted(set(given) - set(dimensions))
        if unknown:
            raise InvalidInput(
                f"unknown quality dimension {unknown[0]!r}",
                hint="configured dimensions: " + ", ".join(dimensions),
            )
        quality = {name: QUALITY.check(name, value) for name, value in given.items()}
        if csat_score is None and ces_score is None and not quality:
            options = ", ".join(f"--{d}" for d in ("csat", "ces", *dimensions))
            raise InvalidInput(f"feedback needs at least one score: {options}")
        moment = call.when(at)
        record = uow.records.get_any_record(for_key, lock=True).record
        life = LIFECYCLES[record.kind]
        if not life.customer_facing:
            kinds = " and ".join(lc.plural for lc in LIFECYCLES.values() if lc.customer_facing)
            raise InvalidInput(f"feedback is about {kinds}; {record.key} is {life.a_noun}")
        check_after_opening(moment, record.opened_at, record.key, "--at")
        key, _number = uow.records.next_key("FB")
        assert record.id is not None
        response = Feedback(
            key=key, record_id=record.id, csat=csat_score, ces=ces_score,
            comment=clean_text(comment, "--comment"), received_at=moment,
        )  # fmt: skip
        uow.feedback.add(response, quality)
        record_event(uow, call, record, "feedback", moment, to_value=key)
        return _view(response, record.key, quality), dimensions


def _view(response: Feedback, record_key: str, scores: dict[str, int]) -> FeedbackView:
    return FeedbackView(
        response.key, record_key, response.csat, response.ces, scores, response.comment,
        response.received_at,
    )  # fmt: skip


def feedback_views(
    store: FeedbackStore, flt: FeedbackFilter, limit: int | None = None
) -> list[FeedbackView]:
    """Responses `flt` matches, newest first, with their dimension scores."""
    return [_view(f, record_key, scores) for f, record_key, scores in store.responses(flt, limit)]


def list_feedback(
    *,
    for_key: str | None = None,
    since: str | None = None,
    until: str | None = None,
    limit: int | str | None = 50,
) -> FeedbackPage:
    """Responses newest first, for one record or all; `--since/--until` on received_at."""
    count = parse_count(limit, "--limit")
    with transaction(write=False) as (uow, call):
        start, end = call.period(since, until)
        record_ids = None
        if for_key:
            record = uow.records.get_any_record(for_key).record
            assert record.id is not None
            record_ids = [record.id]
        store, flt = uow.feedback, FeedbackFilter(record_ids, start, end)
        views = feedback_views(store, flt, count or None)
        return FeedbackPage(views, store.count(flt), call.settings.dimensions)


def show_feedback(key: str) -> tuple[FeedbackView, tuple[str, ...]]:
    with transaction(write=False) as (uow, call):
        flt = FeedbackFilter(key=lookup_key(key))
        found = feedback_views(uow.feedback, flt)
        if not found:
            raise NotFound(f"no feedback {key.strip()!r}", hint="feedback keys look like FB-7")
        return found[0], call.settings.dimensions
