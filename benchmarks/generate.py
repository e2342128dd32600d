"""Generate a large svcops database for the report benchmark (PRODUCT.md section 6).

    python benchmarks/generate.py --db /tmp/svcops-1m.db [--records 1000000] [--feedback 300000]
    python benchmarks/generate.py --url postgresql://postgres@127.0.0.1:5432/svcops_bench

Rows go in with SQLAlchemy Core executemany in one transaction per table batch, not one ORM
object at a time. The shape follows a real desk: a year of arrivals, skewed durations, holds,
reopens, a first inbound contact per case (none for monitoring) and follow-ups, survey
responses with three quality dimensions. Events are written for what the reports read (the
opening of every record, the holds the SLA clocks stop for, and the moves of reopened ones),
not a full history of every case.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from datetime import UTC, datetime

from sqlalchemy import insert, text

from svcops.store.engine import engine_for, normalise_url
from svcops.store.schema import ensure_current
from svcops.store.tables import Contact, Event, Feedback, FeedbackScore, KeyCounter, Record

TEAMS = ["network", "desk", "apps", "identity", "field", "security"]
SERVICES = ["vpn", "wifi", "email", "erp", "printing", "laptops", "sso", "crm", "storage"]
CHANNELS = ["phone", "email", "portal", "chat", "monitoring"]
CHANNEL_WEIGHTS = [30, 25, 20, 15, 10]
PRIORITY = {(1, 1): "P1", (1, 2): "P2", (1, 3): "P3", (2, 1): "P2", (2, 2): "P3", (2, 3): "P4",
            (3, 1): "P3", (3, 2): "P4", (3, 3): "P4"}  # fmt: skip
BATCH = 20_000
HOLD_REASONS = ["awaiting_customer", "awaiting_vendor", "awaiting_change"]


def table(model: type) -> object:
    return model.metadata.tables[model.__tablename__]  # type: ignore[attr-defined]


def event(record_id: int, at: int, action: str, to: str) -> dict[str, object]:
    return {"record_id": record_id, "at": at, "recorded_at": at, "actor": "generator",
            "action": action, "to_value": to, "note": None}  # fmt: skip


def generate(url: str, records: int, feedback: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    engine = engine_for(normalise_url(url))
    ensure_current(engine)
    now = int(datetime.now(UTC).timestamp())
    year = 365 * 86400
    counts = {"record": 0, "event": 0, "contact": 0, "feedback": 0, "feedback_score": 0}
    resolved_ids: list[int] = []
    with engine.begin() as connection:
        if connection.execute(text("SELECT count(*) FROM record")).scalar():
            sys.exit("benchmarks/generate.py: the database is not empty")
        number = {"incident": 0, "request": 0}
        for start in range(0, records, BATCH):
            rows, events, contacts = [], [], []
            for offset in range(start, min(start + BATCH, records)):
                record_id = offset + 1
                kind = "incident" if rng.random() < 0.8 else "request"
                number[kind] += 1
                impact, urgency = rng.choice([1, 2, 2, 3, 3, 3]), rng.choice([1, 2, 2, 3, 3])
                priority = PRIORITY[(impact, urgency)]
                # arrivals grow a little over the year and peak in business hours
                opened = now - int(year * (1 - math.sqrt(rng.random())))
                opened -= opened % 86400 - (8 + int(abs(rng.gauss(0, 3)))) * 3600 % 86400
                opened = min(opened, now - 60)
                channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
                response = opened + int(60 * 20 * math.exp(rng.gauss(0, 1.2)))
                resolved = response + int(3600 * 4 * math.exp(rng.gauss(0, 1.4)))
                paused = int(3600 * math.exp(rng.gauss(0, 1))) if rng.random() < 0.15 else 0
                resolved += paused
                reopened = rng.random() < 0.05
                closed = resolved + 86400 * rng.choice([1, 2, 3])
                done = resolved < now
                stage = ("closed" if closed < now else "resolved") if done else "in_progress"
                if kind == "request":
                    stage = {"resolved": "feedback", "in_progress": "execution"}.get(stage, stage)
                prefix = "INC" if kind == "incident" else "REQ"
                rows.append({
                    "id": record_id, "key": f"{prefix}-{number[kind]}",
                    "kind": kind, "number": number[kind], "title": f"generated case {record_id}",
                    "stage": stage, "priority": priority, "priority_overridden": False,
                    "impact": impact, "urgency": urgency, "service": rng.choice(SERVICES),
                    "category": None, "channel": channel, "customer_id": None,
                    "assignee": f"agent{rng.randrange(60)}", "team": rng.choice(TEAMS),
                    "problem_id": None, "root_cause": None, "workaround": None,
                    "model": "support" if kind == "request" else None,
                    "due_at": opened + 5 * 86400 if kind == "request" else None,
                    "hold_reason": None, "held_from": None, "held_since": None,
                    "paused_s": paused if done else 0, "opened_at": opened,
                    "stage_entered_at": min(closed, now) if done else response,
                    "first_response_at": response if response < now else None,
                    "resolved_at": resolved if done else None,
                    "first_resolved_at": resolved if done else None,
                    "closed_at": closed if done and closed < now else None,
                    "reopen_count": 1 if reopened and done else 0, "version": 1,
                })  # fmt: skip
                first_stage = "new" if kind == "incident" else "inquiry"
                events.append(event(record_id, opened, "open", first_stage))
                if paused and done:  # the hold the paused time was spent in, after the response
                    work = "in_progress" if kind == "incident" else "execution"
                    held = response + (resolved - paused - response) // 2
                    events.append({**event(record_id, held, "hold", "on_hold"),
                                   "note": rng.choice(HOLD_REASONS)})  # fmt: skip
                    events.append(event(record_id, held + paused, "resume", work))
                if reopened and done:
                    again = resolved + 3600
                    for action, at, to in (("resolve", resolved, "resolved"),
                                           ("reopen", resolved + 1800, "in_progress"),
                                           ("resolve", again, "resolved")):  # fmt: skip
                        events.append(event(record_id, at, action, to))
                if channel != "monitoring":
                    contacts.append({"record_id": record_id, "channel": channel,
                                     "direction": "inbound", "at": opened})  # fmt: skip
                    if rng.random() < 0.2:
                        contacts.append({"record_id": record_id, "channel": "phone",
                                         "direction": "inbound", "at": response})  # fmt: skip
                if done:
                    resolved_ids.append(record_id)
            connection.execute(insert(table(Record)), rows)
            connection.execute(insert(table(Event)), events)
            if contacts:
                connection.execute(insert(table(Contact)), contacts)
            counts["record"] += len(rows)
            counts["event"] += len(events)
            counts["contact"] += len(contacts)
        chosen = rng.sample(resolved_ids, min(feedback, len(resolved_ids)))
        for start in range(0, len(chosen), BATCH):
            responses, scores = [], []
            for offset, record_id in enumerate(chosen[start : start + BATCH], start=start + 1):
                good = rng.random() < 0.75
                received = min(now - 1, now - int(year * rng.random() * 0.98))
                responses.append({
                    "id": offset, "key": f"FB-{offset}", "record_id": record_id,
                    "csat": max(1, min(5, round(rng.gauss(4.3 if good else 2.6, 0.8)))),
                    "ces": max(1, min(7, round(rng.gauss(2.5 if good else 4.8, 1.0)))),
                    "comment": None, "received_at": received,
                })  # fmt: skip
                for dimension in ("courtesy", "competence", "reliability"):
                    score = max(1, min(5, round(rng.gauss(4 if good else 2.8, 0.9))))
                    scores.append({"feedback_id": offset, "dimension": dimension, "score": score})
            connection.execute(insert(table(Feedback)), responses)
            connection.execute(insert(table(FeedbackScore)), scores)
            counts["feedback"] += len(responses)
            counts["feedback_score"] += len(scores)
        keys = table(KeyCounter)
        for prefix, last in (("INC", number["incident"]), ("REQ", number["request"]),
                             ("FB", counts["feedback"])):  # fmt: skip
            connection.execute(keys.update().where(keys.c.prefix == prefix).values(last=last))  # type: ignore[attr-defined]
        if connection.dialect.name == "postgresql":
            for name in ("record", "event", "contact", "feedback"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(max(id), 1) FROM {name}))"))  # fmt: skip
    with engine.begin() as connection:  # planner statistics, as a long-lived database has them
        connection.exec_driver_sql("ANALYZE")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--db", help="a new SQLite file")
    where.add_argument("--url", help="a SQLAlchemy URL of an empty database")
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--feedback", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = args.url or f"sqlite:///{args.db}"
    started = time.perf_counter()
    counts = generate(url, args.records, args.feedback, args.seed)
    elapsed = time.perf_counter() - started
    print(f"generated in {elapsed:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
