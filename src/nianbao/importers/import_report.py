"""The import report: an exact account of what could not be read as the format has it.

It lists every table cell that was blank, ambiguous, not found or unreadable (and cells read with
an annotation dropped or decoded from run-together digits), every label that deviates from the
format, and every heading that is missing, renamed, misnumbered or out of order. It prints for a
person (Chinese, cells named by their template labels) and saves as JSON beside the params.
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
    """One line per cell, except that a row's cells with the same status and detail share a line."""
    out: list[str] = []
    i = 0
    while i < len(cells):
        c = cells[i]
        j = i + 1
        while (
            c.row
            and j < len(cells)
            and (cells[j].row, cells[j].detail, cells[j].found, cells[j].candidates)
            == (c.row, c.detail, c.found, c.candidates)
        ):
            j += 1
        if j - i == 1:
            out.append(str(c))
        else:
            group = cells[i:j]
            prefix = c.ref.rsplit(".", 1)[0]
            columns = "、".join(g.column for g in group)
            unit = "列" if c.row.endswith("行") else ""
            out.append(f"{c.row}「{columns}」{unit}共 {len(group)} 格（{prefix}.*）：{c.tail()}")
        i = j
    return out
