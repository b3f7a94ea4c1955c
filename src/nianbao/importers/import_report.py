"""The import report: an exact account of what could not be read as the format has it.

It lists every table cell that was blank, ambiguous, not found or unreadable (and cells read with
an annotation dropped or decoded from run-together digits), every label that deviates from the
format, and every heading that is missing, renamed, misnumbered or out of order. It prints for a
person (Chinese, cells named by their template labels; a row's cells, and a block of rows whose
same columns say the same, on one line: "表三 … 5 列 25 行均为空白") and saves as JSON beside the
params.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from nianbao.importers.sections import HeadingIssue

CELL_STATUS = {
    "blank": "空白单元格",
    "ambiguous": "无法唯一确定（数字连写）",
    "not_found": "未找到",
    "unreadable": "无法识别为数字",
    "decoded": "由连写数字唯一拆分得出",
    "annotated": "数字后附注已略去",
    "converted": "已按本栏单位换算",
    "positional": "按位置读取",
}
# How a block of cells with one status is said ("5 列 25 行均为空白").
BLOCK_WORD = {"blank": "空白", "not_found": "未找到"}
# Statuses whose cell ends up null in the params.
NULL_STATUSES = ("blank", "ambiguous", "not_found", "unreadable")


def _plain(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    return v


@dataclass(frozen=True)
class CellIssue:
    ref: str  # t3.outcome.total.total
    where: str  # Chinese location
    status: str  # a key of CELL_STATUS
    found: str | None = None  # the text as published, where there was one
    value: int | Decimal | None = None
    detail: str = ""
    candidates: tuple[tuple[int, ...], ...] = ()
    row: str = ""  # the record's location (表三（…）「一、本年新收…」), to group a row's cells when printing
    column: str = ""  # the field's label

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"ref": self.ref, "where": self.where, "status": self.status}
        if self.found is not None:
            d["found"] = self.found
        if self.value is not None:
            d["value"] = _plain(self.value)
        if self.detail:
            d["detail"] = self.detail
        if self.candidates:
            d["candidates"] = [[_plain(v) for v in c] for c in self.candidates]
        return d

    def __str__(self) -> str:
        return f"{self.where}（{self.ref}）：{self.tail()}"

    def tail(self) -> str:
        text = CELL_STATUS[self.status]
        if self.found:
            text += f"，原文“{self.found}”"
        if self.detail:
            text += f"；{self.detail}"
        if self.candidates:
            shown = "；".join("|".join("空" if v is None else str(v) for v in c) for c in self.candidates[:5])
            more = f" 等 {len(self.candidates)} 种" if len(self.candidates) > 5 else ""
            text += f"；可能的拆分：{shown}{more}"
        return text


@dataclass(frozen=True)
class LabelDeviation:
    table: str  # t2 | t3 | t4
    where: str  # 表三（…）
    found: str  # as published
    expected: str | None  # the format's label, None when nothing in the format is close
    kind: str  # numbering | alias | wording | unknown
    ref: str | None = None  # record or column key when known

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        if self.expected is None:
            return f"{self.where}：“{self.found}”不是格式中的标签"
        reason = {"numbering": "序号不同", "alias": "常见别称", "wording": "措辞不同"}.get(self.kind, self.kind)
        return f"{self.where}：“{self.found}”，格式为“{self.expected}”（{reason}）"


@dataclass
class ImportReport:
    source: str
    form: str
    format: str | None = None
    cells: list[CellIssue] = field(default_factory=list)
    labels: list[LabelDeviation] = field(default_factory=list)
    headings: list[HeadingIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # sums the source breaks and totals typed over (a workbook's), each naming the rule and the cells
    checks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # what kept the import from producing params

    @property
    def ok(self) -> bool:
        return not self.errors

    def cells_with(self, *statuses: str) -> list[CellIssue]:
        return [c for c in self.cells if c.status in statuses]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "form": self.form,
            "format": self.format,
            "ok": self.ok,
            "errors": list(self.errors),
            "headings": [h.to_dict() for h in self.headings],
            "labels": [d.to_dict() for d in self.labels],
            "cells": [c.to_dict() for c in self.cells],
            "notes": list(self.notes),
            "checks": list(self.checks),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def lines(self) -> list[str]:
        """The report as lines of text for a terminal."""
        out = [f"导入报告：{self.source}（{self.form}，格式 {self.format or '未识别'}）"]
        for e in self.errors:
            out.append(f"  错误：{e}")
        sections: list[tuple[str, list[str]]] = [
            ("标题", [h.message for h in self.headings]),
            ("标签与格式不一致", [str(d) for d in self.labels]),
        ]
        for status in CELL_STATUS:
            cells = self.cells_with(status)
            sections.append((f"{CELL_STATUS[status]}（{len(cells)} 格）", _grouped(cells)))
        sections.append(("合计与勾稽关系不符", list(self.checks)))
        sections.append(("说明", list(self.notes)))
        for title, items in sections:
            if items:
                out.append(f"  {title}：" if title.endswith("格）") else f"  {title}（{len(items)}）：")
                out += [f"    - {item}" for item in items]
        if len(out) == 1 + len(self.errors):
            out.append("  与格式完全一致，没有需要说明的问题。")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _grouped(cells: list[CellIssue]) -> list[str]:
    """A row's cells with the same status and detail share a line; consecutive rows of one table
    whose same columns say the same share one too ("表三 5 列 25 行均为空白")."""
    rows: list[list[CellIssue]] = []
    for c in cells:
        last = rows[-1][-1] if rows else None
        if (
            last is not None
            and c.row
            and (c.row, c.detail, c.found, c.candidates) == (last.row, last.detail, last.found, last.candidates)
        ):
            rows[-1].append(c)
        else:
            rows.append([c])
    out: list[str] = []
    i = 0
    while i < len(rows):
        j = i + 1
        while j < len(rows) and _same_columns(rows[i], rows[j]):
            j += 1
        if j - i > 1:
            out.append(_block_line(rows[i:j]))
        elif len(rows[i]) == 1:
            out.append(str(rows[i][0]))
        else:
            group = rows[i]
            c = group[0]
            prefix = c.ref.rsplit(".", 1)[0]
            columns = "、".join(g.column for g in group)
            unit = "列" if c.row.endswith("行") else ""
            out.append(f"{c.row}「{columns}」{unit}共 {len(group)} 格（{prefix}.*）：{c.tail()}")
        i = j
    return out


def _table_of(c: CellIssue) -> str:
    return c.row.split("「", 1)[0]


def _same_columns(a: list[CellIssue], b: list[CellIssue]) -> bool:
    """Two rows' groups of cells that one line can say: the same table, columns and words."""
    x, y = a[0], b[0]
    return (
        bool(x.row)
        and x.row.endswith("行")
        and _table_of(x) == _table_of(y)
        and [c.column for c in a] == [c.column for c in b]
        and (x.status, x.detail, x.found, x.candidates) == (y.status, y.detail, y.found, y.candidates)
    )


def _block_line(rows: list[list[CellIssue]]) -> str:
    """ "表三（…）「商业企业、…」5 列 25 行均为空白（「一、…」行至「四、…」行）"."""
    first, last = rows[0][0], rows[-1][0]
    table = _table_of(first)
    columns = "、".join(c.column for c in rows[0])
    span = f"{first.row[len(table) :]}至{last.row[len(table) :]}"
    size = f"{len(rows[0])} 列 {len(rows)} 行"
    if first.tail() == CELL_STATUS[first.status]:
        return f"{table}「{columns}」{size}均为{BLOCK_WORD.get(first.status, first.tail())}（{span}）"
    return f"{table}「{columns}」{size}共 {len(rows) * len(rows[0])} 格（{span}）：{first.tail()}"
