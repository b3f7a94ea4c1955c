"""Sum kinds: a total equals the sum of its parts (``row_sum``/``record_sum``, ``column_sum``), and
two sums of records balance (``column_balance``).

"The parts of a sum" are defined here once, by ``sums``, and every user reads them from there:
the validator's instances and derived columns, the workbook's =SUM formulas and the importer's
digit-splitting constraints.

Within-record sums (``row_sum``, ``record_sum``; options ``total`` and ``parts``, field keys): a
record takes part when it has the ``total`` field and at least one of the ``parts`` fields; its
total is the sum of the parts that it has, in the rule's order. A record without the total field
(or without any part) is not checked. So a template whose record lacks one part field still gets
that record's total checked, as the sum of the parts it does have, by all users alike.

Column sums (``column_sum``; ``total``, a record key, and ``parts_under``, a record group): in every
field, the total record equals the sum of the records under ``parts_under`` other than the total.

Balance (``column_balance``; ``left`` and ``right``, record keys): in every field, the sum of the
``left`` records equals the sum of the ``right`` records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao.format import Format, Record, Rule, Table
from nianbao.rules import columns
from nianbao.rules.registry import (
    Balance,
    Instance,
    PreviousFrame,
    RuleKind,
    Sum,
    derived,
    field_instances,
    pair,
    record_where,
    register,
    table_of,
)
from nianbao.rules.wording import number, quoted, relative_label

if TYPE_CHECKING:
    import pandas as pd

    from nianbao.model import AgencyYear


@register("row_sum", "record_sum")
class RecordSum(RuleKind):
    """Within a record, ``total`` = the sum of the ``parts`` it has (checked on ``<table>-records``)."""

    frame = "records"

    @staticmethod
    def parts(rule: Rule, record: Record) -> list[str] | None:
        """Field keys the record's total adds up, or None when the rule does not apply to the record."""
        fields = {f.key for f in record.fields}
        parts = [p for p in rule.options["parts"] if p in fields]
        if rule.options["total"] not in fields or not parts:
            return None
        return parts

    def sums(self, table: Table, rule: Rule) -> list[Sum]:
        out = []
        for record in table.records:
            parts = self.parts(rule, record)
            if parts is not None:
                cells = tuple(table.cell_ref(record, p) for p in parts)
                out.append(Sum(record.key, table.cell_ref(record, rule.options["total"]), cells))
        return out

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [pair(rule, rule.options["total"], derived(rule, "parts"))]

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        # Each record's sum counts only its own parts: a part field the record lacks adds 0 to it.
        own = {r.key: set(parts) for r in table.records if (parts := self.parts(rule, r)) is not None}
        used = [p for p in rule.options["parts"] if any(p in keys for keys in own.values())]
        operands = []
        for p in used:
            lacking = [k for k, keys in own.items() if p not in keys]
            operands.append(df[p].mask(df["key"].isin(lacking), 0) if lacking else df[p])
        df[derived(rule, "parts")] = columns.total(operands)
        return df

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        table = table_of(fmt, rule)
        out = []
        for s in self.sums(table, rule):
            labels = {c: fmt.cell(c)[2].label for c in s.cells}
            out.append(Instance(rule, table, s.key, record_where(table, s.key), s.cells, labels=labels))
        return out

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        labels = inst.labels or {}
        total, *parts = inst.cells
        names = "、".join(quoted(labels[c]) for c in parts)
        return (
            f"{inst.where}：{quoted(labels[total])}为{number(left)}，而{names}之和为{number(right)}，"
            f"相差{number(left - right)}。"
        )


@register("column_sum")
class ColumnSum(RuleKind):
    """In every field, record ``total`` = the sum of the records under ``parts_under`` (on ``<table>-fields``)."""

    frame = "fields"

    @staticmethod
    def parts(table: Table, rule: Rule) -> list[str]:
        """Record keys the total adds up: every record under ``parts_under`` except the total."""
        prefix = rule.options["parts_under"] + "."
        total = rule.options["total"]
        return [r.key for r in table.records if r.key.startswith(prefix) and r.key != total]

    def sums(self, table: Table, rule: Rule) -> list[Sum]:
        total, parts = rule.options["total"], self.parts(table, rule)
        return [
            Sum(fk, table.cell_ref(total, fk), tuple(table.cell_ref(p, fk) for p in parts)) for fk in table.field_keys()
        ]

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [pair(rule, rule.options["total"], derived(rule, "parts"))]

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        df[derived(rule, "parts")] = columns.summed(df, self.parts(table, rule))
        return df

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        table = table_of(fmt, rule)
        return field_instances(fmt, rule, [rule.options["total"], *self.parts(table, rule)])

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        table, rule = inst.table, inst.rule
        parts, under = self.parts(table, rule), rule.options["parts_under"]
        first, last = quoted(relative_label(table, parts[0], under)), quoted(relative_label(table, parts[-1], under))
        total = quoted(relative_label(table, rule.options["total"], under))
        return (
            f"{inst.where}：{total}为{number(left)}，而{first}至{last}共{len(parts)}项之和为{number(right)}，"
            f"相差{number(left - right)}。"
        )


@register("column_balance")
class ColumnBalance(RuleKind):
    """In every field, the ``left`` records add up to the ``right`` records (on ``<table>-fields``)."""

    frame = "fields"

    def balances(self, table: Table, rule: Rule) -> list[Balance]:
        o = rule.options
        return [
            Balance(
                fk,
                tuple(table.cell_ref(r, fk) for r in o["left"]),
                tuple(table.cell_ref(r, fk) for r in o["right"]),
            )
            for fk in table.field_keys()
        ]

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [pair(rule, derived(rule, "left"), derived(rule, "right"))]

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        df[derived(rule, "left")] = columns.summed(df, rule.options["left"])
        df[derived(rule, "right")] = columns.summed(df, rule.options["right"])
        return df

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        return field_instances(fmt, rule, [*rule.options["left"], *rule.options["right"]])

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        table, o = inst.table, inst.rule.options
        lhs = "加".join(quoted(table.record(r).label) for r in o["left"])
        rhs = "加".join(quoted(table.record(r).label) for r in o["right"])
        return f"{inst.where}：{lhs}为{number(left)}，而{rhs}为{number(right)}，相差{number(left - right)}。"
