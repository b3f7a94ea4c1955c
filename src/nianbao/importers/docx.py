"""A Word .docx (python-docx): paragraphs and tables in document order, merged cells expanded."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from nianbao.importers.document import SourceBlock, SourceDoc, clean_text, grid_rows, paragraphs, sniff_zip

FORM = "docx"
EXTENSIONS = (".docx",)


def sniff(path: Path, head: bytes) -> float:
    return sniff_zip(path, head, "word/document.xml")


def _grid(table: Table) -> list[list]:
    cells: dict[tuple[int, int], tuple[int, str, bool]] = {}
    origin = 0
    for r, tr in enumerate(table._tbl.tr_lst):
        c = 0
        for tc in tr.tc_lst:
            while (r, c) in cells:
                c += 1
            span = tc.grid_span
            if tc.vMerge == "continue" and (r - 1, c) in cells:
                above_origin, text, _ = cells[(r - 1, c)]
                entry = (above_origin, text, True)
            else:
                origin += 1
                entry = (origin, _Cell(tc, table).text, False)
            for dc in range(span):
                cells[(r, c + dc)] = entry
            c += span
    return grid_rows(cells)


def read(path: Path) -> SourceDoc:
    document = docx.Document(str(path))
    blocks: list[SourceBlock] = []
    title: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(SourceBlock("table", rows=_grid(item)))
        elif isinstance(item, Paragraph):
            style = (item.style.name if item.style is not None else "") or ""
            if style == "Title":
                title = (title or "") + clean_text(item.text)
                blocks.extend(paragraphs(item.text, "heading", 1))
            elif style.startswith("Heading"):
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 2
                blocks.extend(paragraphs(item.text, "heading", level))
            else:
                blocks.extend(paragraphs(item.text))
    return SourceDoc(path, FORM, blocks, title=title)
