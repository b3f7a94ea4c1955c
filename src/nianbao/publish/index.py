"""build/index.html: the page reviewers start from (static, no external assets, works from file://).

One row per agency, its years side by side; each year's cell says what matters first — 生成失败 / 有错误 /
有警告 / 通过, from its state record (``nianbao.batch.state.ReportState``: open findings only, reviewers'
decisions counted apart as 已审核 and 需复核) — then its counts and links (校验结果 opens the review copy at
its 校验结果 block). Summary cards double as filter chips; the per-rule counts across the batch
("总计应等于……：3 份报告", the rules' Chinese titles) filter too; every column sorts. The page's small
inline script does the filtering and sorting, offline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from nianbao.batch.state import ReportState
from nianbao.publish.outputs import OUTPUTS
from nianbao.report.render import environment

if TYPE_CHECKING:
    from nianbao.batch.overview import OverviewResult

# The batch's own pages and files (build/overview.html, build/data/), linked above the reports: (href, text).
BATCH_LINKS: tuple[tuple[str, str], ...] = (
    ("overview.html", "数据总览"),
    ("data/cells.csv", "全部数据（CSV）"),
    ("data/cells.parquet", "Parquet"),
    ("data/params.schema.json", "参数文件结构（JSON Schema）"),
)


@dataclass(frozen=True)
class Verdict:
    """How an agency-year stands for a reviewer: a key (CSS, filters), its label, its rank (worst first)."""

    key: str
    label: str
    rank: int


# Worst first: the first that applies is the agency-year's verdict.
VERDICTS: tuple[Verdict, ...] = (
    Verdict("failed", "生成失败", 4),
    Verdict("error", "有错误", 3),
    Verdict("warning", "有警告", 2),
    Verdict("pass", "通过", 1),
)
BY_KEY = {v.key: v for v in VERDICTS}


def verdict(state: ReportState) -> Verdict:
    """生成失败 when no current report; else by its open findings (decided ones do not count)."""
    if state.failed:
        return BY_KEY["failed"]
    if state.errors:
        return BY_KEY["error"]
    if state.warnings:
        return BY_KEY["warning"]
    return BY_KEY["pass"]


# Links of a year's cell: (output key, link text, fragment). 校验结果 opens the review copy at its findings.
LINKS: tuple[tuple[str, str, str], ...] = (
    ("review", "审核版", ""),
    ("review", "校验结果", "#校验结果"),
    *((o.key, o.label if o.key != "findings" else "JSON", "") for o in OUTPUTS if o.key != "review" and o.linked),
)
_FILES = {o.key: o.filename for o in OUTPUTS}


class YearCell(NamedTuple):
    state: ReportState
    verdict: Verdict
    links: list[tuple[str, str]]  # (link text, href relative to build/)


class AgencyRow(NamedTuple):
    agency_id: str
    name: str
    cells: dict[int, YearCell]  # year → its cell
    others: list[YearCell]  # states without a year (a params file not laid out as params/<id>/<year>.yaml)

    @property
    def all_cells(self) -> list[YearCell]:
        return [*self.cells.values(), *self.others]

    @property
    def rank(self) -> int:
        return max((c.verdict.rank for c in self.all_cells), default=0)

    @property
    def totals(self) -> dict[str, int]:
        """Open errors, open warnings and decided findings over the agency's years."""
        cells = self.all_cells
        return {f: sum(getattr(c.state, f) for c in cells) for f in ("errors", "warnings", "decided")}


class RuleCount(NamedTuple):
    rule_id: str
    severity: str
    title: str
    reports: int


def year_cell(state: ReportState) -> YearCell:
    base = f"{state.year}/{state.agency_id}/"
    outputs = set(state.outputs)
    links = [(text, base + _FILES[key] + frag) for key, text, frag in LINKS if _FILES[key] in outputs]
    return YearCell(state, verdict(state), links)


def agency_rows(states: list[ReportState]) -> list[AgencyRow]:
    """One row per agency (by id; a state without one is a row of its own), sorted by name."""
    rows: dict[str, AgencyRow] = {}
    for s in sorted(states, key=lambda s: (s.agency_id, s.year or 0, s.params_file)):
        key = s.agency_id or s.params_file
        row = rows.setdefault(key, AgencyRow(s.agency_id, s.agency or s.agency_id or s.params_file, {}, []))
        if s.agency and row.name != s.agency and s.year is not None and s.year >= max(row.cells, default=0):
            row = rows[key] = row._replace(name=s.agency)  # the latest year's name
        if s.year is None:
            row.others.append(year_cell(s))
        else:
            row.cells[s.year] = year_cell(s)
    return sorted(rows.values(), key=lambda r: (r.name, r.agency_id))


def rule_counts(states: list[ReportState]) -> list[RuleCount]:
    """How many reports have open findings of each rule: errors first, then the most widespread."""
    reports: Counter[tuple[str, str, str]] = Counter()
    for s in states:
        for rule in set(s.open_rules):
            reports[rule] += 1
    order = {"error": 0, "warning": 1}
    out = [RuleCount(rid, sev, title, n) for (rid, sev, title), n in reports.items()]
    return sorted(out, key=lambda r: (order.get(r.severity, 2), -r.reports, r.rule_id))


def batch_links(overview: OverviewResult | None) -> list[tuple[str, str]]:
    """The links to build/overview.html and build/data/ when they are published (now or by an earlier build)."""
    if overview is None or not overview.published:
        return []
    return list(BATCH_LINKS)


def render_index(states: list[ReportState], overview: OverviewResult | None = None) -> str:
    verdicts = Counter(verdict(s).key for s in states)
    counts = {
        "total": len(states),
        "agencies": len({s.agency_id or s.params_file for s in states}),
        **{v.key: verdicts.get(v.key, 0) for v in VERDICTS},
        "errors": sum(s.errors for s in states),
        "warnings": sum(s.warnings for s in states),
        "decided": sum(s.decided for s in states),
        "needs_review": sum(s.needs_review for s in states),
        "needs_review_reports": sum(bool(s.needs_review) for s in states),
        "decided_reports": sum(bool(s.decided) for s in states),
    }
    years = sorted({s.year for s in states if s.year is not None}, reverse=True)
    rows = agency_rows(states)
    return (
        environment()
        .get_template("index/index.html.j2")
        .render(
            rows=rows,
            counts=counts,
            years=years,
            verdicts=VERDICTS,
            rules=rule_counts(states),
            has_others=any(r.others for r in rows),
            batch_links=batch_links(overview),
            overview_failure=overview.message if overview is not None and overview.failed else "",
        )
    )
