"""Roll-ups: an aggregate report against the sum of its children's reports of the same year (``rollup``).

A county government's report (``scope: 本级政府汇总``) or a system's (``系统汇总``) adds up the reports of
the agencies under it: every agency whose params say ``parent: <its id>`` (``nianbao.validation.children``).
For such a report every table cell is compared with the sum of that cell over its children, and a cell
that differs is a finding naming the cell, the report's value, the children's sum, the difference and
the children without a report that year. A report whose scope is not an aggregate (``本机关``: its own
office only) is never compared: whether a report is a sum is declared, not guessed.

Nothing is guessed either way: a cell blank in a child makes the sum unknown (the finding names the
children and says the cell cannot be checked); a child in another format is read through the comparable
cells (``format/comparable.yaml``) and its other cells are unknown; a child that has no report this year
is named (its sum is then of the others, and a difference is a warning — ``incomplete_severity`` — rather
than an error). A child's ``parent:`` that names no agency, or one that makes a cycle, is a finding on the
child naming its file.

Options (data in the format's rule): ``incomplete_severity``. The scopes and whether each is an
aggregate are ``format/scopes.yaml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nianbao.format import Rule
from nianbao.format.comparable import comparison
from nianbao.format.scopes import scope
from nianbao.rules.registry import RuleKind, failed_finding, register
from nianbao.rules.wording import cell_label, number
from nianbao.validation.findings import Finding

if TYPE_CHECKING:
    from nianbao.format import Format
    from nianbao.model import AgencyYear
    from nianbao.validation.children import Child, Family


def child_values(child: Child, fmt: Format) -> tuple[dict[str, Any], dict[str, str]]:
    """A child's values in ``fmt``'s cells and the cells it has no comparable value for (with why)."""
    params = child.params
    assert params is not None
    if params.format == fmt.version:
        return {ref: params.tables.get(ref) for ref in fmt.cell_refs()}, {}
    mapping = comparison(params.format, fmt.version)
    if mapping is None:
        why = f"{params.fmt.name}与{fmt.name}之间没有可比单元格的对照"
        return {}, dict.fromkeys(fmt.cell_refs(), why)
    values = {ref: params.tables.get(src) for ref, src in mapping.cells.items()}
    return values, {ref: mapping.reason(ref) for ref in fmt.cell_refs() if ref not in mapping.cells}


def names(children: list[Child]) -> str:
    return "、".join(c.named for c in children)


@register("rollup")
class Rollup(RuleKind):
    """An aggregate report's cells against the sums of its children's (see the module docstring)."""

    def check_family(self, params: AgencyYear, family: Family, rule: Rule) -> list[Finding]:
        out: list[Finding] = []
        if family.parent_problem:
            where = family.parent_file or f"{params.agency.id} {params.year}年度参数文件"
            message = f"{where}：{family.parent_problem}；本报告未计入任何汇总报告的校验。"
            out.append(failed_finding(params, rule, message, where=where, extra={"parent": params.parent}))
        declared = scope(params.scope)
        kids = [*family.children, *family.missing]
        if declared is None:
            if kids:
                message = (
                    f"有 {len(kids)} 个下级机关声明本机关为上级（{names(kids)}），但本报告未写明统计范围（scope），"
                    f"不与其报告之和比较（{rule.title}）。"
                )
                out.append(self._note(params, rule, message))
            return out
        if not declared.aggregate:
            return out
        if not kids:
            message = (
                f"统计范围为{declared.name}，但 params/ 中没有声明 parent: {params.agency.id} 的下级机关参数文件，"
                f"无法与下级机关报告之和比较（{rule.title}）。"
            )
            return [*out, self._note(params, rule, message)]
        out += self._absent(params, family, rule)
        return out + self._cells(params, family, rule, declared.name)

    @staticmethod
    def _note(params: AgencyYear, rule: Rule, message: str, **fields: Any) -> Finding:
        """What could not be checked (a child without a report, unreadable, a blank), as a warning."""
        return failed_finding(params, rule, message, status="not_evaluated", severity="warning", **fields)

    def _absent(self, params: AgencyYear, family: Family, rule: Rule) -> list[Finding]:
        """One finding per child that has no usable report this year."""
        out = []
        for c in family.missing:
            said = "、".join(f"{y}年度" for y in c.years)
            message = (
                f"下级机关{c.named}无{params.year}年度报告（其{said}参数文件声明上级为本机关），"
                "下级机关报告之和不含该机关。"
            )
            out.append(self._note(params, rule, message, extra={"child": c.agency_id, "no_report": True}))
        for c in family.unreadable:
            first = c.problem.splitlines()[0] if c.problem else ""
            message = f"下级机关{c.named}的{params.year}年度参数文件 {c.file} 有误，下级机关报告之和不含该机关：{first}"
            out.append(self._note(params, rule, message, extra={"child": c.agency_id, "unreadable": True}))
        return out

    def _cells(self, params: AgencyYear, family: Family, rule: Rule, scope_name: str) -> list[Finding]:
        fmt = params.fmt
        readable = family.readable
        absent = [*family.missing, *family.unreadable]
        values = {c.agency_id: child_values(c, fmt) for c in readable}
        incomplete = f"；未计入无报告的下级机关：{names(absent)}" if absent else ""
        severity = rule.options.get("incomplete_severity", "warning") if absent else rule.severity
        out: list[Finding] = []
        for ref in fmt.cell_refs():
            where = cell_label(fmt, ref)
            apart = {c.agency_id: values[c.agency_id][1][ref] for c in readable if ref in values[c.agency_id][1]}
            blank = [c for c in readable if c.agency_id not in apart and values[c.agency_id][0].get(ref) is None]
            if apart or blank:
                said = []
                if blank:
                    said.append(f"下级机关{names(blank)}此格空白")
                if apart:
                    others = [c for c in readable if c.agency_id in apart]
                    reasons = "；".join(dict.fromkeys(apart.values()))
                    said.append(f"下级机关{names(others)}的报告此格不可比（{reasons}）")
                message = f"{where}：{'，'.join(said)}，下级机关报告之和未知，此项无法校验（{rule.title}）。"
                out.append(self._note(params, rule, message, table=ref.split(".", 1)[0], cells=(ref,), where=where))
                continue
            mine = params.tables.get(ref)
            if mine is None:
                continue  # a blank cell of the report itself: the blank-cell rule says so
            parts = {c.agency_id: values[c.agency_id][0][ref] for c in readable}
            total = sum(parts.values())
            if mine == total:
                continue
            message = (
                f"{where}：本报告（{scope_name}）为{number(mine)}，"
                f"{len(readable)} 个下级机关报告之和为{number(total)}，"
                f"相差{number(mine - total)}{incomplete}。"
            )
            out.append(
                Finding(
                    rule_id=rule.id,
                    severity=severity,
                    status="failed",
                    agency_id=params.agency.id,
                    year=params.year,
                    table=ref.split(".", 1)[0],
                    message=message,
                    title=rule.title,
                    left=mine,
                    right=total,
                    difference=mine - total,
                    cells=(ref,),
                    where=where,
                    roles={ref: "total"},
                    extra={
                        "children": {k: (v if isinstance(v, int) else str(v)) for k, v in parts.items()},
                        "no_report": [c.agency_id for c in absent],
                    },
                )
            )
        return out
