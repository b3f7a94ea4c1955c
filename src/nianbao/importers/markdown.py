"""Markdown as PDF converters write it: headings, paragraphs and pipe tables (markdown-it-py).

A PDF page break often cuts a paragraph in two; such halves are joined again (a long paragraph
that does not end a sentence, followed by a paragraph) and the import notes how many.
"""

from __future__ import annotations

import re
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


def parse(text: str) -> tuple[list[SourceBlock], str | None, int]:
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    blocks: list[SourceBlock] = []
    title: str | None = None
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
        if tok.type == "table_open":
            rows: list[list[Cell]] = []
            j = i + 1
            while tokens[j].type != "table_close":
                t = tokens[j]
                if t.type == "tr_open":
                    rows.append([])
                elif t.type == "inline":
                    rows[-1].append(Cell(clean_text(_inline_text(t))))
                j += 1
            blocks.append(SourceBlock("table", rows=rows))
            i = j + 1
            continue
        if tok.type == "inline":
            blocks.extend(paragraphs(_inline_text(tok)))
        i += 1
    blocks, joined = _join_page_breaks(blocks)
    return blocks, title, joined


def read(path: Path) -> SourceDoc:
    blocks, title, joined = parse(path.read_text(encoding="utf-8-sig"))
    notes = [f"{joined} 处被分页截断的段落已重新接上"] if joined else []
    return SourceDoc(path, FORM, blocks, title=title, notes=notes)
