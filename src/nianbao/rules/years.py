"""Cross-year kinds: this year's report against last year's (``carry``, ``stock``).

They apply only when the previous year's report of the same agency is at hand; without it they
are silent, and when its params file is unreadable the validator reports them as not evaluated
(``cross_year``).

``carry`` (``this_year``, ``last_year``: record keys): in every field, this year's ``this_year``
record equals last year's ``last_year`` record (checked on ``<table>-fields``).

``stock`` (``stock``, ``added``, ``removed``: field keys): in every record that has all three,
``stock`` = last year's ``stock`` + ``added`` − ``removed`` (checked on ``<table>-records``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao.format import Format, Record, Rule, Table
from nianbao.rules import columns
from nianbao.rules.registry import (
    Instance,
    PreviousFrame,
    RuleKind,
    derived,
    field_instances,
    pair,
    record_where,
    register,
    table_of,
)
from nianbao.rules.wording import number, quoted

if TYPE_CHECKING:
    import pandas as pd

    from nianbao.model import AgencyYear


@register("carry")
class Carry(RuleKind):
    """This year's ``this_year`` record equals last year's ``last_year`` record, field by field."""

    frame = "fields"
    cross_year = True

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [pair(rule, rule.options["this_year"], derived(rule, "last_year"))]

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        return columns.with_last_year(df, previous(), rule.options["last_year"], derived(rule, "last_year"))

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        return field_instances(fmt, rule, [rule.options["this_year"]], prev_record=rule.options["last_year"])

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        table, o = inst.table, inst.rule.options
        this, last = table.record(o["this_year"]).label, table.record(o["last_year"]).label
        return (
            f"{inst.where}：本年{quoted(this)}为{number(left)}，而{item.year - 1}年度报告的{quoted(last)}"
            f"为{number(right)}，相差{number(left - right)}。"
        )


@register("stock")
class Stock(RuleKind):
    """``stock`` = last year's ``stock`` + ``added`` − ``removed``, in every record that has all three."""

    frame = "records"
    cross_year = True

    @staticmethod
    def records(table: Table, rule: Rule) -> list[Record]:
        """Records that hold the stock, added and removed fields."""
        need = {rule.options["stock"], rule.options["added"], rule.options["removed"]}
        return [r for r in table.records if need <= {f.key for f in r.fields}]

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [pair(rule, rule.options["stock"], derived(rule, "expected"))]

    def derive(self, rule: Rule, table: Table, df: pd.DataFrame, previous: PreviousFrame) -> pd.DataFrame:
        import pandas as pd

        o = rule.options
        name = derived(rule, "last_year")
        df = columns.with_last_year(df, previous(), o["stock"], name)
        expected = df[name] + df[o["added"]] - df[o["removed"]]
        applies = df["key"].isin([r.key for r in self.records(table, rule)])
        df[derived(rule, "expected")] = expected.where(applies, pd.NA)
        return df.drop(columns=[name])

    def instances(self, fmt: Format, rule: Rule) -> list[Instance]:
        table, o = table_of(fmt, rule), rule.options
        out = []
        for record in self.records(table, rule):
            keys = [o["stock"], o["added"], o["removed"]]
            cells = tuple(table.cell_ref(record, k) for k in keys)
            labels = {table.cell_ref(record, k): record.field(k).label for k in keys}
            prev = (table.cell_ref(record, o["stock"]),)
            out.append(Instance(rule, table, record.key, record_where(table, record.key), cells, prev, labels))
        return out

    def message(self, inst: Instance, item: AgencyYear, prev: AgencyYear | None, left: Any, right: Any) -> str:
        labels = inst.labels or {}
        stock, added, removed = inst.cells
        p = prev.tables[inst.prev_cells[0]] if prev else None
        return (
            f"{inst.where}：{quoted(labels[stock])}为{number(left)}，而{item.year - 1}年度{quoted(labels[stock])}"
            f"{number(p)}加{quoted(labels[added])}{number(item.tables[added])}"
            f"减{quoted(labels[removed])}{number(item.tables[removed])}"
            f"为{number(right)}，相差{number(left - right)}（修订、失效等情形可致不一致，请核实）。"
        )
