"""`report metrics` and `report sla` added up from days: a report's time is cut into pieces
(its periods cut at every local midnight), each piece's sums and durations are worked out from
its records, and those of a whole day that has ended are kept (store/report_days.py,
tables.ReportDay), so the next report over that day reads them instead of its records. A
year-long report then reads about 365 kept days and the records of the two pieces at its ends.

A kept day is true while nothing it counts changes: a change to a record, its contacts,
events or responses drops every day that ends after the earliest moment the change can count
at (triggers, migration 0008). A day is reserved before the report's snapshot is taken and
kept only if still reserved after it (no change dropped it meanwhile); on PostgreSQL the
reservation waits for the writers already in flight (a table lock their triggers take too).
"""

from __future__ import annotations

import hashlib
import json
import logging
from array import array
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from typing import Any

from svcops.domain.day_pieces import Piece, cut, runs, segments
from svcops.services.day_sums import Durations, Sums, add, with_stats
from svcops.services.report_figures import Figures, figures_from_sums
from svcops.services.sla_tallies import Cancelled, policy_fingerprint, tallies
from svcops.store.aside import write_aside
from svcops.store.report_days import keep_days, marked_days, reserve_days
from svcops.store.report_scope import Scope
from svcops.store.sla import Outcome
from svcops.store.work import UnitOfWork

_log = logging.getLogger(__name__)
# A change to what a day's sums mean (here or in store/report_days.py) must change this, so
# that days kept by an earlier svcops are worked out again.
DAY_RULES = 1
Key = tuple[Any, ...]


Day = dict[Key, Sums]
# a group's figures from its sums and its pieces' sorted durations (first response, resolution)
Finish = Callable[[Mapping[str, float], Durations, Durations], Figures]


def metrics_figures(
    counts: Mapping[str, float], response: Durations, resolution: Durations
) -> Figures:
    """`report metrics`' figures of a group, from its sums and durations."""
    return figures_from_sums(with_stats(counts, response, resolution))


def shape_key(scope: Scope, policy: int, report: Mapping[str, Any]) -> int:
    """What a day's sums depend on besides the day: the report, its kinds, groups and
    settings and the SLA config, as a signed 64-bit number."""
    params = {k: v for k, v in scope.params().items() if k not in ("since", "until", "now")}
    shape = {"rules": DAY_RULES, "groups": list(scope.groups), "policy": policy, **report,
             **params}  # fmt: skip
    digest = hashlib.blake2b(json.dumps(shape, sort_keys=True, default=str).encode(),
                             digest_size=8).digest()  # fmt: skip
    return int.from_bytes(digest, "big", signed=True)


class DayBook:
    """The days of one report: those kept, those it works out, and keeping them after."""

    def __init__(
        self,
        url: str,
        scopes: Sequence[Scope],
        zone: tzinfo,
        policy: Any,
        finish: Finish,
        at_risk_s: int | None = None,
    ) -> None:
        """`finish`: a group's figures from its sums and durations. `at_risk_s`: the SLA
        report's (its figures are the SLA tallies alone, and those at each period's end)."""
        self.url = url
        self.scopes = scopes
        self.zone = zone
        self.policy = policy
        self.finish = finish
        self.at_risk_s = at_risk_s
        self.now = int(scopes[0].now.timestamp())
        report = (
            {"report": "metrics"} if at_risk_s is None else {"report": "sla", "at_risk": at_risk_s}
        )
        self.key = shape_key(scopes[0], policy_fingerprint(policy), report)
        spans = [(int(s.since.timestamp()), int(s.until.timestamp())) for s in scopes]
        self.pieces = cut(spans, zone, self.now)
        self.worked: dict[int, Day] = {}  # whole days worked out, to keep
        self.kept: set[int] = set()  # whole days read from those kept
        # the counts at the end of whole days (the backlog; the SLA report's records open
        # then, breached or at risk) per group: read from the days kept, or worked out for a
        # period ending then (and kept with the day)
        self.ends: dict[int, dict[Key, dict[str, int]]] = {}
        self.new_ends: set[int] = set()

    def reserve(self) -> None:
        """Reserve the whole days not kept yet, before the report's snapshot."""
        wanted = [p for p in self.pieces if p.whole]
        if not wanted:
            return

        def work(connection: Any) -> None:
            kept = marked_days(connection, self.key, wanted[0].starts, wanted[-1].ends, self.now)
            missing = [(p.starts, p.ends) for p in wanted if p.starts not in kept]
            if missing:
                reserve_days(connection, self.key, missing, self.now)

        if not write_aside(self.url, work):
            _log.debug("report days not reserved: the database did not take them")

    def figures(self, uow: UnitOfWork, keep: list[Outcome]) -> list[dict[Key, Figures]]:
        """Each scope's figures per group: the days kept, the others worked out."""
        first, last = self.pieces[0].starts, self.pieces[-1].ends
        whole = {p.starts: p.ends for p in self.pieces if p.whole}
        found = {  # a day kept ending elsewhere (another system zone) is another day
            starts: day
            for starts, day in uow.reports.kept_days(self.key, first, last, self.now).items()
            if whole.get(starts) == day.ends
        }
        kept = {
            starts: {tuple(json.loads(grp)): Sums.decode(sums, durations)
                     for grp, sums, durations in day.groups}
            for starts, day in found.items()
        }  # fmt: skip
        for starts, marked in found.items():
            ends = json.loads(marked.mark or "{}").get("end")
            if ends is not None:
                self.ends[starts] = {tuple(json.loads(g)): n for g, n in ends.items()}
        days: dict[int, Day] = {}
        for run in runs([p for p in self.pieces if not (p.whole and p.starts in kept)]):
            worked = self._work_out(uow, run, keep)
            for piece in run:
                days[piece.starts] = worked.get(piece.day, {})
                if piece.whole:
                    self.worked[piece.starts] = days[piece.starts]
        for starts, day in kept.items():
            days[starts] = day
        self.kept = set(kept)
        return [self._scope_figures(uow, scope, days) for scope in self.scopes]

    def keep(self) -> None:
        """Keep the whole days worked out, those still reserved (no change dropped them),
        and the backlogs worked out at the end of days kept."""
        if not self.worked and not self.new_ends:
            return
        ends = {p.starts: p.ends for p in self.pieces}
        rows = [
            (starts, ends[starts], self._mark(starts),
             [(json.dumps(list(key), default=str), *sums.encode()) for key, sums in day.items()])
            for starts, day in sorted(self.worked.items())
        ]  # fmt: skip
        marks = [(s, self._mark(s)) for s in sorted(self.new_ends & self.kept)]
        if not write_aside(self.url, lambda c: keep_days(c, self.key, rows, self.now, marks)):
            _log.debug("report days not kept: the database did not take them")

    def _mark(self, starts: int) -> str | None:
        ends = self.ends.get(starts)
        if ends is None:
            return None
        counts = {json.dumps(list(key), default=str): n for key, n in ends.items()}
        return json.dumps({"end": counts}, sort_keys=True)

    def _at_end(self, uow: UnitOfWork, scope: Scope) -> dict[Key, dict[str, int]]:
        """The counts per group at the scope's end (the backlog; the SLA report's records
        open then that had breached or were at risk): those kept at the end of a whole day,
        or worked out (and kept with the day when it is a whole one)."""
        until = int(scope.until.timestamp())
        day = next((p for p in self.pieces if p.whole and p.ends == until), None)
        if day is not None and day.starts in self.ends:
            return self.ends[day.starts]
        found: dict[Key, dict[str, int]] = {}
        if self.at_risk_s is None:
            width = len(scope.groups)
            for row in uow.reports.backlog(scope):
                values = list(row.values())
                found[tuple(values[:width])] = {"backlog": int(values[width] or 0)}
        else:
            [tallied] = tallies(uow, self.policy, [scope], open_counts=True,
                                at_risk_s=self.at_risk_s, only_open=True)  # fmt: skip
            for key, tally in tallied.items():
                found[key] = {"sla_breached_open": tally.breached_open,
                              "sla_at_risk": tally.at_risk}  # fmt: skip
        if day is not None:
            self.ends[day.starts] = found
            self.new_ends.add(day.starts)
        return found

    def _work_out(
        self, uow: UnitOfWork, run: Sequence[Piece], keep: list[Outcome]
    ) -> dict[int, Day]:
        """The sums of a run's pieces per local day number and group, from its records."""
        template = self.scopes[0]
        whole = replace(template, since=_at(run[0].starts), until=_at(run[-1].ends))
        offsets = segments(run, self.zone)
        width = len(template.groups)
        found: dict[int, Day] = defaultdict(lambda: defaultdict(Sums))
        reports = uow.reports
        sla = self.at_risk_s is not None  # the SLA report: its tallies alone
        for row in () if sla else reports.run_rows("opened", whole, offsets):
            sums = found[row[width]][tuple(row[:width])]
            sums.counts["opened"] += 1
            if row[width + 1] is not None:
                sums.response.append(int(row[width + 1]))
        for row in () if sla else reports.run_rows("resolved", whole, offsets):
            sums = found[row[width]][tuple(row[:width])]
            resolution_s, reopened, has_feedback, inbound, has_due, on_time = row[width + 1 :]
            sums.resolution.append(int(resolution_s))
            counts = sums.counts
            counts["resolved"] += 1
            counts["reopened"] += reopened
            counts["with_feedback"] += has_feedback
            counts["fcr_population"] += inbound >= 1
            counts["fcr_met"] += inbound == 1 and not reopened
            counts["due_population"] += has_due
            counts["due_met"] += has_due and on_time
        params = template.params()
        satisfied, low_effort = params["satisfied_from"], params["low_effort_up_to"]
        for row in () if sla else reports.run_rows("feedback", whole, offsets):
            counts = found[row[width]][tuple(row[:width])].counts
            csat, ces, score = row[width + 1 :]
            counts["responses"] += 1
            if csat is not None:
                counts["csat_n"] += 1
                counts["csat_top"] += csat >= satisfied
                counts["csat_sum"] += csat
            if ces is not None:
                counts["ces_n"] += 1
                counts["ces_low"] += ces <= low_effort
                counts["ces_sum"] += ces
            if score is not None:
                counts["sqs_n"] += 1
                counts["sqs_sum"] += float(score)
        pieces = [replace(template, since=_at(p.starts), until=_at(p.ends)) for p in run]
        cancels: list[Cancelled] = []
        clocks = tallies(uow, self.policy, pieces, keep=keep, segments=offsets, cancels=cancels,
                         holds=sla)  # fmt: skip
        for piece, by_group in zip(run, clocks, strict=True):
            for key, tally in by_group.items():
                add(found[piece.day][key].counts, tally.as_sums())
        for cancel in cancels:
            found[run[cancel.period].day][cancel.key].cancelled.append(
                (cancel.at, cancel.clock, cancel.met)
            )
        for day in found.values():
            for sums in day.values():
                sums.response = array("q", sorted(sums.response))
                sums.resolution = array("q", sorted(sums.resolution))
        return found

    def _scope_figures(
        self, uow: UnitOfWork, scope: Scope, days: dict[int, Day]
    ) -> dict[Key, Figures]:
        since, until = int(scope.since.timestamp()), int(scope.until.timestamp())
        counts: dict[Key, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        durations: dict[Key, tuple[list[array[int]], list[array[int]]]] = defaultdict(
            lambda: ([], [])
        )
        known = min(until, self.now)  # a clock of a record cancelled later counts if by then
        for piece in self.pieces:
            if since <= piece.starts and piece.ends <= until:
                for key, sums in days.get(piece.starts, {}).items():
                    into = counts[key]
                    add(into, sums.counts)
                    for cancelled_at, clock, met in sums.cancelled:
                        if known < cancelled_at:
                            into[f"sla_{clock}_decided"] += 1
                            into[f"sla_{clock}_met"] += met
                    response, resolution = durations[key]
                    response.append(sums.response)
                    resolution.append(sums.resolution)
        for key, at_end in self._at_end(uow, scope).items():
            if any(at_end.values()):
                add(counts[key], at_end)
        return {  # a group with nothing counted (a record cancelled before: none) is none
            key: self.finish(found, *durations.get(key, ([], [])))
            for key, found in counts.items()
            if any(found.values())
        }


def _at(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, UTC)
