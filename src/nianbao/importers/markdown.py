"""Markdown as PDF converters write it: headings, paragraphs and pipe tables (markdown-it-py).

A PDF converter keeps the page's line breaks: a paragraph comes as lines of the page's width. A
line as wide as the page's usual full line that does not end a sentence is joined to the next
line (the width is measured on the document: the most common width of its long lines). A page
break often cuts a paragraph in two; such halves are joined again (a long paragraph that does
not end a sentence, followed by a paragraph) and the import notes how many.

Pipe tables are read line by line, not as markdown-it's tables: a converter splits a table at each
page break into tables whose "header" is really a data row, with fewer or more columns than the
rows below it — markdown-it would cut those rows to the header's width. Every ``|…|`` line is a
row with all its cells; separator lines (``|---|``) are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from nianbao.importers.document import Cell, SourceBlock, SourceDoc, clean_text, paragraphs
from nianbao.importers.labels import TERMINAL, fold

FORM = "markdown"
EXTENSIONS = (".md", ".markdown")
_TABLE_RULE = re.compile(rb"^\s*\|?\s*:?-{3,}", re.M)
_HEADING = re.compile(rb"^#{1,6}\s", re.M)


def sniff(path: Path, head: bytes) -> float:
    return 0.7 if _TABLE_RULE.search(head) or _HEADING.search(head) else 0.0


def _inline_text(token: Token) -> str:
    out = []
    for child in token.children or []:
        if child.type in {"text", "code_inline", "html_inline"}:
            out.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            out.append("\n")
    return "".join(out)


def _join_page_breaks(blocks: list[SourceBlock]) -> tuple[list[SourceBlock], int]:
    out: list[SourceBlock] = []
    joined = 0
    for block in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.kind == "para"
            and block.kind == "para"
            and len(fold(prev.text)) >= 30
            and not prev.text.endswith(TERMINAL)
        ):
            prev.text += block.text
            joined += 1
            continue
        out.append(block)
    return out, joined


_PIPE_ROW = re.compile(r"^\s*\|")
_SEPARATOR_CELL = re.compile(r"^\s*:?-{3,}:?\s*$")
MIN_LINE_WIDTH = 20  # display columns: shorter lines never count as full page lines
FULL_SLACK = 6  # a line this much narrower than the page's full width still counts as full
MIN_FULL_LINES = 8  # fewer lines at the most common width: no page width, nothing joined


def width(line: str) -> int:
    """Display width: a CJK character counts two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


def page_width(lines: list[str]) -> int | None:
    """The width of a full line of the page: the most common width of the long lines."""
    counts = Counter(width(line) for line in lines if width(line) >= MIN_LINE_WIDTH)
    if not counts:
        return None
    common, _ = counts.most_common(1)[0]
    near = sum(n for w, n in counts.items() if abs(w - common) <= 2)
    return common if near >= MIN_FULL_LINES else None


def unwrap(lines: list[str], full: int | None) -> tuple[list[str], int]:
    """Lines of one paragraph with the page's line breaks removed; and how many were removed."""
    out: list[str] = []
    joined = 0
    for line in lines:
        line = line.strip()
        if not line:
            continue
        prev = out[-1] if out else None
        if full is not None and prev is not None and width(prev) >= full - FULL_SLACK and not prev.endswith(TERMINAL):
            out[-1] = prev + line
            joined += 1
            continue
        out.append(line)
    return out, joined


def _split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip() and line.rstrip().endswith("|"):
        cells = cells[:-1]
    return [c.replace("\\|", "|") for c in cells]


def _segments(text: str) -> list[tuple[bool, list[str]]]:
    """The text as runs of pipe-table lines (True) and other lines (False), in order."""
    out: list[tuple[bool, list[str]]] = []
    for line in text.splitlines():
        is_row = bool(_PIPE_ROW.match(line))
        if out and out[-1][0] == is_row:
            out[-1][1].append(line)
        else:
            out.append((is_row, [line]))
    return out


def _table(md: MarkdownIt, lines: list[str]) -> SourceBlock:
    rows: list[list[Cell]] = []
    for line in lines:
        cells = _split_row(line)
        if cells and all(_SEPARATOR_CELL.match(c) for c in cells):
            continue
        rows.append([Cell(clean_text(_inline_text(md.parseInline(c)[0]) if c.strip() else "")) for c in cells])
    return SourceBlock("table", rows=rows)


def parse(text: str) -> tuple[list[SourceBlock], str | None, int]:
    md = MarkdownIt("commonmark")
    full = page_width([line for line in text.splitlines() if not _PIPE_ROW.match(line)])
    blocks: list[SourceBlock] = []
    title: str | None = None
    unwrapped = 0
    for is_table, lines in _segments(text):
        if is_table:
            blocks.append(_table(md, lines))
            continue
        part, title, n = _parse_text(md, "\n".join(lines), title, full)
        blocks += part
        unwrapped += n
    blocks, joined = _join_page_breaks(blocks)
    return blocks, title, joined


def _parse_text(
    md: MarkdownIt, text: str, title: str | None, full: int | None
) -> tuple[list[SourceBlock], str | None, int]:
    tokens = md.parse(text)
    blocks: list[SourceBlock] = []
    unwrapped = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            content = clean_text(_inline_text(tokens[i + 1]))
            if level == 1 and title is None:
                title = content
            blocks.extend(paragraphs(content, "heading", level))
            i += 3
            continue
        if tok.type == "inline":
            lines, n = unwrap(_inline_text(tok).split("\n"), full)
            unwrapped += n
            blocks.extend(paragraphs("\n".join(lines)))
        i += 1
    return blocks, title, unwrapped


def read(path: Path) -> SourceDoc:
    blocks, title, joined = parse(path.read_text(encoding="utf-8-sig"))
    notes = [f"{joined} 处被分页截断的段落已重新接上"] if joined else []
    return SourceDoc(path, FORM, blocks, title=title, notes=notes)
