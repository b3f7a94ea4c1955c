"""The fill-in workbook (openpyxl): ``nianbao new AGENCY-ID YEAR --xlsx FILE`` and its reader.

Sheets: 基本信息 (metadata: one row per params field, by ASCII key), one sheet per narrative part
(开头段落 and the three narrative sections; column A says 段落 or 小标题), and one sheet per table,
laid out as in the template with merged headers. Totals are formulas (=SUM of their parts, as the
format's sum rules say) unless the params being written hold a total that differs from the sum of
its parts (or a blank one): that value is written as it is, so params → workbook → params is exact.
Every value cell admits only what its kind admits (nianbao.format.cell_kinds): a non-negative whole number,
a whole number for a signed count (本年增/减), a non-negative decimal for an amount.

The cell positions come from ``table_layout`` for both writing and reading, and the reader checks
the row labels are still where the layout puts them, so a moved row is an error, not a wrong value.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from nianbao import atomic
from nianbao.format import Field as FormatField
from nianbao.format import Format, Record, Table, get_format
from nianbao.importers.assemble import ImportResult
from nianbao.importers.import_report import CellIssue, ImportReport
from nianbao.model import AgencyYear
from nianbao.params import FIELD_NAMES, ParamsError, from_mapping
from nianbao.rules import table_sums
from nianbao.values import TableValues

META_SHEET = "基本信息"
PARAGRAPH, SUBHEAD = "段落", "小标题"
KIND_HEADER = "类型"
TEXT_HEADER = "内容"
META_HEADER = ("键", "说明", "值")
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


# --- writing ------------------------------------------------------------------------------------


def _narrative_sheets(fmt: Format) -> list[tuple[str, str]]:
    """(params key, sheet name): the preface, then each section without a table."""
    return [("preface", FIELD_NAMES["preface"])] + [(s.key, s.heading) for s in fmt.sections if s.table is None]


def _meta_rows(fmt: Format) -> list[str]:
    return [*META_KEYS, *(f"source.headings.{s.key}" for s in fmt.sections)]


def _meta_description(key: str, fmt: Format) -> str:
    if key.startswith("source.headings."):
        section = fmt.section(key.rsplit(".", 1)[1])
        return f"{FIELD_NAMES['source']}：“{section.heading}”的原标题（与格式不同时）"
    return FIELD_NAMES.get(key, FIELD_NAMES.get(key.split(".")[0], key))


def build_workbook(fmt: Format, agency_id: str, year: int, params: AgencyYear | None = None) -> Workbook:
    wb = Workbook()
    meta = wb.active
    meta.title = META_SHEET
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
        meta.append([key, _meta_description(key, fmt), known.get(key)])
    for c in meta[1]:
        c.font, c.fill = Font(bold=True), HEADER_FILL
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 26, 40
    meta.column_dimensions["C"].width = 60

    for key, name in _narrative_sheets(fmt):
        ws = wb.create_sheet(name)
        ws.append([KIND_HEADER, TEXT_HEADER])
        for c in ws[1]:
            c.font, c.fill = Font(bold=True), HEADER_FILL
        blocks: list[Any] = []
        if params is not None:
            blocks = list(params.preface) if key == "preface" else params.narrative(key)
        for block in blocks:
            if isinstance(block, str):
                ws.append([PARAGRAPH, block])
            else:
                ws.append([SUBHEAD, block.subhead])
        kinds = DataValidation(type="list", formula1=f'"{PARAGRAPH},{SUBHEAD}"', allow_blank=True)
        ws.add_data_validation(kinds)
        kinds.add("A2:A1000")
        ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 10, 120
        for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
            row[0].alignment = Alignment(wrap_text=True, vertical="top")

    for table in fmt.tables.values():
        _write_table(wb.create_sheet(table.name), fmt, table, params.tables if params is not None else None)
    return wb


def _write_table(ws: Worksheet, fmt: Format, table: Table, values: TableValues | None) -> None:
    lay = table_layout(table)
    for p in lay.headers:
        cell = ws.cell(p.row, p.col)
        if p.text:
            cell.value = p.text
            cell.font = Font(bold=p.row == 1)
            cell.fill = HEADER_FILL
        cell.alignment = CENTER
        if p.rowspan > 1 or p.colspan > 1:
            ws.merge_cells(
                start_row=p.row, start_column=p.col, end_row=p.row + p.rowspan - 1, end_column=p.col + p.colspan - 1
            )
    for p in lay.headers:
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
            cell.fill = FORMULA_FILL
            continue
        cell.value = value
        if (f.kind, f.unit) not in checks:
            checks[f.kind, f.unit] = _data_validation(f)
            ws.add_data_validation(checks[f.kind, f.unit])
        checks[f.kind, f.unit].add(cell.coordinate)
    for col in range(1, lay.width + 1):
        ws.column_dimensions[get_column_letter(col)].width = 14
    ws.column_dimensions["A"].width = 22 if table.layout == "blocks" else 16


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
