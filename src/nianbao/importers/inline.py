"""Unstructured text into blocks: a crawled web page's body that comes as one long line.

Such a text holds the site's chrome (navigation, "发布时间：…", font-size links), the title, the
narrative with its headings inline ("…办事效率。一、总体情况2021年，…"), the tables collapsed into
label text and digit runs, and the closing. ``restructure`` finds the format's section headings
(and their aliases, from the format's data) wherever they stand in a long block, cuts the block
there, drops the chrome before the title (keeping the page's metadata lines such as the date),
splits each narrative part into paragraphs and sub-heads, and cuts the signature and the date off
the end. A text whose blocks are already short paragraphs is returned as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nianbao.format import Format
from nianbao.importers.document import SourceBlock
from nianbao.importers.labels import CN_DIGITS, core, fold

LONG_BLOCK = 120  # characters: a block this long that holds a section heading is cut up
MAX_SUBHEAD = 24  # characters of a sub-head cut off the start of a paragraph
MAX_TRAILER = 300  # characters after the closing date that are taken as page chrome
# Raw-text variants of the characters a heading may contain.
_VARIANTS = {"、": "[、,，.．]", "（": "[（(]", "）": "[）)]", "，": "[，,]"}
NUMBER = rf"(?:[{CN_DIGITS}]{{1,2}}|\d{{1,2}})\s*[、.．，,]\s*"
TITLE = re.compile(
    r"[^\s，。；：:>》|｜、]{0,60}?\d{4}\s*年度?[^\s，。；：:>》|｜]{0,40}?"
    r"政府信息公开(?:工作)?(?:年度报告|年报)"
)
DATE = r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
CLOSING = re.compile(rf"(?:^|[。！？；\s])(?P<sig>[^\s。！？；，,：:]{{2,40}}?)?\s*(?P<date>{DATE})")
SUBHEAD_START = re.compile(rf"^[（(][{CN_DIGITS}]{{1,2}}[）)]")
SUBHEAD_END = ("方面", "情况", "工作", "建设", "保障")  # in order of preference
_ENUM = rf"[（(][{CN_DIGITS}]{{1,2}}[）)]"
PARA_BREAK = re.compile(rf"(?<=[。！？；”])\s+|\s+(?={_ENUM})|(?<=[。！？；])(?={_ENUM})")
META_LINE = re.compile(r"^(?P<key>[^\s：:]{2,8})[：:]\s*(?P<value>\S.{0,40}?)$")


@dataclass
class Restructured:
    blocks: list[SourceBlock]
    title: str | None = None
    notes: list[str] = field(default_factory=list)


def _words_pattern(words: str) -> str:
    return r"\s*".join(_VARIANTS.get(ch, re.escape(ch)) for ch in words)


def heading_patterns(fmt: Format, section_aliases: dict[str, list[str]]) -> list[re.Pattern[str]]:
    """One pattern per section: an enumerator, then the heading's words or an alias's."""
    out = []
    for section in fmt.sections:
        words = [core(section.heading), *(core(a) for a in section_aliases.get(section.key, []))]
        alternatives = "|".join(_words_pattern(w) for w in sorted(set(words), key=len, reverse=True))
        out.append(re.compile(rf"{NUMBER}(?:{alternatives})"))
    return out


def _inline_headings(text: str, patterns: list[re.Pattern[str]]) -> list[tuple[int, int, int]]:
    """(section index, start, end) of each section heading found in ``text``, in the format's order."""
    spans: list[tuple[int, int, int]] = []
    pos = 0
    for k, pattern in enumerate(patterns):
        m = pattern.search(text, pos)
        if m:
            spans.append((k, m.start(), m.end()))
            pos = m.end()
    return spans


def split_paragraphs(text: str) -> list[SourceBlock]:
    """A narrative part's text as paragraphs, with a leading （一）… sub-head cut off as a heading."""
    out: list[SourceBlock] = []
    for piece in PARA_BREAK.split(text):
        piece = piece.strip()
        if not piece:
            continue
        head = _subhead(piece)
        if head:
            out.append(SourceBlock("heading", head, level=3))
            piece = piece[len(head) :].strip()
        if piece:
            out.append(SourceBlock("para", piece))
    return out


def _subhead(text: str) -> str | None:
    """The sub-head at the start of ``text``: "（一）主动公开方面" before running text, or a short first
    sentence ("（二）强化平台建设。")."""
    m = SUBHEAD_START.match(text)
    if not m:
        return None
    first = re.split(r"(?<=[。：:])", text, maxsplit=1)[0]
    if len(first) <= MAX_SUBHEAD and len(first) < len(text):
        return first
    window = text[: MAX_SUBHEAD + 1]
    for word in SUBHEAD_END:
        end = window.find(word, m.end())
        if end > 0:
            return text[: end + len(word)]
    return None


class _Cutter:
    def __init__(self, fmt: Format, section_aliases: dict[str, list[str]], metadata: dict[str, list[str]]):
        self.fmt = fmt
        self.patterns = heading_patterns(fmt, section_aliases)
        self.meta_keys = {fold(n) for names in metadata.values() for n in names}
        self.notes: list[str] = []
        self.title: str | None = None

    def front(self, text: str) -> list[SourceBlock]:
        """The text before the first section: chrome, the title, the preface."""
        m = next((t for t in TITLE.finditer(text) if t.start() == 0 or text[t.start() - 1] not in "，。；"), None)
        blocks: list[SourceBlock] = []
        if m is None:
            return split_paragraphs(text)
        chrome = text[: m.start()]
        kept = 0
        for piece in chrome.split():
            meta = META_LINE.match(piece)
            if meta and fold(meta.group("key")) in self.meta_keys:
                blocks.append(SourceBlock("para", piece))
                kept += 1
        dropped = len(re.sub(r"\s+", "", chrome)) - sum(len(b.text) for b in blocks)
        if dropped > 0:
            self.notes.append(f"标题前的网页内容（导航等，{dropped} 字）已删去")
        self.title = re.sub(r"\s+", "", m.group(0))
        blocks.append(SourceBlock("heading", self.title, level=1))
        return blocks + split_paragraphs(text[m.end() :])

    def closing(self, text: str) -> list[SourceBlock]:
        """The last part: its paragraphs, then the signature and the date cut off the end."""
        matches = [
            m
            for m in CLOSING.finditer(text)
            if len(text) - m.end() <= MAX_TRAILER and not re.search("[，。,]", text[m.end() :])
        ]
        if not matches:
            return split_paragraphs(text)
        m = matches[-1]
        start = m.start("sig") if m.group("sig") else m.start("date")
        body = split_paragraphs(text[:start])
        if not body:  # the date is part of the text itself
            return split_paragraphs(text)
        tail = [SourceBlock("para", m.group("sig"))] if m.group("sig") else []
        tail.append(SourceBlock("para", re.sub(r"\s+", "", m.group("date"))))
        trailer = text[m.end() :].strip()
        if trailer:
            self.notes.append(f"落款日期后的网页内容（{len(trailer)} 字）已删去")
        return body + tail

    def cut(self, blocks: list[SourceBlock]) -> list[SourceBlock]:
        out: list[SourceBlock] = []
        long_blocks = [i for i, b in enumerate(blocks) if b.kind == "para" and len(b.text) >= LONG_BLOCK]
        for i, block in enumerate(blocks):
            spans = _inline_headings(block.text, self.patterns) if i in long_blocks else []
            if not spans or [s[1:] for s in spans] == [(0, len(block.text))]:
                out.append(block)
                continue
            text = block.text
            before = text[: spans[0][1]]
            if before.strip():
                out += self.front(before) if i == long_blocks[0] and not out else split_paragraphs(before)
            for k, (section, start, end) in enumerate(spans):
                out.append(SourceBlock("heading", text[start:end].strip(), level=2))
                stop = spans[k + 1][1] if k + 1 < len(spans) else len(text)
                body = text[end:stop]
                last = k + 1 == len(spans) and i == long_blocks[-1]
                if last:
                    out += self.closing(body)
                elif self.fmt.sections[section].table:  # label text and digit runs: the table reader's
                    out += [SourceBlock("para", body.strip())] if body.strip() else []
                else:
                    out += split_paragraphs(body)
        return out


def restructure(
    blocks: list[SourceBlock], fmt: Format, section_aliases: dict[str, list[str]], metadata: dict[str, list[str]]
) -> Restructured:
    """``blocks`` with every long block that holds inline section headings cut into headings,
    paragraphs, sub-heads, the title and the closing (unchanged when there is none)."""
    cutter = _Cutter(fmt, section_aliases, metadata)
    out = cutter.cut(blocks)
    if out is not blocks and len(out) != len(blocks):
        cutter.notes.insert(0, "原文正文连成一段（网页抓取文本），已按格式中的部分标题切分")
    return Restructured(out, cutter.title, cutter.notes)
