"""A report's time in pieces of local days (domain/day_pieces.py): hand-worked cuts across a
daylight-saving change, and properties over random periods in zones with odd offsets."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from svcops.domain.day_pieces import cut, runs, segments
from svcops.store.report_scope import _BACK

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [ZoneInfo(z) for z in ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata",
                                "Australia/Lord_Howe", "Pacific/Chatham")]  # fmt: skip


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def sql_day(moment: int, offsets: list[tuple[int, int]]) -> int:
    """What store/report_scope.py local_day works out in SQL, in Python's integers (the
    shift keeps the dividend positive, so truncating and flooring division agree)."""
    offset = offsets[0][1]
    for start, after in offsets[1:]:
        if moment >= start:
            offset = after
    return (moment + offset + _BACK) // 86400 - _BACK // 86400


def test_a_week_across_the_autumn_change_in_berlin():
    # Sat 2026-10-24 12:00 CEST to Tue 10-27 12:00 CET; clocks go back Sun 10-25 03:00 CEST
    since, until = at("2026-10-24T12:00:00+02:00"), at("2026-10-27T12:00:00+01:00")
    now = at("2026-11-01T00:00:00+01:00")
    pieces = cut([(since, until)], BERLIN, now)
    assert [(p.starts, p.ends, p.whole) for p in pieces] == [
        (since, at("2026-10-25T00:00:00+02:00"), False),  # from noon: not a whole day
        (at("2026-10-25T00:00:00+02:00"), at("2026-10-26T00:00:00+01:00"), True),  # 25 hours
        (at("2026-10-26T00:00:00+01:00"), at("2026-10-27T00:00:00+01:00"), True),
        (at("2026-10-27T00:00:00+01:00"), until, False),
    ]
    assert pieces[2].ends - pieces[1].ends == 86400 and pieces[1].ends - pieces[1].starts == 90000
    (run,) = runs(pieces)
    offsets = segments(run, BERLIN)
    assert offsets == [(since, 7200), (at("2026-10-25T01:00:00+00:00"), 3600)]  # 03:00 CEST
    for piece in pieces:
        assert sql_day(piece.starts, offsets) == sql_day(piece.ends - 1, offsets) == piece.day


def test_periods_cut_where_they_meet_and_at_midnight():
    # the default report: the 7 days to now and the 7 before, meeting at 10:30: Nov 20 from
    # 10:30, Nov 21-26, Nov 27 to 10:30 | Nov 27 from 10:30, Nov 28 - Dec 3, Dec 4 to 10:30
    now = at("2026-12-04T10:30:00+00:00")
    spans = [(now - 14 * 86400, now - 7 * 86400), (now - 7 * 86400, now)]
    pieces = cut(spans, ZoneInfo("UTC"), now)
    assert len(pieces) == 16 and sum(p.whole for p in pieces) == 12
    # the day the periods meet in is two pieces, in two runs (one run reads one piece a day)
    assert [len(r) for r in runs(pieces)] == [8, 8]
    # a day not yet over is no whole day
    today = cut([(at("2026-12-04T00:00:00+00:00"), at("2026-12-05T00:00:00+00:00"))],
                ZoneInfo("UTC"), now)  # fmt: skip
    assert [p.whole for p in today] == [False]


moments = st.integers(min_value=at("2020-01-01T00:00:00+00:00"),
                      max_value=at("2030-01-01T00:00:00+00:00"))  # fmt: skip


@given(
    zone=st.sampled_from(ZONES),
    start=moments,
    lengths=st.lists(st.integers(min_value=1, max_value=40 * 86400), min_size=1, max_size=4),
    gap=st.integers(min_value=0, max_value=3 * 86400),
    now_after=st.integers(min_value=-60 * 86400, max_value=60 * 86400),
)
@settings(max_examples=300, deadline=None)
def test_pieces_cover_the_periods_each_within_one_local_day(zone, start, lengths, gap, now_after):
    spans, edge = [], start
    for n, length in enumerate(lengths):
        spans.append((edge, edge + length))
        edge += length + (gap if n == 0 else 0)  # the first may leave a gap (--by day)
    now = edge + now_after
    pieces = cut(spans, zone, now)
    # sorted, disjoint, and exactly the periods' time
    assert all(a.ends <= b.starts for a, b in pairwise(pieces))
    assert sum(p.ends - p.starts for p in pieces) == sum(b - a for a, b in spans)
    for piece in pieces:
        assert any(a <= piece.starts and piece.ends <= b for a, b in spans)
        first = datetime.fromtimestamp(piece.starts, zone).date()
        last = datetime.fromtimestamp(piece.ends - 1, zone).date()
        assert first == last and (first - datetime(1970, 1, 1).date()).days == piece.day
        local = datetime.fromtimestamp(piece.starts, zone)
        midnight = local.hour == local.minute == local.second == 0
        following = datetime.fromtimestamp(piece.ends, zone)
        ends_at_midnight = following.hour == following.minute == following.second == 0
        assert piece.whole == (midnight and ends_at_midnight and piece.ends <= now)
    # runs: consecutive pieces, one a day; the SQL's day number of any moment is its piece's
    joined = [p for run in runs(pieces) for p in run]
    assert joined == pieces
    for run in runs(pieces):
        assert all(a.ends == b.starts and a.day < b.day for a, b in pairwise(run))
        offsets = segments(run, zone)
        for piece in run:
            for moment in (piece.starts, (piece.starts + piece.ends) // 2, piece.ends - 1):
                assert sql_day(moment, offsets) == piece.day
