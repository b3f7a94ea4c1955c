"""A parent's starting params from its children's reports: ``nianbao rollup PARENT YEAR``.

A county government's clerk who compiles the 本级政府汇总 report adds up the reports of the departments
and towns under it. This module does the adding: every table cell of the parent's params is the sum of
that cell over the children of the year (the agencies whose params say ``parent: PARENT``,
``nianbao.validation.children``), read through the comparable cells when a child used another format.
Nothing is guessed: a cell blank (or not comparable) in any child is left blank (``null``), and the file's
opening comment lists those cells with the reason, the children summed and the children without a report
this year (whose figures the sums therefore lack). The narrative is the clerk's to write: the sections
are left empty and listed under ``source.missing`` so that the file loads, and the build says they are
missing until they are written.

The result is validated with the params schema before it is written (it loads with ``load_params``), and
written atomically; an existing file is kept unless the caller forces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nianbao import atomic
from nianbao.errors import FileExists, InvalidArgument
from nianbao.format import DEFAULT_FORMAT, format_for_year, get_format
from nianbao.format.scopes import scope_choices, scopes
from nianbao.model import AgencyYear
from nianbao.params import ParamsError, from_mapping, load_params
from nianbao.rules.rollup import child_values
from nianbao.validation import children
from nianbao.validation.grouping import cell_place
from nianbao.values import TableValues

MAX_LISTED = 12  # cells named per reason in the comment; the rest are counted


@dataclass(frozen=True)
class Starter:
    """The parent's starting params and what the comment says about them."""

    params: AgencyYear
    summed: tuple[children.Child, ...]
    absent: tuple[children.Child, ...]  # no report this year, or one that cannot be read
    blank: dict[str, list[str]]  # reason → cell refs left blank

    def text(self, command: str) -> str:
        """The YAML file: a comment saying what was summed and what was left blank, then the params."""
        p, fmt = self.params, self.params.fmt
        lines = [
            f"{p.display_title}（初稿）",
            f"由 `{command}` 生成：统计表各单元格为下级机关{p.year}年度报告之和，正文由本机关填写。",
            f"已汇总的下级机关（{len(self.summed)} 个）：" + ("、".join(c.named for c in self.summed) or "无"),
        ]
        if self.absent:
            lines.append(f"未计入合计的下级机关（{len(self.absent)} 个，合计中不含其数字）：")
            for c in self.absent:
                why = (
                    f"其参数文件 {c.file} 有误"
                    if c.file
                    else f"无{p.year}年度报告（其"
                    + "、".join(f"{y}年度" for y in c.years)
                    + "参数文件声明上级为本机关）"
                )
                lines.append(f"  - {c.named}：{why}")
        if self.blank:
            lines.append("留空（null）的单元格：下级机关报告之和未知，请核实后填写：")
            for reason, refs in self.blank.items():
                shown = "、".join(cell_place(fmt, r).label for r in refs[:MAX_LISTED])
                more = f" 等 {len(refs)} 格" if len(refs) > MAX_LISTED else ""
                lines.append(f"  - {reason}：{shown}{more}")
        lines.append("待本机关填写：开头段落（preface）、正文各部分（sections，填好后从 source.missing 中删除）、")
        lines.append("发布日期（issued）。表格各行按模板列的顺序，null 为空白。")
        return "".join(f"# {line}\n" for line in lines) + yaml.dump(
            p.to_params(), Dumper=_RowsDumper, allow_unicode=True, sort_keys=False, width=100
        )


class _RowsDumper(yaml.SafeDumper):
    """Block style, but a table row (a list of numbers) on one line, as hand-written params have it."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_list(self, data: Any) -> Any:  # type: ignore[override]
        flow = all(v is None or (isinstance(v, int | float | str) and not isinstance(v, bool)) for v in data)
        flow = flow and bool(data) and not any(isinstance(v, str) and len(v) > 20 for v in data)
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_RowsDumper.add_representer(list, _RowsDumper.represent_list)


def _identity(tree: children.Tree, parent: str, year: int) -> AgencyYear | None:
    """The parent's own params of the nearest year (this one first), to take its name and scope from."""
    years = sorted((y for a, y in tree.files if a == parent), key=lambda y: (abs(y - year), -y))
    for y in years:
        try:
            return load_params(tree.files[(parent, y)])
        except ParamsError:
            continue
    return None


def starter(
    params_dir: Path,
    parent: str,
    year: int,
    *,
    name: str | None = None,
    scope: str | None = None,
    shown: Callable[[Path], str] = str,
) -> Starter:
    """The starting params of ``parent``'s ``year`` report (see the module docstring).

    ``InvalidArgument`` when there is no child to sum, or the parent's name or an aggregate scope cannot
    be told from its other params and was not given."""
    tree = children.scan(params_dir)
    family = children.family(tree, parent, year, shown)
    if not family.children and not family.missing:
        raise InvalidArgument(
            f"{shown(params_dir)} 中没有声明 parent: {parent} 的参数文件：没有可汇总的下级机关。"
            f"请在各下级机关的参数文件中写明 parent: {parent}"
        )
    known = _identity(tree, parent, year)
    agency_name = name or (known.agency.name if known else None)
    if not agency_name:
        raise InvalidArgument(f"params/{parent}/ 中没有可读的参数文件，无法得知机关名称；请用 --name 给出")
    aggregate = [s.name for s in scopes().values() if s.aggregate]
    chosen = scope or (known.scope if known and known.scope in aggregate else None)
    if chosen not in aggregate:
        said = f"“{chosen}”不是汇总范围；" if chosen else "无法从本机关其他年度的参数文件得知统计范围；"
        raise InvalidArgument(f"{said}请用 --scope 指明：{scope_choices()}（汇总报告应为 {' 或 '.join(aggregate)}）")
    fmt = get_format(format_for_year(year) or DEFAULT_FORMAT)
    readable = family.readable
    values = {c.agency_id: child_values(c, fmt) for c in readable}
    sums: dict[str, Any] = {}
    blank: dict[str, list[str]] = {}
    for ref in fmt.cell_refs():
        reasons = []
        empty = [
            c.named for c in readable if ref not in values[c.agency_id][1] and values[c.agency_id][0].get(ref) is None
        ]
        apart = [c.named for c in readable if ref in values[c.agency_id][1]]
        if empty:
            reasons.append(f"下级机关{'、'.join(empty)}此格空白")
        if apart:
            reasons.append(f"下级机关{'、'.join(apart)}的报告此格不可比")
        if not readable:
            reasons.append("没有可读的下级机关报告")
        if reasons:
            sums[ref] = None
            blank.setdefault("，".join(reasons), []).append(ref)
        else:
            sums[ref] = sum(values[c.agency_id][0][ref] for c in readable)
    data = {
        "agency": {"id": parent, "name": agency_name},
        "year": year,
        "format": fmt.version,
        "issued": None,
        "parent": known.parent if known else None,
        "scope": chosen,
        "preface": [],
        "sections": {},
        "tables": TableValues(fmt, sums).to_params(),
        "signature": agency_name,
        "source": {"missing": [s.key for s in fmt.sections if s.table is None]},
    }
    params = from_mapping({k: v for k, v in data.items() if v is not None or k == "issued"}, f"{parent}/{year}")
    return Starter(params, tuple(readable), (*family.missing, *family.unreadable), blank)


def write(target: Path, text: str, *, force: bool = False) -> None:
    """Write ``text`` to ``target`` atomically; ``FileExists`` unless ``force`` when it is there."""
    if target.exists() and not force:
        raise FileExists(f"{target} 已存在；如需覆盖请加 --force")
    atomic.write_text(target, text)
