"""问题清单: every open finding and every reviewer's decision across a batch, as a spreadsheet (or CSV).

Offices send rectification lists as spreadsheets: one row per problem — agency, year, table, cell (as the
template names it, and its ref), rule (Chinese title), expected and actual values, status, reason, and a
link to the cell in the review copy. ``nianbao issues-list`` writes it from what the last build published:
each agency-year's ``findings.json`` (which carries the findings and the decisions as the build applied
them) and the state records, so the list says exactly what reviewers saw in review.html and the index,
and costs a JSON read per report instead of a Great Expectations run. A report that could not be built
is one row, 生成失败, with why.

The output kind follows the file's suffix, through a registry of writers (``.xlsx``: header row, autofilter,
frozen header, column widths, hyperlinks; ``.csv``: UTF-8 with BOM, so Excel reads the Chinese).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

from nianbao import atomic
from nianbao.batch.state import ReportState
from nianbao.errors import InvalidArgument
from nianbao.project import Project
from nianbao.publish.ooxml import without_clock
from nianbao.publish.outputs import filename
from nianbao.validation.findings import Finding, anchor, coerce

SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
OPEN = "未处理"


@dataclass(frozen=True)
class IssueRow:
    """One line of the 问题清单 (field order = column order)."""

    agency: str
    agency_id: str
    year: int | str
    table: str
    cell: str
    rule: str
    severity: str
    expected: Any
    actual: Any
    status: str
    reason: str
    message: str
    link: str


# Column headings and widths (characters), in IssueRow's field order.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("机关", 24),
    ("机关代码", 16),
    ("年度", 7),
    ("表格", 26),
    ("单元格", 40),
    ("规则", 30),
    ("级别", 7),
    ("应为", 9),
    ("实际", 9),
    ("状态", 14),
    ("原因", 30),
    ("说明", 60),
    ("链接", 36),
)
assert len(COLUMNS) == len(fields(IssueRow))


def _width(text: str) -> int:
    """Display width in spreadsheet characters: wide (CJK) characters count two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(v: Any) -> Any:
    if v is None:
        return ""
    return v if isinstance(v, int) else str(v)


class _Names:
    """Chinese names of tables, cells and sections, from the report's format."""

    def __init__(self, version: str | None, year: int | None):
        from nianbao.format import format_for_year, get_format

        try:
            self.fmt: Any = get_format(version or format_for_year(year or 0) or "")
        except Exception:  # an unknown format: refs stand for themselves
            self.fmt = None

    def table(self, key: str | None) -> str:
        if not key or self.fmt is None or key not in self.fmt.tables:
            return key or ""
        return self.fmt.tables[key].name

    def cell(self, ref: str) -> str:
        from nianbao.rules.wording import cell_label

        try:
            return f"{cell_label(self.fmt, ref)}（{ref}）"
        except Exception:
            return ref

    def section(self, key: str) -> str:
        try:
            return self.fmt.section(key).heading
        except Exception:
            return key


def _place(names: _Names, cells: Iterable[str], section: str | None) -> tuple[str, str]:
    """(the cell's name, the fragment of review.html that shows it)."""
    cells = list(cells)
    if cells:
        more = f" 等 {len(cells)} 个单元格" if len(cells) > 1 else ""
        return names.cell(cells[0]) + more, "#" + anchor(cells[0])
    if section:
        return names.section(section), f"#section-{section}"
    return "", "#校验结果"


def report_rows(state: ReportState, doc: Mapping[str, Any] | None, link_base: str) -> list[IssueRow]:
    """The rows of one agency-year: its open findings (errors first), then its decisions."""
    who = (state.agency or state.agency_id, state.agency_id, state.year if state.year is not None else "")
    if state.failed or doc is None:
        message = state.message if state.failed else "没有校验结果（findings.json）"
        return [IssueRow(*who, "", "", "生成失败", "", "", "", "生成失败", "", message, "")]
    names = _Names(doc.get("format"), state.year)
    found = coerce(doc.get("findings") or [])
    decisions = doc.get("decisions") or []
    decided = {i for d in decisions if d.get("state") == "in_force" for i in d.get("findings", ())}
    stale = {i for d in decisions if d.get("state") == "stale" for i in d.get("findings", ())}
    rows: list[IssueRow] = []
    open_ = sorted((i for i in range(len(found)) if i not in decided), key=lambda i: (not found[i].is_error, i))
    for i in open_:
        f = found[i]
        cell, frag = _place(names, f.cells, f.section)
        rows.append(
            IssueRow(
                *who,
                names.table(f.table),
                cell,
                f.title or f.rule_id,
                SEVERITY_LABELS.get(f.severity, f.severity),
                _value(f.right),
                _value(f.left),
                OPEN + ("（结论需复核）" if i in stale else ""),
                "",
                f.message,
                link_base + frag,
            )
        )
    for d in decisions:
        covered: list[Finding] = [found[i] for i in d.get("findings", ()) if i < len(found)]
        first = covered[0] if covered else None
        cell, frag = _place(names, d.get("cells") or (), d.get("section"))
        state_label = d.get("state_label", "")
        rows.append(
            IssueRow(
                *who,
                names.table(first.table if first else (d.get("cells") or [""])[0].split(".")[0]),
                cell,
                d.get("title") or d.get("rule", ""),
                SEVERITY_LABELS.get(first.severity, "") if first else "",
                _value(first.right) if first else "",
                _value(first.left) if first else "",
                d.get("status", "") + (f"（{state_label}）" if d.get("state") != "in_force" else ""),
                d.get("reason", ""),
                "；".join(dict.fromkeys(f.message for f in covered)),
                link_base + frag,
            )
        )
    return rows


def collect(project: Project, states: Iterable[ReportState], relative_to: Path) -> list[IssueRow]:
    """Rows for ``states`` (sorted by agency, then year), links relative to the folder ``relative_to``."""
    rows: list[IssueRow] = []
    for s in sorted(states, key=lambda s: (s.agency_id or s.params_file, s.year or 0)):
        doc, base = None, ""
        if s.agency_year is not None and not s.failed:
            out = project.out_dir(*s.agency_year)
            base = Path(os.path.relpath(out / filename("review"), relative_to)).as_posix()
            try:
                doc = json.loads((out / filename("findings")).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = None
        rows += report_rows(s, doc, base)
    return rows


# --- writers, by the output file's suffix ------------------------------------------------------------------

Writer = Callable[[list[IssueRow]], bytes]
WRITERS: dict[str, Writer] = {}


def register(suffix: str) -> Callable[[Writer], Writer]:
    def decorate(fn: Writer) -> Writer:
        WRITERS[suffix] = fn
        return fn

    return decorate


@register(".csv")
def to_csv(rows: list[IssueRow]) -> bytes:
    """UTF-8 with a BOM (Excel opens it as Chinese), CRLF line ends, one header row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([name for name, _ in COLUMNS])
    writer.writerows(astuple(r) for r in rows)
    return buf.getvalue().encode("utf-8-sig")


@register(".xlsx")
def to_xlsx(rows: list[IssueRow]) -> bytes:
    """One sheet, 问题清单: bold header, frozen, autofilter over every column, widths, wrapped text, links.

    Cells take their look from three named styles (registered once; assigning one is cheap, building a
    style per cell costs seconds per thousand rows).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    body = NamedStyle("问题清单", alignment=Alignment(wrap_text=True, vertical="top"))
    alert = NamedStyle("问题清单未处理", font=Font(bold=True, color="B00020"), alignment=body.alignment)
    link_style = NamedStyle("问题清单链接", font=Font(underline="single", color="0563C1"), alignment=body.alignment)
    head = NamedStyle(
        "问题清单表头",
        font=Font(bold=True, color="FFFFFF"),
        fill=PatternFill("solid", fgColor="8B0000"),
        alignment=Alignment(vertical="center"),
    )
    for style in (body, alert, link_style, head):
        wb.add_named_style(style)
    ws = wb.active
    ws.title = "问题清单"
    ws.append([name for name, _ in COLUMNS])
    for i, (_, width) in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        ws.cell(row=1, column=i).style = head.name
    status_col = [name for name, _ in COLUMNS].index("状态")
    link_col = len(COLUMNS) - 1
    for n, r in enumerate(rows, 2):
        values = astuple(r)
        ws.append(list(values))
        cells = [ws.cell(row=n, column=i) for i in range(1, len(COLUMNS) + 1)]  # (ws[n] scans the sheet)
        lines = 1
        for i, (cell, (_, width)) in enumerate(zip(cells, COLUMNS, strict=True)):
            cell.style = body.name
            text = "" if values[i] is None else str(values[i])
            # A Chinese character is about two widths: rows tall enough for their wrapped text.
            lines = max(lines, sum(-(-_width(part) // width) or 1 for part in text.split("\n")))
        ws.row_dimensions[n].height = 15 * min(lines, 12)
        if str(values[status_col]).startswith((OPEN, "生成失败")):
            cells[status_col].style = alert.name
        if values[link_col]:
            cells[link_col].hyperlink = str(values[link_col])
            cells[link_col].style = link_style.name
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    buf = io.BytesIO()
    wb.save(buf)
    return without_clock(buf.getvalue())  # the same findings give the same bytes


def write(path: Path, rows: list[IssueRow]) -> None:
    """Write ``rows`` to ``path`` in the kind its suffix names (atomically)."""
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise InvalidArgument(f"问题清单的文件类型应为 {' 或 '.join(sorted(WRITERS))}，而不是 {path.name!r}")
    atomic.write_bytes(path, writer(rows))
