"""The field catalogue is the one definition: the record table, the kinds and the outputs agree
with it."""

from __future__ import annotations

import pytest

from svcops.domain import fields as catalogue
from svcops.domain.errors import InvalidInput
from svcops.domain.fields import Field, Type
from svcops.domain.kinds import LIFECYCLES
from svcops.store.tables import Record, StoredRecord


def test_the_record_table_has_the_catalogue_columns_with_their_initial_values() -> None:
    columns = [name for name in StoredRecord.model_fields if name not in ("id", "attributes")]
    stored = {"customer": "customer_id", "problem": "problem_id"}
    assert columns == [stored.get(f.name, f.name) for f in catalogue.RECORD_FIELDS]
    table = Record.__table__.c  # type: ignore[attr-defined]
    for f in catalogue.RECORD_FIELDS:
        column = stored.get(f.name, f.name)
        if f.initial is not None:
            assert StoredRecord.model_fields[column].default == f.initial, f.name
        # a field every record has is a NOT NULL column (a flag or count with its initial too)
        assert table[column].nullable == (not f.required and f.initial is None), f.name


def test_every_kind_names_catalogue_fields_and_shows_them_after_the_common_ones() -> None:
    for life in LIFECYCLES.values():
        shown = catalogue.shown_fields(life.fields)
        assert shown[:3] == ("key", "kind", "title")
        clocks = len(catalogue.CLOCK_NAMES)
        assert shown[-clocks - len(life.fields) : -clocks] == life.fields
        assert all(not catalogue.field_named(name).common for name in life.fields)
    # every record shows its SLA clocks last (PRODUCT.md section 7)
    assert catalogue.shown_fields(LIFECYCLES["incident"].fields)[-7:] == (
        "reopen_count", "hold_reason", "problem",
        "response_due_at", "resolution_due_at", "sla_response", "sla_resolution",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [("impact", " 2 ", 2), ("priority", "p1", "P1"), ("channel", "Email", "email"),
     ("model", "SUPPORT", "support"), ("reopen_count", "007", 7),
     ("priority_overridden", "yes", True)],
)  # fmt: skip
def test_a_field_reads_its_text_by_its_own_rule(name: str, text: str, value: object) -> None:
    assert catalogue.field_named(name).read(text) == value


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [("impact", "4", "impact must be 1, 2 or 3, not 4"),
     ("channel", "fax", "unknown channel 'fax'"),
     ("reopen_count", "-1", "reopen_count must be a whole number, not '-1'"),
     ("reopen_count", "2000000000", "reopen_count must be a whole number from 0 to 1000000000"),
     ("priority_overridden", "maybe", "priority_overridden must be true or false")],
)  # fmt: skip
def test_a_field_refuses_what_its_rule_does_not_allow(name: str, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        catalogue.field_named(name).read(text)


def test_a_kind_defines_its_own_fields_once() -> None:
    size = Field("team_size", Type.WHOLE, common=False, column=False, low=1, high=9)
    catalogue.define(size)
    try:
        assert catalogue.own_fields(("hold_reason", "team_size")) == (size,)
        catalogue.define(size)  # the same definition again is no change
        with pytest.raises(ValueError, match="already defined otherwise"):
            catalogue.define(Field("team_size", Type.TEXT, common=False, column=False))
    finally:
        catalogue.forget("team_size")
    with pytest.raises(ValueError, match="no column"):
        catalogue.define(Field("title2", Type.TEXT))
    with pytest.raises(KeyError):
        catalogue.field_named("team_size")


@pytest.mark.parametrize("name", ["type", "note", "title", "attributes", "customer_id"])
def test_a_kind_cannot_take_a_name_records_already_use(name: str) -> None:
    with pytest.raises(ValueError, match="the name is taken"):
        catalogue.define(Field(name, Type.TEXT, common=False, column=False))


def test_a_kind_points_at_other_records_by_a_capability_not_a_key_field() -> None:
    with pytest.raises(ValueError, match="cannot be a key"):
        catalogue.define(Field("parent", Type.KEY, common=False, column=False))


def test_kinds_must_agree_on_their_links() -> None:
    from dataclasses import replace

    from svcops.domain import kinds

    change = replace(LIFECYCLES["request"], kind="change", noun="change", plural="changes",
                     prefix="CHG", links_to="problem")  # fmt: skip
    with pytest.raises(ValueError, match="change and problem do not agree on their links"):
        kinds.register(change)
    assert "change" not in LIFECYCLES and "CHG" not in kinds.BY_PREFIX
