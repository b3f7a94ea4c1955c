"""Year over year: every table cell beside last year's, big swings and tables copied unchanged.

``compare_cells(params, prev)`` reads last year's report through the comparable-cells mapping across
formats (``nianbao.validation.previous``: a 2020 report in the 2019 format offers only the cells that
mean the same in 2021; the others are "不可比" with the reason, never a guess) and returns, for every
cell of this year's format, a ``CellChange``: last year's value, the difference and the relative
change. The review copy shows all of them (``nianbao.report.year_over_year``); two kinds of rule turn
them into findings:

``swing`` (``watch``: cell-ref patterns; ``min_ratio``; ``min_change``; ``min_change_amount``): a
watched cell whose value moved by at least ``min_ratio`` of last year's AND by at least ``min_change``
(``min_change_amount`` for amounts, in the cell's unit) is a warning asking for an explanation in the
text. Both thresholds must be met, so a town's 2 → 5 (+150%) or a ministry's 3000 → 3100 (+3%) stay
quiet. A cell 0 last year has no relative change: the absolute threshold alone decides.

``same_table`` (``min_share``): a table whose comparable cells equal last year's, one by one, is a
warning ("表三与上年度完全相同"). A table all zero or blank in both years is not flagged (a town that
received no request two years running fills in the same zeros honestly), nor one of whose cells fewer
than ``min_share`` are comparable across a change of format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from nianbao.format import Rule
from nianbao.rules.registry import RuleKind, failed_finding, register
from nianbao.rules.wording import cell_label, number
from nianbao.validation.findings import Finding

if TYPE_CHECKING:
    from nianbao.model import AgencyYear
    from nianbao.validation.previous import PreviousReport

    Previous = AgencyYear | PreviousReport


@dataclass(frozen=True)
class CellChange:
    """One cell this year beside last year's."""

    ref: str
    now: int | Decimal | None
    last: int | Decimal | None
    comparable: bool = True
    reason: str = ""  # why the cell is not comparable ("" when it is)

    @property
    def delta(self) -> int | Decimal | None:
        if not self.comparable or self.now is None or self.last is None:
            return None
        return self.now - self.last

    @property
    def ratio(self) -> Decimal | None:
        """The relative change (0.25 for +25%); None when last year was 0 or a side is missing."""
        d = self.delta
        if d is None or not self.last:
            return None
        return Decimal(d) / Decimal(abs(self.last))

    @property
    def changed(self) -> bool:
        return self.delta is not None and self.delta != 0

    def percent(self) -> str:
        """ "+25%", "−50%", "" (no relative change: last year 0 or not comparable)."""
        r = self.ratio
        if r is None:
            return ""
        pct = (r * 100).quantize(Decimal(1))
        return f"{'+' if pct > 0 else ''}{pct}%".replace("-", "−")

    def delta_text(self) -> str:
        """ "+3", "−12", "0"."""
        d = self.delta
        if d is None:
            return ""
        return (f"+{number(d)}" if d > 0 else number(d)).replace("-", "−")


def previous_tables(prev: Previous) -> tuple[Mapping[str, Any], Mapping[str, str]]:
    """Last year's values in this year's cells, and the cells that are not comparable (with why)."""
    return prev.tables, dict(getattr(prev, "not_comparable", {}) or {})


def compare_cells(params: AgencyYear, prev: Previous) -> dict[str, CellChange]:
    """Every cell of ``params``' format beside ``prev``'s (already read in this format), in template order."""
    last, apart = previous_tables(prev)
    out: dict[str, CellChange] = {}
    for ref in params.fmt.cell_refs():
        if ref in apart:
            out[ref] = CellChange(ref, params.tables.get(ref), None, False, apart[ref])
        else:
            out[ref] = CellChange(ref, params.tables.get(ref), last.get(ref))
    return out


def watched(rule: Rule, ref: str) -> bool:
    return any(fnmatchcase(ref, p) for p in rule.options.get("watch", ("*",)))


def is_swing(rule: Rule, params: AgencyYear, change: CellChange) -> bool:
    """Whether ``change`` passes both thresholds of ``rule`` (see the module docstring)."""
    d = change.delta
    if d is None or d == 0:
        return False
    _, _, field = params.fmt.cell(change.ref)
    if field.cell_kind.signed:
        return False
    o = rule.options
    floor = o.get("min_change", 1) if field.cell_kind.integral else o.get("min_change_amount", o.get("min_change", 1))
    if abs(d) < Decimal(str(floor)):
        return False
    r = change.ratio
    return r is None or abs(r) >= Decimal(str(o.get("min_ratio", 0)))


@register("swing")
class Swing(RuleKind):
    """A watched cell that moved beyond both thresholds since last year: explain it in the text."""

    cross_year = True

    def check_years(self, params: AgencyYear, prev: Previous, rule: Rule) -> list[Finding]:
        out = []
        for ref, c in compare_cells(params, prev).items():
            if not watched(rule, ref) or not is_swing(rule, params, c):
                continue
            where = cell_label(params.fmt, ref)
            pct = c.percent()
            size = f"{c.delta_text()}（{pct}）" if pct else f"{c.delta_text()}（上年为0）"
            message = (
                f"{where}：本年为{number(c.now)}，{prev.year}年度为{number(c.last)}，变化{size}，"
                "变化较大，请在正文中说明原因或核实数字。"
            )
            out.append(
                failed_finding(
                    params,
                    rule,
                    message,
                    table=ref.split(".", 1)[0],
                    left=c.now,
                    right=c.last,
                    difference=c.delta,
                    cells=(ref,),
                    where=where,
                    extra={"last_year": prev.year, "percent": pct},
                )
            )
        return out


@register("same_table")
class SameTable(RuleKind):
    """A table whose comparable cells all equal last year's (not all zero or blank): copied unchanged?"""

    cross_year = True

    def check_years(self, params: AgencyYear, prev: Previous, rule: Rule) -> list[Finding]:
        changes = compare_cells(params, prev)
        out = []
        for table in params.fmt.tables.values():
            refs = [table.cell_ref(r, f.key) for r, f in table.cells()]
            comparable = [changes[ref] for ref in refs if changes[ref].comparable]
            if not refs or len(comparable) < float(rule.options.get("min_share", 1)) * len(refs):
                continue
            if any(c.now != c.last for c in comparable):
                continue
            if all(not c.now for c in comparable):  # all zero or blank, both years
                continue
            short = f"表{table.number}"
            whole = len(comparable) == len(refs)
            scope = "" if whole else f"（可比的 {len(comparable)} 个单元格）"
            message = (
                f"{table.name}：{short}{scope}与上年度完全相同，每个单元格都与{prev.year}年度报告一致，"
                "请核实是否沿用了上年数据。"
            )
            out.append(
                failed_finding(
                    params,
                    rule,
                    message,
                    table=table.key,
                    cells=tuple(c.ref for c in comparable),
                    where=table.name,
                    extra={"last_year": prev.year, "identical": f"{short}与上年度完全相同"},
                )
            )
        return out
