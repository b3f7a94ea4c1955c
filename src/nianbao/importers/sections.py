"""Find the format's six sections in a report's blocks by their headings.

Real reports number a heading "1、" instead of "一、", add spaces, rename section 五, skip a
number, use traditional characters, or make a heading of a plain paragraph. A block is taken as
a section's heading when it is short and its words (folded, enumerator removed) are close to the
format heading's words — closer still when its number is the section's number. Every way the
heading differs from the format is reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from nianbao.format import Format, Section
from nianbao.importers.document import SourceBlock
from nianbao.importers.labels import Match, compare, core, fold, numbering

MAX_HEADING = 40  # folded characters; longer blocks are paragraphs
NUMBERED_MIN = 0.5  # similarity needed when the number is the section's own
UNNUMBERED_MIN = 0.8  # … when the number is missing or another section's


@dataclass(frozen=True)
class Found:
    section: Section
    index: int  # block index
    text: str  # heading as published
    match: Match
    number: int | None
    style: str


@dataclass(frozen=True)
class HeadingIssue:
    section: str
    expected: str
    found: str | None
    kind: str  # missing | renamed | misnumbered | numbering | spacing | out_of_order
    message: str

    def to_dict(self) -> dict[str, str | None]:
        return asdict(self)


def _score(text: str, section: Section, position: int, aliases: list[str]) -> tuple[float, Match, int | None, str]:
    num, rest = numbering(fold(text))
    m = compare(rest, core(section.heading), aliases)
    if num.number == position:
        ok = m.score >= NUMBERED_MIN
    else:
        ok = m.score >= UNNUMBERED_MIN
    return (m.score + (0.1 if num.number == position else 0.0) if ok else 0.0), m, num.number, num.style


def find_sections(blocks: list[SourceBlock], fmt: Format, aliases: dict[str, list[str]]) -> list[Found]:
    """The heading block of each section found, in block order.

    Every short text block is scored against every section; the best pairs are taken first, so a
    sub-head that repeats a section's words (（一）主动公开政府信息情况 under 一) loses to the real
    heading. Sub-head enumerators （一） never make a section heading.
    """
    candidates: list[tuple[float, int, int, Found]] = []
    for i, block in enumerate(blocks):
        if not block.is_text or len(fold(block.text)) > MAX_HEADING:
            continue
        for pos, section in enumerate(fmt.sections, start=1):
            score, m, number, style = _score(block.text, section, pos, aliases.get(section.key, []))
            if score > 0 and style != "paren":
                candidates.append((score, -i, pos, Found(section, i, block.text, m, number, style)))
    found: dict[str, Found] = {}
    used: set[int] = set()
    for _, _, _, f in sorted(candidates, key=lambda c: (c[0], c[1]), reverse=True):
        if f.section.key not in found and f.index not in used:
            found[f.section.key] = f
            used.add(f.index)
    return sorted(found.values(), key=lambda f: f.index)


def heading_issues(found: list[Found], fmt: Format) -> list[HeadingIssue]:
    issues: list[HeadingIssue] = []
    by_key = {f.section.key: f for f in found}
    expected_style, _ = numbering(fold(fmt.sections[0].heading))
    for pos, section in enumerate(fmt.sections, start=1):
        f = by_key.get(section.key)
        if f is None:
            issues.append(HeadingIssue(section.key, section.heading, None, "missing", f"缺少“{section.heading}”部分"))
            continue
        if f.text == section.heading:
            continue
        if f.match.kind is not None and f.match.kind != "numbering":
            issues.append(
                HeadingIssue(
                    section.key,
                    section.heading,
                    f.text,
                    "renamed",
                    f"标题为“{f.text}”，格式为“{section.heading}”",
                )
            )
        if f.number is not None and f.number != pos:
            issues.append(
                HeadingIssue(
                    section.key, section.heading, f.text, "misnumbered", f"“{f.text}”的序号应为“{section.number}”"
                )
            )
        elif f.number is None or f.style != expected_style.style:
            shown = numbering(fold(f.text))[0].text or "（无）"
            issues.append(
                HeadingIssue(
                    section.key,
                    section.heading,
                    f.text,
                    "numbering",
                    f"“{f.text}”的序号写作“{shown}”，格式为“{section.number}、”",
                )
            )
        elif fold(f.text) == fold(section.heading):
            issues.append(
                HeadingIssue(
                    section.key,
                    section.heading,
                    f.text,
                    "spacing",
                    f"“{f.text}”与格式“{section.heading}”写法不同（空格、标点或繁体字）",
                )
            )
    order = [f.section.key for f in found]
    expected_order = [s.key for s in fmt.sections if s.key in order]
    if order != expected_order:
        for key, want in zip(order, expected_order, strict=True):
            if key != want:
                f = by_key[key]
                issues.append(
                    HeadingIssue(
                        key,
                        f.section.heading,
                        f.text,
                        "out_of_order",
                        f"“{f.text}”的位置不对：六个部分应按格式顺序排列",
                    )
                )
    return issues
