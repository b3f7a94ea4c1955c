"""The fill-in workbook (openpyxl): ``nianbao new AGENCY-ID YEAR --xlsx FILE`` and its reader.

Sheets: 填表说明 (what to fill in, blank versus 0, units, colours, the checks: from the format),
基本信息 (metadata: one row per params field in Chinese; the ASCII keys the reader needs sit in the
hidden column A), one sheet per narrative part
(开头段落 and the three narrative sections; column A says 段落 or 小标题), and one sheet per table,
laid out as in the template with merged headers. Totals are formulas (=SUM of their parts, as the
format's sum rules say) unless the params being written hold a total that differs from the sum of
its parts (or a blank one): that value is written as it is, so params → workbook → params is exact.
Every value cell admits only what its kind admits (nianbao.format.cell_kinds): a non-negative whole number,
a whole number for a signed count (本年增/减), a non-negative decimal for an amount.

The cell positions come from ``table_layout`` for both writing and reading, and the reader checks
the row labels are still where the layout puts them, so a moved row is an error, not a wrong value.

A clerk cannot break it by accident: the table sheets and 基本信息 are protected (no password) with
only the input cells unlocked and shaded; formula totals are locked. Under each table, one check cell
per rule (the rules registry's sums and balances, ``table_equations``) says 相符 / 不符（N 处）/ 未填完
and conditional formatting turns it green, red or yellow. Reading back names every sum the values
break (the rule's own Chinese message and the cells) and every locked total that holds a number
instead of its formula (typed over after removing the protection). Print setup: A4, tables landscape
on one page with their header rows repeated, row heights set from the labels' lengths (LibreOffice
does not fit rows to wrapped text when it opens a file).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from nianbao import atomic
from nianbao.format import Field as FormatField
from nianbao.format import Format, Record, Table, get_format
from nianbao.importers.assemble import ImportResult
from nianbao.importers.import_report import CellIssue, ImportReport
from nianbao.model import AgencyYear
from nianbao.params import FIELD_NAMES, ParamsError, from_mapping
from nianbao.rules import Equation, kind_of, table_equations, table_sums
from nianbao.values import TableValues

META_SHEET = "基本信息"
PARAGRAPH, SUBHEAD = "段落", "小标题"
KIND_HEADER = "类型"
TEXT_HEADER = "内容"
META_HEADER = ("键", "项目", "填写内容", "说明")  # column A (the params keys) is hidden
META_KEYS = ("agency.id", "agency.name", "year", "format", "title", "issued", "signature", "source.file")
SUM = re.compile(r"^=SUM\(([A-Z]+\d+(?::[A-Z]+\d+)?(?:,[A-Z]+\d+(?::[A-Z]+\d+)?)*)\)$")
THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
FORMULA_FILL = PatternFill("solid", fgColor="F7F7F7")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# --- layout -------------------------------------------------------------------------------------


@dataclass
class Placed:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class TableLayout:
    sheet: str
    width: int
    headers: list[Placed] = field(default_factory=list)  # header and label cells
    labels: dict[str, Placed] = field(default_factory=dict)  # record key → its own label cell (checked on read)
    cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # cell ref → (row, col)
    fields: dict[str, tuple[Record, FormatField]] = field(default_factory=dict)


class _Grid:
    """Places cells left to right, skipping positions covered by earlier merges."""

    def __init__(self) -> None:
        self.taken: set[tuple[int, int]] = set()

    def place(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> tuple[Placed, int]:
        while (row, col) in self.taken:
            col += 1
        for r in range(row, row + rowspan):
            for c in range(col, col + colspan):
                self.taken.add((r, c))
        return Placed(row, col, text, rowspan, colspan), col + colspan


def table_layout(table: Table) -> TableLayout:
    if table.layout == "blocks":
        return _blocks_layout(table)
    return _grid_layout(table)


def _grid_layout(table: Table) -> TableLayout:
    header_rows = table.column_header_rows()
    rdepth = table.row_header_depth()
    n_values = sum(1 for _ in _leaves(table))
    lay = TableLayout(table.name, max(rdepth, 0) + n_values)
    grid = _Grid()
    top = 2  # row 1: the table's title
    lay.headers.append(Placed(1, 1, table.name, 1, lay.width))
    for i, cells in enumerate(header_rows):
        col = 1
        for cell in cells:
            placed, col = grid.place(top + i, col, cell.label, cell.rowspan, cell.colspan)
            lay.headers.append(placed)
    first = top + len(header_rows)
    if table.records_by == "rows":
        for j, (record, starts) in enumerate(zip(table.records, table.row_header_cells(), strict=True)):
            row, col = first + j, 1
            for cell in starts:
                placed, col = grid.place(row, col, cell.label, cell.rowspan, cell.colspan)
                lay.headers.append(placed)
                if cell.key == record.path[-1]:
                    lay.labels[record.key] = placed
            for k, f in enumerate(record.fields):
                ref = table.cell_ref(record, f.key)
                lay.cells[ref] = (row, rdepth + 1 + k)
                lay.fields[ref] = (record, f)
    else:
        col = rdepth + 1
        for record in table.records:
            for f in record.fields:
                ref = table.cell_ref(record, f.key)
                lay.cells[ref] = (first, col)
                lay.fields[ref] = (record, f)
                col += 1
    return lay


def _leaves(table: Table):
    for col in table.columns:
        yield from col.leaves()


def _blocks_layout(table: Table) -> TableLayout:
    width = 1 + max(len(b.columns) for b in table.blocks)
    lay = TableLayout(table.name, width)
    lay.headers.append(Placed(1, 1, table.name, 1, width))
    row = 2
    for block in table.blocks:
        lay.headers.append(Placed(row, 1, block.label, 1, width))
        row += 1
        lay.headers.append(Placed(row, 1, table.row_header))
        stretch = width - 1 - len(block.columns)
        for k, f in enumerate(block.columns):
            span = 1 + (stretch if k == len(block.columns) - 1 else 0)
            lay.headers.append(Placed(row, 2 + k, f.label, 1, span))
        row += 1
        for node in block.rows:
            record = table.record(node.key or "")
            placed = Placed(row, 1, node.label)
            lay.headers.append(placed)
            lay.labels[record.key] = placed
            for k, f in enumerate(record.fields):
                ref = table.cell_ref(record, f.key)
                lay.cells[ref] = (row, 2 + k)
                lay.fields[ref] = (record, f)
                if k == len(record.fields) - 1 and stretch:
                    lay.headers.append(Placed(row, 2 + k, "", 1, 1 + stretch))  # value cell spans like the header
            row += 1
    return lay


def sum_formulas(fmt: Format, table: Table, lay: TableLayout) -> dict[str, tuple[str, list[str]]]:
    """Cell ref of each total → (formula, the refs it sums), from the format's sum rules.

    A total two rules define (the corner cell of table 三) keeps the first rule's formula: its row sum.
    """
    out: dict[str, tuple[str, list[str]]] = {}
    for s in table_sums(fmt, table):
        if s.total not in out:
            out[s.total] = (_sum_of(lay, list(s.parts)), list(s.parts))
    return out


def _sum_of(lay: TableLayout, refs: list[str]) -> str:
    coords = sorted(lay.cells[r] for r in refs)
    rows = {r for r, _ in coords}
    cols = {c for _, c in coords}
    contiguous = (len(rows) == 1 and max(cols) - min(cols) + 1 == len(coords)) or (
        len(cols) == 1 and max(rows) - min(rows) + 1 == len(coords)
    )
    if contiguous:
        a, b = coords[0], coords[-1]
        return f"=SUM({_a1(*a)}:{_a1(*b)})"
    return f"=SUM({','.join(_a1(*c) for c in coords)})"


def _a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


# --- the rules a workbook checks -----------------------------------------------------------------


def _runs(coords: list[tuple[int, int]]) -> list[str]:
    """Cells as A1 ranges, consecutive cells of a row joined: ["D5:J5", "D7"]."""
    out: list[str] = []
    ordered = sorted(set(coords))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == (ordered[j][0], ordered[j][1] + 1):
            j += 1
        a, b = ordered[i], ordered[j]
        out.append(_a1(*a) if a == b else f"{_a1(*a)}:{_a1(*b)}")
        i = j + 1
    return out


def _sum_expr(lay: TableLayout, refs: tuple[str, ...]) -> str:
    if len(refs) == 1:
        return _a1(*lay.cells[refs[0]])
    return f"SUM({','.join(_runs([lay.cells[r] for r in refs]))})"


def check_formula(lay: TableLayout, equations: list[Equation]) -> str:
    """The check cell of one rule: 未填完 while any of its cells is blank, else 相符 or 不符（N 处）."""
    cells = list(dict.fromkeys(r for eq in equations for r in eq.cells))
    conds = [f"{_sum_expr(lay, eq.left)}={_sum_expr(lay, eq.right)}" for eq in equations]
    failed = f"{len(conds)}-" + "-".join(f"({c})" for c in conds)
    return (
        f'=IF(COUNT({",".join(_runs([lay.cells[r] for r in cells]))})<{len(cells)},"{CHECK_BLANK}",'
        f'IF(AND({",".join(conds)}),"{CHECK_OK}","{CHECK_FAILED}（"&({failed})&" 处）"))'
    )


# --- writing ------------------------------------------------------------------------------------

INPUT_FILL = PatternFill("solid", fgColor="FFF5CC")  # what a clerk fills in: pale yellow
TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
TOP_LEFT = Alignment(horizontal="left", vertical="top", wrap_text=True)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)
CHECK_OK, CHECK_FAILED, CHECK_BLANK = "相符", "不符", "未填完"
CHECK_STYLES = (  # (what the check cell starts with, fill, font)
    (CHECK_FAILED, PatternFill("solid", fgColor="C00000"), Font(bold=True, color="FFFFFF")),
    (CHECK_BLANK, PatternFill("solid", fgColor="FFE699"), Font(color="7F6000")),
    (CHECK_OK, PatternFill("solid", fgColor="C6EFCE"), Font(color="006100")),
)
GUIDE_SHEET = "填表说明"
# Points per line of 11 pt text in LibreOffice and Excel, and how wide a CJK character is in column units.
LINE_PT, CJK_WIDTH = 15.0, 2.0
# Text columns of the portrait sheets: LibreOffice scales a sheet to the page's width only when it is
# also fitted to a number of pages tall, so sheets that may run long are made to fit A4 unscaled.
GUIDE_WIDTH, PARAGRAPH_WIDTH = 70, 62

META_LABELS = {
    "agency.id": ("机关代码", "文件夹名，只用小写字母、数字、- 和 _（由 nianbao new 填好）"),
    "agency.name": ("机关名称", "全称，例：乌拉特中旗海流图镇人民政府"),
    "year": ("年度", "报告所属年度（由 nianbao new 填好）"),
    "format": ("格式版本", "报告格式（由 nianbao new 填好）"),
    "title": ("标题", "可不填：默认为“机关名称 + 年度 + 政府信息公开工作年度报告”"),
    "issued": ("发布日期", "例：2025年1月20日"),
    "signature": ("落款机关", "报告末尾的落款，一般与机关名称相同"),
    "source.file": ("来源文件", "可不填：导入时的原文件名"),
}
META_FIXED = ("agency.id", "year", "format")  # written by nianbao new; locked


def _text_width(text: str) -> float:
    """Width of ``text`` in column units: a CJK character counts two, others one."""
    return sum(CJK_WIDTH if ord(ch) > 0x2E7F else 1.0 for ch in text)


def _lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a cell ``width`` column units wide (a little padding kept)."""
    usable = max(width - 1.5, 1.0)
    return max(1, sum(math.ceil(max(_text_width(part), 1.0) / usable) for part in str(text).split("\n")))


def _fit_rows(ws: Worksheet, placed: list[Placed], widths: dict[int, float], first: int, last: int) -> None:
    """Row heights so every label shows whole: LibreOffice does not fit rows to wrapped text on open.
    A label over several rows spreads its lines over them."""
    heights = {r: LINE_PT + 3 for r in range(first, last + 1)}
    spanning = []
    for p in placed:
        width = sum(widths.get(c, 10.0) for c in range(p.col, p.col + p.colspan))
        need = _lines(p.text, width) * LINE_PT + 3
        if p.rowspan == 1:
            heights[p.row] = max(heights.get(p.row, 0), need)
        else:
            spanning.append((p, need))
    for p, need in spanning:
        rows = range(p.row, p.row + p.rowspan)
        have = sum(heights.get(r, LINE_PT + 3) for r in rows)
        if need > have:
            for r in rows:
                heights[r] = heights.get(r, LINE_PT + 3) + (need - have) / p.rowspan
    for r, h in heights.items():
        ws.row_dimensions[r].height = round(h, 1)


def _print_setup(ws: Worksheet, last_col: int, last_row: int, title_rows: str | None, one_page: bool) -> None:
    """A4, fit to the page's width, title rows on every page; a sheet that is one page (a table, the
    basic information) landscape and fitted to one page, a sheet of text portrait."""
    ws.page_setup.orientation = "landscape" if one_page else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1 if one_page else 0
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = one_page
    ws.print_area = f"A1:{_a1(last_row, last_col)}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A　第 &P 页，共 &N 页"


def _protect(ws: Worksheet) -> None:
    """Protect the sheet without a password: locked cells (labels, totals, checks) cannot be typed
    over; a clerk may still resize rows and columns."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _narrative_sheets(fmt: Format) -> list[tuple[str, str]]:
    """(params key, sheet name): the preface, then each section without a table."""
    return [("preface", FIELD_NAMES["preface"])] + [(s.key, s.heading) for s in fmt.sections if s.table is None]


def _meta_rows(fmt: Format) -> list[str]:
    return [*META_KEYS, *(f"source.headings.{s.key}" for s in fmt.sections)]


def _meta_label(key: str, fmt: Format) -> tuple[str, str]:
    """(项目, 说明) of a 基本信息 row, in Chinese: the row's key stays in the hidden column A."""
    if key.startswith("source.headings."):
        section = fmt.section(key.rsplit(".", 1)[1])
        return f"原报告中“{section.heading}”的标题", "可不填：仅当原报告的标题与格式不同时填写"
    return META_LABELS.get(key, (FIELD_NAMES.get(key, key), ""))


def build_workbook(fmt: Format, agency_id: str, year: int, params: AgencyYear | None = None) -> Workbook:
    wb = Workbook()
    _write_guide(wb.active, fmt)
    meta = wb.create_sheet(META_SHEET)
    meta.append(list(META_HEADER))
    known: dict[str, Any] = {"agency.id": agency_id, "year": year, "format": fmt.version}
    if params is not None:
        known.update(
            {
                "agency.name": params.agency.name,
                "title": params.title,
                "issued": params.issued_text,
                "signature": params.signature,
            }
        )
        if params.source is not None:
            known["source.file"] = params.source.file
            for k, v in params.source.headings.items():
                known[f"source.headings.{k}"] = v
    for key in _meta_rows(fmt):
        label, hint = _meta_label(key, fmt)
        meta.append([key, label, known.get(key), hint])
    for c in meta[1]:
        c.font, c.fill, c.border = BOLD, HEADER_FILL, BORDER
    widths = {1: 18.0, 2: 26.0, 3: 36.0, 4: 36.0}
    for col, width in widths.items():
        meta.column_dimensions[get_column_letter(col)].width = width
    meta.column_dimensions["A"].hidden = True  # the params keys the importer reads; no one else needs them
    for row in meta.iter_rows(min_row=2, max_col=4):
        for c in row:
            c.border, c.alignment = BORDER, LEFT
        row[2].number_format = "@"  # dates as typed (2025年1月20日), never turned into serial numbers
        if row[0].value not in META_FIXED:
            row[2].protection, row[2].fill = UNLOCKED, INPUT_FILL
        else:
            row[2].fill = FORMULA_FILL
        lines = max(_lines(str(row[i].value or ""), widths[i + 1]) for i in (1, 2, 3))
        meta.row_dimensions[row[0].row].height = lines * LINE_PT + 3
    _protect(meta)
    _print_setup(meta, 4, meta.max_row, "1:1", one_page=True)
    meta.print_area = f"B1:D{meta.max_row}"

    for key, name in _narrative_sheets(fmt):
        ws = wb.create_sheet(name)
        ws.append([KIND_HEADER, TEXT_HEADER])
        for c in ws[1]:
            c.font, c.fill = BOLD, HEADER_FILL
        blocks: list[Any] = []
        if params is not None:
            blocks = list(params.preface) if key == "preface" else params.narrative(key)
        for block in blocks:
            if isinstance(block, str):
                ws.append([PARAGRAPH, block])
            else:
                ws.append([SUBHEAD, block.subhead])
            ws.cell(ws.max_row, 1).alignment = TOP_LEFT
        kinds = DataValidation(type="list", formula1=f'"{PARAGRAPH},{SUBHEAD}"', allow_blank=True)
        ws.add_data_validation(kinds)
        kinds.add("A2:A1000")
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 8, PARAGRAPH_WIDTH
        for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].alignment = TOP_LEFT
            ws.row_dimensions[row[0].row].height = _lines(str(row[0].value or ""), PARAGRAPH_WIDTH) * LINE_PT + 3
        ws.freeze_panes = "A2"
        _print_setup(ws, 2, max(ws.max_row, 2), "1:1", one_page=False)

    for table in fmt.tables.values():
        _write_table(wb.create_sheet(table.name), fmt, table, params.tables if params is not None else None)
    wb.active = wb.sheetnames.index(GUIDE_SHEET)
    return wb


def _write_guide(ws: Worksheet, fmt: Format) -> None:
    """The 填表说明 sheet: what to fill in where, blank versus 0, units, colours, what each table is and
    which sums the sheets check — all from the format."""
    ws.title = GUIDE_SHEET
    kinds = list(
        dict.fromkeys(f"{f.cell_kind.noun}：应为{f.expected}。" for t in fmt.tables.values() for _, f in t.cells())
    )
    sections = {s.table: s.heading for s in fmt.sections if s.table}
    lines: list[tuple[str, str]] = [
        ("title", f"{fmt.title_suffix}填报工作簿 · 填表说明"),
        (
            "text",
            f"本工作簿按《{fmt.name}》（{fmt.document}）制作，统计表的行、列与模板一致，请勿插入、删除或移动行列。",
        ),
        ("head", "一、填写什么"),
        ("text", f"“{META_SHEET}”：机关名称、发布日期、落款机关等。"),
        *(
            ("text", f"“{name}”：每行一段，A 列选“{PARAGRAPH}”或“{SUBHEAD}”，B 列填写文字。")
            for _, name in _narrative_sheets(fmt)
        ),
        *(("text", f"“{t.name}”：即报告“{sections.get(t.key, '')}”部分的统计表。") for t in fmt.tables.values()),
        ("head", "二、空白与 0"),
        ("text", "空白表示“未填”或“无法统计”：导入时保留为空白，并列入导入报告和审核意见，不会当作 0。"),
        ("text", "数量为零请填 0。合计（总计）由公式自动计算，空白的单元格在合计中按 0 计，但仍会被报告。"),
        ("head", "三、数值与单位"),
        *(("text", line) for line in kinds),
        ("text", "件数以“件”或“个”计，不带单位填写数字即可；金额请按所示单位填写。"),
        ("head", "四、单元格颜色"),
        ("input", "浅黄色：填写项。"),
        ("formula", "灰色：合计公式，自动计算，已锁定，不能改写。"),
        (
            "text",
            "工作表已保护（无密码），防止误改标签和公式。若确需改写合计，请先核对各项数字；导入时改写过的合计会被指出。",
        ),
        ("head", "五、表内校验（勾稽关系）"),
        ("text", f"每张统计表下方有“校验”区：“{CHECK_OK}”为绿色，“{CHECK_BLANK}”为黄色，“{CHECK_FAILED}”为红色。"),
    ]
    for table in fmt.tables.values():
        rules = list(dict.fromkeys(eq.rule.title for eq in table_equations(fmt, table)))
        lines += [("text", f"{table.name}：{title}。") for title in rules]
    lines += [
        ("head", "六、提交"),
        (
            "text",
            "填好后保存，交给负责汇总的同事，或运行：nianbao import 本工作簿.xlsx"
            "（生成参数文件并列出空白和不符之处）。",
        ),
    ]
    ws.column_dimensions["A"].width = GUIDE_WIDTH
    styles = {
        "title": (TITLE_FONT, None),
        "head": (BOLD, None),
        "input": (None, INPUT_FILL),
        "formula": (None, FORMULA_FILL),
    }
    for i, (style, text) in enumerate(lines, start=1):
        cell = ws.cell(i, 1, text)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        font, fill = styles.get(style, (None, None))
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill, cell.border = fill, BORDER
        ws.row_dimensions[i].height = max(
            _lines(text, GUIDE_WIDTH) * LINE_PT + 3, 24 if style in ("title", "head") else 0
        )
    _protect(ws)
    _print_setup(ws, 1, len(lines), None, one_page=False)


def _label_widths(table: Table, lay: TableLayout) -> dict[int, float]:
    """Column widths: a label column as wide as its longest single-column label (a label over many
    rows wraps instead), capped; value columns wide enough for seven digits and two header characters."""
    widths: dict[int, float] = {c: 10.0 for c in range(1, lay.width + 1)}
    label_cols = 1 if table.layout == "blocks" else table.row_header_depth()
    for col in range(1, label_cols + 1):
        want = 8.0
        for p in lay.headers:
            if p.col == col and p.colspan == 1 and p.row > 1 and p.text:
                natural = _text_width(p.text) + 2
                want = max(want, min(natural, 12.0) if p.rowspan >= 3 else natural)
        widths[col] = min(want, 36.0)
    return widths


def _write_table(ws: Worksheet, fmt: Format, table: Table, values: TableValues | None) -> None:
    lay = table_layout(table)
    widths = _label_widths(table, lay)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for p in lay.headers:
        cell = ws.cell(p.row, p.col)
        if p.text:
            cell.value = p.text
            cell.font = TITLE_FONT if p.row == 1 else Font()
            cell.fill = HEADER_FILL if p.row > 1 else PatternFill()
        row_label = p.row > 1 and p.text and p.col <= (1 if table.layout == "blocks" else table.row_header_depth())
        cell.alignment = LEFT if row_label and p.rowspan == 1 and p.text != table.row_header else CENTER
        if p.rowspan > 1 or p.colspan > 1:
            ws.merge_cells(
                start_row=p.row, start_column=p.col, end_row=p.row + p.rowspan - 1, end_column=p.col + p.colspan - 1
            )
    for p in lay.headers:
        if p.row == 1:
            continue
        for r in range(p.row, p.row + p.rowspan):
            for c in range(p.col, p.col + p.colspan):
                ws.cell(r, c).border = BORDER
    formulas = sum_formulas(fmt, table, lay)
    checks: dict[tuple[str, str | None], DataValidation] = {}
    for ref, (row, col) in lay.cells.items():
        cell = ws.cell(row, col)
        cell.border, cell.alignment = BORDER, CENTER
        _, f = lay.fields[ref]
        value = values[ref] if values is not None else None
        if ref in formulas and (values is None or _sums_to(values, formulas[ref][1], value)):
            cell.value = formulas[ref][0]
            cell.fill, cell.protection = FORMULA_FILL, LOCKED
            continue
        cell.value = value
        cell.fill, cell.protection = INPUT_FILL, UNLOCKED
        if ref in formulas:  # the report's own total, kept because it is not the sum of its parts
            cell.comment = Comment("原报告中的合计（与各项之和不一致或为空），保留原值；核实后可改正。", "nianbao")
        if (f.kind, f.unit) not in checks:
            checks[f.kind, f.unit] = _data_validation(f)
            ws.add_data_validation(checks[f.kind, f.unit])
        checks[f.kind, f.unit].add(cell.coordinate)
    first_value = min(lay.cells.values())
    last = _write_checks(ws, fmt, table, lay, max(r for r, _ in lay.cells.values()) + 2)
    _fit_rows(ws, [p for p in lay.headers if p.text], widths, 1, last)
    ws.row_dimensions[1].height = 28
    title_rows = "1:1" if table.layout == "blocks" else f"1:{first_value[0] - 1}"
    ws.freeze_panes = ws.cell(first_value[0], 1 if table.layout == "blocks" else first_value[1])
    _print_setup(ws, lay.width, last, title_rows, one_page=True)
    _protect(ws)


def _write_checks(ws: Worksheet, fmt: Format, table: Table, lay: TableLayout, top: int) -> int:
    """Under the table, one check cell per rule: its formula says 相符 / 不符（N 处）/ 未填完, and
    conditional formatting turns it green, red or yellow. Returns the last row written."""
    by_rule: dict[str, list[Equation]] = {}
    for eq in table_equations(fmt, table):
        by_rule.setdefault(eq.rule.id, []).append(eq)
    if not by_rule:
        return top - 2
    status_cols = 2 if lay.width >= 4 else 1
    label_end = lay.width - status_cols
    ws.cell(top, 1, "校验（勾稽关系，自动计算）").font = BOLD
    ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=lay.width)
    row = top
    for equations in by_rule.values():
        row += 1
        rule = equations[0].rule
        label = ws.cell(row, 1, f"{rule.title}（{len(equations)} 处）")
        label.alignment, label.fill = LEFT, HEADER_FILL
        status = ws.cell(row, label_end + 1, check_formula(lay, equations))
        status.alignment, status.font = CENTER, BOLD
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=label_end)
        if status_cols > 1:
            ws.merge_cells(start_row=row, start_column=label_end + 1, end_row=row, end_column=lay.width)
        for c in range(1, lay.width + 1):
            ws.cell(row, c).border = BORDER
        lay.headers.append(Placed(row, 1, label.value, 1, label_end))
    span = f"{_a1(top + 1, label_end + 1)}:{_a1(row, label_end + 1)}"
    anchor = _a1(top + 1, label_end + 1).replace(
        get_column_letter(label_end + 1), f"${get_column_letter(label_end + 1)}"
    )
    for word, fill, font in CHECK_STYLES:
        rule = FormulaRule(formula=[f'LEFT({anchor},{len(word)})="{word}"'], fill=fill, font=font, stopIfTrue=True)
        ws.conditional_formatting.add(span, rule)
    return row


def _data_validation(f: FormatField) -> DataValidation:
    """Excel's check of a value cell, from the field's kind: whole or decimal, ≥ 0 unless signed."""
    kind = f.cell_kind
    bounds = (
        {"operator": "between", "formula1": "-1000000000", "formula2": "1000000000"}
        if kind.signed
        else {"operator": "greaterThanOrEqual", "formula1": "0"}
    )
    check = DataValidation(
        type="whole" if kind.integral else "decimal", allow_blank=True, showErrorMessage=True, **bounds
    )
    check.error, check.errorTitle = f"应为{f.expected}（无数据请填 0）", kind.noun
    return check


def _sums_to(values: TableValues, parts: list[str], total: Any) -> bool:
    part_values = [values[r] for r in parts]
    return total is not None and None not in part_values and sum(part_values) == total


def write_workbook(path: str | Path, fmt: Format, agency_id: str, year: int, params: AgencyYear | None = None) -> None:
    """Write the fill-in workbook atomically."""
    wb = build_workbook(fmt, agency_id, year, params)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)


# --- reading ------------------------------------------------------------------------------------


class LayoutError(ValueError):
    pass


def _evaluate(ws: Worksheet, cached: Worksheet, coord: str, seen: frozenset[str] = frozenset()) -> Any:
    """A cell's value: a literal, our =SUM(...) formulas evaluated, else the value Excel cached."""
    value = ws[coord].value
    if not (isinstance(value, str) and value.startswith("=")):
        return value
    m = SUM.match(value.replace(" ", "").upper())
    if not m or coord in seen:
        return cached[coord].value
    total: Any = 0
    for part in m.group(1).split(","):
        min_col, min_row, max_col, max_row = range_boundaries(part)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                v = _evaluate(ws, cached, _a1(r, c), seen | {coord})
                if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                    total += Decimal(str(v)) if isinstance(v, float) else v
    return total


def _cell_value(raw: Any, f: FormatField) -> tuple[Any, str | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, "blank"
    if isinstance(raw, bool):
        return None, "unreadable"
    if isinstance(raw, str):
        text = raw.strip()
        try:
            raw = Decimal(text)
        except ArithmeticError:
            return None, "unreadable"
    if f.cell_kind.integral:
        if isinstance(raw, (float, Decimal)) and raw != int(raw):
            return None, "unreadable"
        return int(raw), None
    return (Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)), None


def typed_over_totals(fmt: Format, table: Table, ws: Worksheet) -> list[str]:
    """Totals a clerk typed a number over: the form wrote a locked formula there (a total the form
    wrote as a number, from a report whose own total was kept, is unlocked)."""
    lay = table_layout(table)
    out = []
    for ref, (formula, _) in sum_formulas(fmt, table, lay).items():
        cell = ws.cell(*lay.cells[ref])
        if isinstance(cell.value, str) and cell.value.startswith("="):
            continue
        if cell.protection.locked:
            record, f = lay.fields[ref]
            shown = "空白" if cell.value is None else f"数值 {cell.value}"
            out.append(
                f"{table.cell_label(record, f.key)}（单元格 {cell.coordinate}）是合计，表中原为公式 {formula}，"
                f"现被改写为{shown}：请恢复公式，或核对各项数字"
            )
    return out


def failed_sums(fmt: Format, table: Table, values: dict[str, Any]) -> list[str]:
    """Every sum of the format's rules that the workbook's values break, named by the rule's own
    Chinese message (table, row, column) and the workbook's cells. Sums with a blank cell are left
    to the validation (reported there as not evaluated)."""
    lay = table_layout(table)
    out = []
    instances: dict[tuple[str, str], Any] = {}
    for eq in table_equations(fmt, table):
        operands = [values.get(r) for r in eq.cells]
        if any(v is None for v in operands):
            continue
        left, right = sum(values[r] for r in eq.left), sum(values[r] for r in eq.right)
        if left == right:
            continue
        kind = kind_of(eq.rule)
        if eq.rule.id not in {k for k, _ in instances}:
            instances.update({(eq.rule.id, i.key): i for i in kind.instances(fmt, eq.rule)})
        inst = instances.get((eq.rule.id, eq.key))
        said = kind.message(inst, None, None, left, right) if inst is not None else eq.rule.title  # type: ignore[arg-type]
        cells = (
            "、".join(_runs([lay.cells[r] for r in eq.left]))
            + " 与 "
            + "、".join(_runs([lay.cells[r] for r in eq.right]))
        )
        out.append(f"{eq.rule.title}（{eq.rule.id}）：{said.rstrip('。')}（单元格 {cells}）")
    return out


def read_workbook(path: str | Path, agency_id: str | None = None) -> ImportResult:
    path = Path(path)
    report = ImportReport(source=str(path), form="xlsx")
    wb = load_workbook(path)
    cached_wb = load_workbook(path, data_only=True)
    if META_SHEET not in wb.sheetnames:
        report.errors.append(f"{path.name}：缺少“{META_SHEET}”工作表，不是 nianbao 填报工作簿")
        return ImportResult(None, {}, report)
    meta: dict[str, Any] = {}
    for row in wb[META_SHEET].iter_rows(min_row=2, values_only=True):
        if row and row[0]:
            meta[str(row[0]).strip()] = row[2] if len(row) > 2 else None
    try:
        fmt = get_format(str(meta.get("format") or ""))
    except KeyError as err:
        report.errors.append(f"{path.name}：{META_SHEET}「format」：{err.args[0]}")
        return ImportResult(None, {}, report)
    report.format = fmt.version
    values: dict[str, Any] = {}
    for table in fmt.tables.values():
        if table.name not in wb.sheetnames:
            report.errors.append(f"{path.name}：缺少工作表“{table.name}”")
            continue
        ws, cached = wb[table.name], cached_wb[table.name]
        lay = table_layout(table)
        moved = [
            f"{_a1(p.row, p.col)} 应为“{p.text}”，实际为“{ws.cell(p.row, p.col).value or ''}”"
            for p in lay.labels.values()
            if str(ws.cell(p.row, p.col).value or "").strip() != p.text
        ]
        if moved:
            report.errors.append(f"{path.name}「{table.name}」的行与模板不一致（请勿插入或移动行）：{'；'.join(moved)}")
            continue
        for ref, (row, col) in lay.cells.items():
            record, f = lay.fields[ref]
            coord = _a1(row, col)
            raw = _evaluate(ws, cached, coord)
            value, status = _cell_value(raw, f)
            values[ref] = value
            if status:
                where = table.cell_label(record, f.key)
                found = None if raw is None else str(raw)
                report.cells.append(CellIssue(ref, f"{where}（单元格 {coord}）", status, found))
    if report.errors:
        return ImportResult(None, {}, report)
    for table in fmt.tables.values():
        report.checks += typed_over_totals(fmt, table, wb[table.name]) + failed_sums(fmt, table, values)
    sections: dict[str, list[Any]] = {}
    preface: list[str] = []
    for key, name in _narrative_sheets(fmt):
        blocks: list[Any] = []
        if name in wb.sheetnames:
            for kind, text in wb[name].iter_rows(min_row=2, max_col=2, values_only=True):
                if text is None or not str(text).strip():
                    continue
                blocks.append({"subhead": str(text)} if kind == SUBHEAD else str(text))
        if key == "preface":
            preface = [b for b in blocks if isinstance(b, str)]
        else:
            sections[key] = blocks
    headings = {k.rsplit(".", 1)[1]: str(v) for k, v in meta.items() if k.startswith("source.headings.") and v}
    issued = meta.get("issued")
    data = {
        "agency": {"id": agency_id or meta.get("agency.id"), "name": meta.get("agency.name")},
        "year": meta.get("year"),
        "format": fmt.version,
        "title": meta.get("title"),
        "issued": issued.date() if isinstance(issued, dt.datetime) else issued,
        "preface": preface,
        "sections": sections,
        "tables": TableValues(fmt, values).to_params(),
        "signature": meta.get("signature"),
        "source": {"file": meta.get("source.file") or path.name, **({"headings": headings} if headings else {})},
    }
    if data["title"] is None:
        del data["title"]
    try:
        params = from_mapping(data, path)
    except ParamsError as err:
        report.errors += [str(p) for p in err.problems]
        return ImportResult(None, data, report)
    return ImportResult(params, data, report)
