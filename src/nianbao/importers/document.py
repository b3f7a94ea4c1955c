"""What every reader of a published report produces: the report as a flat list of blocks.

A block is a paragraph, a heading or a table. A table is a list of rows of cells in reading
order; merged cells are expanded into the grid by the readers that know about merges (HTML,
.docx), and a cell repeated from the row above is marked ``above`` so the table reader can use
it as a group label without mistaking it for a new row label. The rest of the import —
sections, tables, metadata — works on this form only, whatever the source was.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from nianbao.importers.labels import BOOKMARK, PAGE_MARKER


@dataclass(frozen=True)
class Cell:
    text: str
    above: bool = False  # repeated from the row above (a rowspan / vertical merge)


@dataclass
class SourceBlock:
    kind: Literal["para", "heading", "table"]
    text: str = ""
    rows: list[list[Cell]] = field(default_factory=list)
    level: int = 0  # heading level where the source has one

    @property
    def is_text(self) -> bool:
        return self.kind != "table"


@dataclass
class SourceDoc:
    """A published report read into blocks, with what the form itself says (e.g. an HTML title)."""

    path: Path
    form: str
    blocks: list[SourceBlock]
    title: str | None = None
    notes: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Drop Word bookmarks and surrounding whitespace."""
    return BOOKMARK.sub("", text).strip()


def is_page_marker(text: str) -> bool:
    return bool(PAGE_MARKER.match(text))


def paragraphs(text: str, kind: Literal["para", "heading"] = "para", level: int = 0) -> list[SourceBlock]:
    """One block per non-empty line (page markers dropped)."""
    out = []
    for line in text.split("\n"):
        line = clean_text(line)
        if line and not is_page_marker(line):
            out.append(SourceBlock(kind, line, level=level))
    return out


def grid_rows(cells: dict[tuple[int, int], tuple[int, str, bool]]) -> list[list[Cell]]:
    """Rows of an expanded grid {(row, col): (origin id, text, from above)}; a cell spanning
    several columns appears once per row."""
    if not cells:
        return []
    nrows = max(r for r, _ in cells) + 1
    rows: list[list[Cell]] = []
    for r in range(nrows):
        row: list[Cell] = []
        last_origin = None
        for c in sorted(c for rr, c in cells if rr == r):
            origin, text, above = cells[(r, c)]
            if origin == last_origin:
                continue
            last_origin = origin
            row.append(Cell(clean_text(text), above))
        rows.append(row)
    return rows


def sniff_zip(path: Path, head: bytes, member: str) -> float:
    """How sure it is that ``path`` is an Office file: a zip archive holding ``member``."""
    if not head.startswith(b"PK"):
        return 0.0
    try:
        with zipfile.ZipFile(path) as z:
            return 0.95 if member in z.namelist() else 0.0
    except zipfile.BadZipFile:
        return 0.0
