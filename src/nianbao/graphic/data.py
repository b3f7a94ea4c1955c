"""What each chart of the 图解 shows, read from an agency-year's params: plain data, no drawing.

The charts are data (``charts.yaml``): each names a kind, a table of the national format and rows or cells
by their refs; the labels come from the format itself. Each kind is one class in ``KINDS`` that turns a
spec and the agency's years into a ``Chart`` — bars with their values, or no value and the reason
(未填写 for a blank cell, 不可比 across formats). A blank is never drawn or summed as 0: a bar or sum that
needs a blank cell has no value, and says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from nianbao.format.comparable import comparison
from nianbao.format.spec import Node, Table
from nianbao.graphic import SOURCE, chart_keys, specs
from nianbao.model import AgencyYear

BLANK = "未填写"
NOT_COMPARABLE = "不可比"

Number = int | float


@dataclass(frozen=True)
class Bar:
    """One bar: its label as the format words it, its value, or none and why."""

    label: str
    value: Number | None
    refs: tuple[str, ...]  # the cells it adds up (one for a plain cell)
    group: str = ""  # the heading it stands under ("" for none)
    note: str = ""  # why there is no value: 未填写, 不可比 …

    @property
    def text(self) -> str:
        """How the value is printed on the bar and in the data table."""
        return self.note if self.value is None else f"{self.value:,}"


@dataclass(frozen=True)
class Chart:
    key: str
    kind: str
    title: str
    unit: str
    bars: tuple[Bar, ...]
    totals: tuple[Bar, ...] = ()  # the stated total of the chart (label ""), or of each group (label = group)
    empty: str = ""  # why nothing is drawn (a trend of one year); the data table still shows the bars

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(b.group for b in self.bars))

    def total(self, group: str = "") -> Bar | None:
        return next((t for t in self.totals if t.label == group), None)

    @property
    def description(self) -> str:
        """The chart in one text (the SVG's desc and the image's alt text): every value, blanks said."""
        parts = []
        for group in self.groups:
            total = self.total(group)
            head = f"{group}（总计 {_with_unit(total, self.unit)}）" if group and total else group
            items = "，".join(f"{b.label} {_with_unit(b, self.unit)}" for b in self.bars if b.group == group)
            parts.append(f"{head}：{items}" if head else items)
        total = self.total("")
        if total is not None:
            parts.append(f"总计 {_with_unit(total, self.unit)}")
        if self.empty:
            parts.append(self.empty)
        return f"{self.title}。" + "；".join(parts) + "。"


def _with_unit(bar: Bar, unit: str) -> str:
    return bar.note if bar.value is None else f"{bar.value:,} {unit}"


def _plain(value: Any) -> Number | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def sum_cells(params: AgencyYear, refs: Sequence[str], label: str, group: str = "") -> Bar:
    """A bar adding up ``refs`` of ``params``: no value when a cell is blank (未填写) or the params' format
    has no such cell (不可比)."""
    values = params.tables
    if any(ref not in values for ref in refs):
        return Bar(label, None, tuple(refs), group, NOT_COMPARABLE)
    cells = [_plain(values[ref]) for ref in refs]
    if any(v is None for v in cells):
        return Bar(label, None, tuple(refs), group, BLANK)
    return Bar(label, sum(v for v in cells if v is not None), tuple(refs), group)


def _leaves_under(node: Node, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """The record paths of every row under ``node`` (itself when it is a row)."""
    here = (*path, node.key or "")
    if node.is_leaf:
        yield here
    for child in node.children:
        yield from _leaves_under(child, here)


def _find(nodes: Sequence[Node], key: str) -> Node:
    for node in nodes:
        if node.key == key:
            return node
    raise KeyError(key)


class Kind:
    """How one kind of chart reads its bars from the params (``charts.yaml``'s ``kind``)."""

    name: ClassVar[str]

    def chart(self, spec: Mapping[str, Any], params: AgencyYear, years: Sequence[AgencyYear]) -> Chart:
        raise NotImplementedError


class Columns(Kind):
    """One bar per value column of a row; columns under a common header are grouped under it."""

    name = "columns"

    def chart(self, spec: Mapping[str, Any], params: AgencyYear, years: Sequence[AgencyYear]) -> Chart:
        table: Table = params.fmt.tables[spec["table"]]
        record = spec["record"]
        roots = table.columns
        while len(roots) == 1 and roots[0].children:  # a header over every column (申请人情况) groups nothing
            roots = roots[0].children
        bars: list[Bar] = []
        for top in roots:
            group = "" if top.is_leaf else top.label
            for leaf in top.leaves():
                if leaf.key == spec.get("total") or leaf.key is None:
                    continue
                bars.append(sum_cells(params, [table.cell_ref(record, leaf.key)], leaf.label, group))
        totals = ()
        if spec.get("total"):
            totals = (sum_cells(params, [table.cell_ref(record, spec["total"])], ""),)
        return Chart(spec["key"], self.name, spec["title"], spec["unit"], tuple(bars), totals)


class Children(Kind):
    """One bar per child row of a row group; a child group is the sum of its rows."""

    name = "children"

    def chart(self, spec: Mapping[str, Any], params: AgencyYear, years: Sequence[AgencyYear]) -> Chart:
        table: Table = params.fmt.tables[spec["table"]]
        column = spec["field"]
        parent = _find(table.rows, spec["record"])
        bars, totals = [], []
        for child in parent.children:
            refs = [table.cell_ref(".".join(p), column) for p in _leaves_under(child, (spec["record"],))]
            if child.key == spec.get("total"):
                totals.append(sum_cells(params, refs, ""))
            else:
                bars.append(sum_cells(params, refs, child.label))
        return Chart(spec["key"], self.name, spec["title"], spec["unit"], tuple(bars), tuple(totals))


class Records(Kind):
    """One group of bars per record of a table (表四's columns), its total in the group's heading."""

    name = "records"

    def chart(self, spec: Mapping[str, Any], params: AgencyYear, years: Sequence[AgencyYear]) -> Chart:
        table: Table = params.fmt.tables[spec["table"]]
        bars, totals = [], []
        for record in table.records:
            group = record.label
            for f in record.fields:
                is_total = f.key == spec.get("total")
                bar = sum_cells(params, [table.cell_ref(record, f.key)], group if is_total else f.label, group)
                (totals if is_total else bars).append(bar)
        return Chart(spec["key"], self.name, spec["title"], spec["unit"], tuple(bars), tuple(totals))


class Trend(Kind):
    """Each figure in every year of the agency up to the report's (one group of bars per figure)."""

    name = "trend"

    def chart(self, spec: Mapping[str, Any], params: AgencyYear, years: Sequence[AgencyYear]) -> Chart:
        history = sorted((y for y in years if y.year <= params.year), key=lambda y: y.year)
        bars = []
        for figure in spec["figures"]:
            for year in history:
                refs = list(figure["cells"])
                match = comparison(year.fmt.version, params.fmt.version)
                if match is None or any(ref not in match.cells for ref in refs):
                    bars.append(Bar(f"{year.year}年", None, tuple(refs), figure["label"], NOT_COMPARABLE))
                    continue
                bars.append(sum_cells(year, [match.cells[ref] for ref in refs], f"{year.year}年", figure["label"]))
        empty = ""
        if len(history) < 2:
            empty = f"目前只有{params.year}年度一个年度的数据，尚不能显示历年变化"
        return Chart(spec["key"], self.name, spec["title"], spec["unit"], tuple(bars), empty=empty)


KINDS: dict[str, Kind] = {k.name: k for k in (Columns(), Children(), Records(), Trend())}


def checked_specs() -> tuple[dict[str, Any], ...]:
    """The charts of ``charts.yaml``; a kind that is not in ``KINDS`` is refused."""
    charts = specs()
    unknown = [c["kind"] for c in charts if c["kind"] not in KINDS]
    if unknown:
        raise ValueError(f"{SOURCE}: 未知的图表类型 {unknown}；可用：{', '.join(KINDS)}")
    return charts


def charts(params: AgencyYear, years: Sequence[AgencyYear] = ()) -> list[Chart]:
    """Every chart of the 图解 for ``params``; ``years`` are the agency's params of every year (for trends;
    ``params`` itself counts whether or not it is among them)."""
    by_year = {y.year: y for y in years}
    by_year[params.year] = params
    everything = list(by_year.values())
    return [KINDS[spec["kind"]].chart(spec, params, everything) for spec in checked_specs()]


__all__ = ["BLANK", "KINDS", "NOT_COMPARABLE", "Bar", "Chart", "chart_keys", "charts", "checked_specs"]
