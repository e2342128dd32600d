"""Fingerprints of source rows: equal values, equal fingerprints; nothing else collides."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from svcops.domain.fingerprint import Fingerprints

cells = st.one_of(st.none(), st.text(max_size=6), st.integers(-3, 3))
rows = st.dictionaries(st.text(min_size=1, max_size=4), cells, max_size=4)


def test_identical_rows_are_told_apart_by_their_occurrence():
    first, second = Fingerprints(), Fingerprints()
    row = {"title": "Printer down", "impact": "2"}
    made = [first.of_row("incident", row) for _ in range(3)]
    assert len(set(made)) == 3
    assert [second.of_row("incident", dict(reversed(row.items()))) for _ in range(3)] == made
    assert Fingerprints().of_row("problem", row) != made[0]


def test_a_value_cannot_pass_for_a_column_boundary():
    forged = {"assignee": "bob\x1fcategory\x1ecat", "category": None, "title": "T"}
    plain = {"assignee": "bob", "category": "cat", "title": "T"}
    assert Fingerprints().of_row("incident", forged) != Fingerprints().of_row("incident", plain)
    assert Fingerprints().of_row("x", {"a": "1:b1:c"}) != Fingerprints().of_row(
        "x", {"a": "1", "b": "c"}
    )


@given(rows, rows)
def test_rows_with_other_values_have_other_fingerprints(one, other):
    """Empty cells (None) make no difference; any other difference does, 2 and "2" included."""
    same = {k: v for k, v in one.items() if v is not None} == {
        k: v for k, v in other.items() if v is not None
    }
    assert (Fingerprints().of_row("k", one) == Fingerprints().of_row("k", other)) == same
