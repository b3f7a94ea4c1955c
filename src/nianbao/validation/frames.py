"""Reshape the tables of a batch of agency-years into the frames Great Expectations judges.

Every frame holds all agency-years of the batch at once (key columns ``agency_id``, ``year``, ``key``),
so one validation run covers a whole build. The derived columns each rule compares are added by the
rule's kind (``RuleKind.derive`` in ``nianbao.rules``; sums keep blanks as <NA>, so a sum with a blank
operand is <NA> and GX skips it); whether they hold is for Great Expectations to say. See
``nianbao.validation.suites`` for the frame layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from nianbao.format import Format, Table, cell_kind
from nianbao.model import AgencyYear
from nianbao.rules import CELLS, kind_of
from nianbao.validation.suites import frame_of, gx_rules

AgencyYearKey = tuple[str, int]


def key_of(item: AgencyYear) -> AgencyYearKey:
    return (item.agency.id, item.year)


def _keys(items: Sequence[AgencyYear], repeat: int) -> dict[str, list]:
    return {
        "agency_id": [i.agency.id for i in items for _ in range(repeat)],
        "year": [i.year for i in items for _ in range(repeat)],
    }


def _column(values: list, kind: str) -> Any:
    """Counts as nullable integers; anything else (or counts that are not integers: the ``counts``
    rule reports those) as objects, blanks as <NA>."""
    if kind == "count":
        try:
            return pd.array(values, dtype="Int64")
        except (TypeError, ValueError):
            pass
    return pd.Series([pd.NA if v is None else v for v in values], dtype="object")


def cells_frame(fmt: Format, items: Sequence[AgencyYear]) -> pd.DataFrame:
    """One row per cell of every agency-year: ``value`` (any kind), ``count`` (whole-number kinds only)
    and ``unsigned`` (kinds that may not be negative: all but the 2019 format's 本年增/减)."""
    refs, kinds = [], []
    for table in fmt.tables.values():
        for record, f in table.cells():
            refs.append(table.cell_ref(record, f.key))
            kinds.append(f.kind)
    values = [item.tables[ref] for item in items for ref in refs]
    is_count = kinds * len(items)
    data = _keys(items, len(refs))
    data["key"] = refs * len(items)
    frame = pd.DataFrame(data)
    frame["value"] = pd.Series(values, dtype="object")
    kinds_ = [cell_kind(k) for k in is_count]
    frame["count"] = pd.Series([v if k.integral else None for v, k in zip(values, kinds_, strict=True)], dtype="object")
    frame["unsigned"] = pd.Series(
        [None if k.signed else v for v, k in zip(values, kinds_, strict=True)], dtype="object"
    )
    return frame


def records_frame(table: Table, items: Sequence[AgencyYear]) -> pd.DataFrame:
    """One row per record of ``table`` per agency-year, one column per field (<NA> where a record has no such field)."""
    fkeys = table.field_keys()
    kinds = {f.key: f.kind for _, f in table.cells()}
    records = table.records
    data = _keys(items, len(records))
    data["key"] = [r.key for _ in items for r in records]
    frame = pd.DataFrame(data)
    for fk in fkeys:
        refs = [table.cell_ref(r, fk) if any(f.key == fk for f in r.fields) else None for r in records]
        col = [item.tables[ref] if ref else None for item in items for ref in refs]
        frame[fk] = _column(col, kinds[fk])
    return frame


def fields_frame(table: Table, items: Sequence[AgencyYear]) -> pd.DataFrame:
    """The table transposed: one row per field per agency-year, one column per record."""
    fkeys = table.field_keys()
    data = _keys(items, len(fkeys))
    data["key"] = [fk for _ in items for fk in fkeys]
    frame = pd.DataFrame(data)
    kinds = {f.key: f.kind for _, f in table.cells()}
    for r in table.records:
        own = {f.key for f in r.fields}
        refs = [table.cell_ref(r, fk) if fk in own else None for fk in fkeys]
        col = [item.tables[ref] if ref else None for item in items for ref in refs]
        kind = "count" if all(kinds[fk] == "count" for fk in fkeys) else "amount"
        frame[r.key] = _column(col, kind)
    return frame


def build_frames(
    fmt: Format, items: Sequence[AgencyYear], previous: Sequence[AgencyYear] = ()
) -> dict[str, pd.DataFrame]:
    """Frame name → frame with every derived column the format's table rules compare.

    ``previous`` holds the agency-years of the year before items (for the cross-year rules); they
    are read, not validated.
    """
    frames: dict[str, pd.DataFrame] = {CELLS: cells_frame(fmt, items)}
    prev_frames: dict[str, pd.DataFrame] = {}

    def frame(name: str, prev: bool = False) -> pd.DataFrame | None:
        store, source = (prev_frames, previous) if prev else (frames, items)
        if name not in store:
            if prev and not source:
                return None
            table_key, shape = name.rsplit("-", 1)
            table = fmt.tables[table_key]
            store[name] = records_frame(table, source) if shape == "records" else fields_frame(table, source)
        return store[name]

    for rule in gx_rules(fmt):
        name = frame_of(rule)
        if name is None or name == CELLS:
            continue
        df = frame(name)
        assert df is not None and rule.table is not None

        def previous_frame(n: str = name) -> pd.DataFrame | None:
            return frame(n, prev=True)

        frames[name] = kind_of(rule).derive(rule, fmt.tables[rule.table], df, previous_frame)
    return frames
