"""Plain text as Word saves it ("Save as: Plain Text"), like the seed report.

Outside tables, one paragraph per line. A table cell is a line starting with a tab; a line
without a tab right after a cell continues that cell (a line break inside the cell); an empty
line ends a table row; a paragraph line after an empty line ends the table.
"""

from __future__ import annotations

from pathlib import Path

from nianbao.importers.document import Cell, SourceBlock, SourceDoc, clean_text, is_page_marker

FORM = "text"
EXTENSIONS = (".txt", ".text")


def sniff(path: Path, head: bytes) -> float:
    if b"\x00" in head:
        return 0.0
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return 0.0
    tabbed = sum(line.startswith("\t") for line in text.splitlines())
    return 0.4 + (0.2 if tabbed else 0.0)


def parse(text: str) -> list[SourceBlock]:
    blocks: list[SourceBlock] = []
    table: list[list[str]] | None = None
    row: list[str] | None = None

    def close_table() -> None:
        nonlocal table, row
        if table is not None:
            rows = [[Cell(clean_text(c)) for c in r] for r in table if r]
            blocks.append(SourceBlock("table", rows=rows))
        table, row = None, None

    for line in text.splitlines():
        if is_page_marker(line):
            continue
        if line.startswith("\t"):
            if table is None:
                table = []
            if row is None:
                row = []
                table.append(row)
            row.append(line[1:])
        elif not line.strip():
            row = None
        elif row is not None:
            row[-1] += "\n" + line
        else:
            close_table()
            text_line = clean_text(line)
            if text_line:
                blocks.append(SourceBlock("para", text_line))
    close_table()
    return blocks


def read(path: Path) -> SourceDoc:
    text = path.read_text(encoding="utf-8-sig")
    return SourceDoc(path, FORM, parse(text))
