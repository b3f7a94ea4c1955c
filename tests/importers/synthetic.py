"""Synthetic published reports with a known answer: random tables that satisfy the format's sums,
rendered the ways real reports reach us.

``make_case(rng, fmt)`` draws the values (mostly zeros and small counts, some large; some cells
left blank), renders the report from the format's own labels (site chrome, the title, inline
headings, sub-heads, every table as label text and digit runs with stray spaces, labels glued to
the digits; sometimes no date or no signature) and returns the text with the true cell values.

``make_markdown_case(rng, fmt)`` renders the same kind of values as a PDF converter's markdown:
paragraphs hard-wrapped at the page width, a page label before a two-line title, tables split at
page breaks (the row after a break becomes a table's header), "数据1…" headers, phantom blank
columns, sub-row labels cut off their numbers into wrapped lines before the break, and rows of
表二 left as "label value" lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from nianbao.format import Format, Table

CHROME = ["当前位置：首页 > 政务公开 > 政府信息公开年报", "发布时间：2024-01-25", "字号：大 中 小", "【打印】"]
AGENCIES = ["某某县交通运输局", "某某市某某区人民政府", "某某镇人民政府", "某某省自然资源厅", "某某综合实验区管委会"]
FILLER = "全年主动公开政府信息1200条，政策解读35篇，持续推进基层政务公开标准化规范化。"


@dataclass
class Case:
    text: str
    truth: dict[str, int | Decimal | None]
    fmt: str


def _count(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.55:
        return 0
    if r < 0.85:
        return rng.randint(1, 9)
    if r < 0.97:
        return rng.randint(10, 99)
    return rng.randint(100, 300)


def _values(rng: random.Random, fmt: Format) -> dict[str, int | Decimal | None]:
    v: dict[str, int | Decimal | None] = {}
    t2 = fmt.tables["t2"]
    for record, f in t2.cells():
        if f.kind != "amount":
            v[t2.cell_ref(record, f.key)] = _count(rng)
        else:
            v[t2.cell_ref(record, f.key)] = Decimal(rng.randint(0, 99999)) / 100 if rng.random() < 0.7 else Decimal(0)
    t3 = fmt.tables["t3"]
    parts = [f.key for f in t3.records[0].fields if f.key != "total"]
    subs = [r for r in t3.records if r.key.startswith("outcome.") and r.key != "outcome.total"]
    for fk in parts:
        total = 0
        for r in subs:
            n = _count(rng) if rng.random() < 0.25 else 0
            v[t3.cell_ref(r, fk)] = n
            total += n
        v[t3.cell_ref("outcome.total", fk)] = total
        over = _count(rng) if rng.random() < 0.3 else 0
        v[t3.cell_ref("carried_over", fk)] = over
        carried_in = rng.randint(0, total + over) if rng.random() < 0.3 else 0
        v[t3.cell_ref("carried_in", fk)] = carried_in
        v[t3.cell_ref("new", fk)] = total + over - carried_in
    for r in t3.records:
        v[t3.cell_ref(r, "total")] = sum(v[t3.cell_ref(r, fk)] for fk in parts)  # type: ignore[misc]
    t4 = fmt.tables["t4"]
    for r in t4.records:
        ps = [_count(rng) if rng.random() < 0.4 else 0 for _ in range(4)]
        for f, n in zip(r.fields, [*ps, sum(ps)], strict=True):
            v[t4.cell_ref(r, f.key)] = n
    for ref in list(v):
        # A blank cell, published as nothing. In 表二, which has no sums, a missing digit cannot be
        # noticed at all ("820" for 82, blank, 0), so blanks are drawn in the tables with sums only.
        if not ref.startswith("t2.") and rng.random() < 0.02:
            v[ref] = None
    return v


def _digits(values: list[int | Decimal | None], rng: random.Random) -> str:
    out = ""
    for n in values:
        if n is None:
            continue
        text = str(n)
        for ch in text:
            out += ch
            if rng.random() < 0.12:
                out += " "  # a stray space, not a cell boundary
    return out


def _table_text(table: Table, v: dict[str, int | Decimal | None], rng: random.Random) -> str:
    parts: list[str] = []
    if table.layout == "blocks":
        for block in table.blocks:
            parts.append(block.label + table.row_header + "".join(f.label for f in block.columns))
            for record in table.records:
                if table.block_of(record).key == block.key:
                    parts.append(record.labels[-1])
                    parts.append(_digits([v[table.cell_ref(record, f.key)] for f in record.fields], rng))
        return "".join(parts)

    def walk(node) -> None:  # the column header, in reading order
        parts.append(node.label)
        for child in node.children:
            walk(child)

    parts.append(table.corner)
    for col in table.columns:
        walk(col)
    if table.records_by == "columns":
        cells = [v[table.cell_ref(r, f.key)] for r in table.records for f in r.fields]
        return "".join(parts) + (" " if rng.random() < 0.5 else "") + _digits(cells, rng)
    shown: tuple[str, ...] = ()
    for record in table.records:
        for i, label in enumerate(record.labels[:-1]):
            if shown[: i + 1] != record.labels[: i + 1]:
                parts.append(label)
        shown = record.labels
        parts.append(record.labels[-1])
        parts.append(_digits([v[table.cell_ref(record, f.key)] for f in record.fields], rng))
    return "".join(parts)


def make_case(rng: random.Random, fmt: Format) -> Case:
    v = _values(rng, fmt)
    agency = rng.choice(AGENCIES)
    year = rng.randint(max(fmt.first_year, 2019), 2024)
    chrome = " ".join(rng.sample(CHROME, rng.randint(0, len(CHROME))))
    title = f"{agency}{year}年{fmt.title_suffix}"
    out = [chrome, " " if chrome else "", title, " " if rng.random() < 0.5 else "", "根据《条例》编制本报告。"]
    for section in fmt.sections:
        if section.key == "other" and rng.random() < 0.1:
            continue  # only five sections
        out.append(section.heading)
        if section.table:
            out.append(_table_text(fmt.tables[section.table], v, rng))
        elif section.key == "overview":
            out.append(
                f"{year}年，本机关扎实推进政务公开。（一）主动公开方面{FILLER}（二）依申请公开方面收到申请若干件。"
            )
        else:
            out.append(FILLER)
    if rng.random() < 0.8:
        out.append(agency if rng.random() < 0.8 else "")
        out.append(" " if rng.random() < 0.5 else "")
        out.append(f"{year + 1}年1月{rng.randint(1, 28)}日")
    if rng.random() < 0.3:
        out.append(" 【关闭窗口】")
    return Case("".join(out), v, fmt.version)


PAGE = 28  # characters of a wrapped page line
CELL = 10  # characters of a wrapped label line in a table cell


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _cells(values: list[int | Decimal | None]) -> list[str]:
    return ["" if n is None else str(n) for n in values]


def _row(cells: list[str], rng: random.Random) -> str:
    phantom = [""] if rng.random() < 0.2 else []  # a converter's phantom column
    return "| " + " | ".join([*cells, *phantom]) + " |"


def _rule(n: int) -> str:
    return "|" + "---|" * n


def _md_rows(table: Table, v: dict[str, int | Decimal | None], rng: random.Random) -> list[str]:
    """表三 as pipe rows; some sub-rows lose their label to wrapped lines before a page break."""
    fields = table.records[0].fields
    out = [_row(["项目", *(f"数据{k}" for k in range(1, len(fields) + 1))], rng), _rule(len(fields) + 1)]
    for i, record in enumerate(table.records):
        cells = _cells([v[table.cell_ref(record, f.key)] for f in record.fields])
        if i and len(record.labels) > 1 and rng.random() < 0.3:
            out += ["", *_wrap(record.labels[-1], CELL), "", _row(cells, rng), _rule(len(cells))]
        else:
            out.append(_row([record.labels[-1], *cells], rng))
    return out


def _md_table(table: Table, v: dict[str, int | Decimal | None], rng: random.Random) -> list[str]:
    if table.layout == "blocks":
        out: list[str] = []
        for block in table.blocks:
            out += ["", block.label, ""]
            rows = [r for r in table.records if table.block_of(r).key == block.key]
            if len(block.columns) == 1 and rng.random() < 0.5:
                out.append("信息内容" + block.columns[0].label)
                out += [f"{r.labels[-1]} {v[table.cell_ref(r, r.fields[0].key)]}" for r in rows]
                continue
            out += [_row(["信息内容", *(f.label for f in block.columns)], rng), _rule(len(block.columns) + 1)]
            out += [_row([r.labels[-1], *_cells([v[table.cell_ref(r, f.key)] for f in r.fields])], rng) for r in rows]
        return out
    if table.records_by == "columns":
        labels = [f.label for r in table.records for f in r.fields]
        cells = _cells([v[table.cell_ref(r, f.key)] for r in table.records for f in r.fields])
        return ["", *(c.label for c in table.columns), "", _row(labels, rng), _rule(len(labels)), _row(cells, rng)]
    return _md_rows(table, v, rng)


def make_markdown_case(rng: random.Random, fmt: Format) -> Case:
    v = _values(rng, fmt)
    agency = rng.choice(AGENCIES)
    year = rng.randint(max(fmt.first_year, 2019), 2024)
    title = f"{year}年{agency}{fmt.title_suffix}"
    lines = ["正文", title[:-4], title[-4:], ""]
    lines += [*_wrap("根据《条例》编制本报告。" + FILLER * 2, PAGE), ""]
    for section in fmt.sections:
        lines += [section.heading]
        if section.table:
            lines += [*_md_table(fmt.tables[section.table], v, rng), ""]
        else:
            lines += [*_wrap(f"{year}年，本机关扎实推进政务公开。" + FILLER * 2, PAGE), ""]
    if rng.random() < 0.8:
        lines += [agency, f"{year + 1}年1月{rng.randint(1, 28)}日"]
    return Case("\n".join(lines) + "\n", v, fmt.version)
