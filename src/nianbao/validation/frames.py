"""Reshape the tables of a batch of agency-years into the frames Great Expectations judges.

Every frame holds all agency-years of the batch at once (key columns ``agency_id``, ``year``, ``key``),
so one validation run covers a whole build. The derived columns each rule compares are computed
here in pandas (sums keep blanks as <NA>, so a sum with a blank operand is <NA> and GX skips it);
whether they hold is for Great Expectations to say. See ``nianbao.validation.suites`` for the frame layout.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import Any

import pandas as pd

from nianbao.format import Format, Rule, Table, cell_kind
from nianbao.model import AgencyYear
from nianbao.validation.suites import (
    CELLS,
    KEY_COLUMNS,
    column_parts,
    derived,
    field_keys,
    frame_of,
    gx_rules,
    stock_records,
    sum_parts,
)

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
    fkeys = field_keys(table)
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
    fkeys = field_keys(table)
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


def _sum(frame: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    """Row-wise sum that stays <NA> when any operand is blank."""
    return reduce(operator.add, (frame[c] for c in columns))


def _shifted(frame: pd.DataFrame, columns: list[str], renamed: Mapping[str, str]) -> pd.DataFrame:
    """Previous years' columns keyed as the following year, for a left merge."""
    out = frame[[*KEY_COLUMNS, *columns]].rename(columns=dict(renamed))
    out["year"] = out["year"] + 1
    return out


def _with_last_year(frame: pd.DataFrame, prev_frame: pd.DataFrame | None, column: str, name: str) -> pd.DataFrame:
    if prev_frame is None or prev_frame.empty:
        frame[name] = pd.array([None] * len(frame), dtype="Int64")
        return frame
    shifted = _shifted(prev_frame, [column], {column: name})
    return frame.merge(shifted, on=list(KEY_COLUMNS), how="left", validate="one_to_one")


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
        assert df is not None
        frames[name] = _derive(fmt, rule, df, lambda n=name: frame(n, prev=True))
    return frames


def _derive(fmt: Format, rule: Rule, df: pd.DataFrame, prev_frame) -> pd.DataFrame:
    o = rule.options
    table = fmt.tables[rule.table] if rule.table else None
    assert table is not None
    if rule.kind in {"row_sum", "record_sum"}:
        parts = set()
        for r in table.records:
            parts.update(sum_parts(table, rule, r) or [])
        df[derived(rule, "parts")] = _sum(df, [p for p in o["parts"] if p in parts])
    elif rule.kind == "stock":
        name = derived(rule, "last_year")
        df = _with_last_year(df, prev_frame(), o["stock"], name)
        expected = df[name] + df[o["added"]] - df[o["removed"]]
        applies = df["key"].isin([r.key for r in stock_records(table, rule)])
        df[derived(rule, "expected")] = expected.where(applies, pd.NA)
        df = df.drop(columns=[name])
    elif rule.kind == "column_sum":
        df[derived(rule, "parts")] = _sum(df, column_parts(table, rule))
    elif rule.kind == "column_balance":
        df[derived(rule, "left")] = _sum(df, o["left"])
        df[derived(rule, "right")] = _sum(df, o["right"])
    elif rule.kind == "carry":
        df = _with_last_year(df, prev_frame(), o["last_year"], derived(rule, "last_year"))
    return df
