"""A web page: paragraphs and headings in document order, tables expanded into grids (lxml)."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from nianbao.importers.document import SourceBlock, SourceDoc, clean_text, grid_rows, paragraphs

FORM = "html"
EXTENSIONS = (".html", ".htm", ".xhtml")
TEXT_TAGS = {"p", "li", "dd", "dt", "td", "th", "caption", "pre", "blockquote"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}


def sniff(path: Path, head: bytes) -> float:
    start = head[:2048].lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<table" in head.lower():
        return 0.9
    return 0.0


def _text(el: lxml.html.HtmlElement) -> str:
    return "".join(el.itertext())


def _grid(table: lxml.html.HtmlElement) -> list[list]:
    cells: dict[tuple[int, int], tuple[int, str, bool]] = {}
    trs = table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")
    origin = 0
    for r, tr in enumerate(trs):
        c = 0
        for td in tr.xpath("./td|./th"):
            while (r, c) in cells:
                c += 1
            rs = max(1, int(td.get("rowspan", "1") or 1))
            cs = max(1, int(td.get("colspan", "1") or 1))
            text = "\n".join(line for line in _text(td).split("\n"))
            origin += 1
            for dr in range(rs):
                for dc in range(cs):
                    cells[(r + dr, c + dc)] = (origin, text, dr > 0)
            c += cs
    return grid_rows(cells)


def parse(html: str | bytes) -> tuple[list[SourceBlock], str | None]:
    root = lxml.html.document_fromstring(html)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for junk in root.xpath("//script|//style|//noscript"):
        junk.drop_tree()
    title_el = root.xpath("//h1")
    title = clean_text(_text(title_el[0])) if title_el else None
    if not title:
        t = root.xpath("//title")
        title = clean_text(_text(t[0])) if t else None
    blocks: list[SourceBlock] = []
    body = root.body if root.find("body") is not None else root

    def walk(el: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            blocks.append(SourceBlock("table", rows=_grid(el)))
        elif tag in HEADINGS:
            blocks.extend(paragraphs(_text(el), "heading", HEADINGS[tag]))
        elif tag in TEXT_TAGS:
            blocks.extend(paragraphs(_text(el)))
        else:
            if el.text and el.text.strip():
                blocks.extend(paragraphs(el.text))
            for child in el:
                walk(child)
                if child.tail and child.tail.strip():
                    blocks.extend(paragraphs(child.tail))

    walk(body)
    return blocks, title


def decode(data: bytes) -> str | bytes:
    """A page that declares no charset (a saved fragment) is read as UTF-8, else GB18030; one that
    declares it is left to lxml."""
    if b"charset" in data[:4096].lower():
        return data
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data


def read(path: Path) -> SourceDoc:
    blocks, title = parse(decode(path.read_bytes()))
    return SourceDoc(path, FORM, blocks, title=title)
