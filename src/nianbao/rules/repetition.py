"""Copied from last year: the share of each section's text (重复率) found in last year's report.

Evaluators deduct points when a report repeats more than half of last year's text; a reviewer wants to
see which sentences. ``repetition(params, prev, rule)`` measures it per section of the format:

1. **Sentences.** Each paragraph is split after 。！？；(and line breaks); a sub-head is not text.
2. **Boilerplate out first.** Sentences every report must contain (the 《条例》 basis, the statistics
   period, the address of the report, …) are removed before anything is counted: they are data, the
   regular expressions of ``boilerplate.yaml`` beside the format (the rule's ``boilerplate`` option
   names the file; ``boilerplate_extra`` adds patterns).
3. **Normalised.** Full-width and half-width forms are folded (NFKC) and whitespace, punctuation and
   digits are dropped, so that only the year or a changed count does not hide a copied sentence
   ("2023年，我镇…共38条" repeats "2022年，我镇…共41条").
4. **Repeated** when the normalised sentence equals one of last year's (anywhere in last year's
   report: text moved between sections is still copied) or is at least ``similarity`` alike
   (difflib's ratio; one word changed in a long sentence is still copied). Sentences shorter than
   ``min_chars`` normalised characters (“无。”) are not counted either way.
5. **重复率** = characters of repeated sentences / characters of all counted sentences of the section.

``repeated_text`` reports a warning per section above ``max_share`` with the percentage, once the
section has at least ``min_section_chars`` counted characters (a two-line section that says "无其他需要
报告的事项" again is not copying). The preface is not measured: it is the prescribed opening.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from nianbao.format import Rule
from nianbao.rules.registry import RuleKind, failed_finding, register
from nianbao.validation.findings import Finding

if TYPE_CHECKING:
    from nianbao.model import AgencyYear
    from nianbao.validation.previous import PreviousReport

    Previous = AgencyYear | PreviousReport

_END = re.compile(r"(?<=[。！？；!?;])|\n+")


def sentences(paragraph: str) -> list[str]:
    """``paragraph`` cut after each 。！？；, blank pieces dropped (closing quotes stay with their sentence)."""
    out: list[str] = []
    for piece in _END.split(paragraph):
        piece = piece.strip()
        if not piece:
            continue
        if out and piece[0] in "”’」』）)" and len(piece) <= 2:
            out[-1] += piece
        else:
            out.append(piece)
    return out


def normalise(sentence: str) -> str:
    """What two sentences must share to be the same: no whitespace, punctuation or digits (NFKC-folded)."""
    text = unicodedata.normalize("NFKC", sentence)
    return "".join(ch for ch in text if not (ch.isspace() or ch.isdigit() or unicodedata.category(ch)[0] in "PSZ"))


@cache
def _patterns_file(name: str) -> tuple[str, ...]:
    text = resources.files("nianbao.format").joinpath(name).read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return tuple(str(p) for p in data.get("patterns", ()))


def boilerplate(rule: Rule) -> list[re.Pattern[str]]:
    """The rule's boilerplate patterns (its data file, then its extra ones), compiled."""
    names = rule.options.get("boilerplate")
    files = [names] if isinstance(names, str) else list(names or ())
    pats = [p for f in files for p in _patterns_file(f)] + [str(p) for p in rule.options.get("boilerplate_extra", ())]
    return [re.compile(p) for p in pats]


def is_boilerplate(sentence: str, patterns: Sequence[re.Pattern[str]]) -> bool:
    compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", sentence))
    return any(p.search(compact) for p in patterns)


@dataclass(frozen=True)
class Sentence:
    """One sentence of this year's section and what became of it."""

    text: str
    status: str  # "repeated" | "new" | "boilerplate" | "short"
    size: int  # normalised characters
    like: str = ""  # last year's sentence it repeats


@dataclass(frozen=True)
class SectionRepeat:
    """重复率 of one section."""

    key: str
    heading: str
    sentences: tuple[Sentence, ...]

    @property
    def counted(self) -> int:
        return sum(s.size for s in self.sentences if s.status in ("repeated", "new"))

    @property
    def repeated(self) -> int:
        return sum(s.size for s in self.sentences if s.status == "repeated")

    @property
    def share(self) -> Decimal | None:
        """Repeated characters / counted characters (None: nothing to count)."""
        return Decimal(self.repeated) / Decimal(self.counted) if self.counted else None

    def percent(self) -> str:
        s = self.share
        return "" if s is None else f"{(s * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.key,
            "heading": self.heading,
            "share": self.percent(),
            "counted_chars": self.counted,
            "repeated_chars": self.repeated,
            "repeated": [s.text for s in self.sentences if s.status == "repeated"],
            "boilerplate": [s.text for s in self.sentences if s.status == "boilerplate"],
        }


def _paragraphs(blocks: Iterable[Any]) -> list[str]:
    return [b for b in blocks if isinstance(b, str)]


def last_year_text(prev: Previous) -> list[str]:
    """Every paragraph of last year's report (preface and sections)."""
    sections = getattr(prev, "sections", None) or {}
    out = list(getattr(prev, "preface", ()) or ())
    for blocks in sections.values():
        out += _paragraphs(blocks)
    return out


def repetition(params: AgencyYear, prev: Previous, rule: Rule) -> list[SectionRepeat]:
    """Per section of ``params``' format, its sentences marked repeated / new / boilerplate / short."""
    o = rule.options
    patterns = boilerplate(rule)
    min_chars = int(o.get("min_chars", 8))
    similarity = float(o.get("similarity", 0.9))
    before: dict[str, str] = {}
    for paragraph in last_year_text(prev):
        for s in sentences(paragraph):
            n = normalise(s)
            if len(n) >= min_chars:
                before.setdefault(n, s)
    out = []
    for section in params.fmt.sections:
        marked = []
        for paragraph in _paragraphs(params.narrative(section.key)):
            for s in sentences(paragraph):
                n = normalise(s)
                if is_boilerplate(s, patterns):
                    marked.append(Sentence(s, "boilerplate", len(n)))
                elif len(n) < min_chars:
                    marked.append(Sentence(s, "short", len(n)))
                elif n in before:
                    marked.append(Sentence(s, "repeated", len(n), before[n]))
                else:
                    like = _alike(n, before, similarity)
                    marked.append(Sentence(s, "repeated" if like else "new", len(n), like))
        out.append(SectionRepeat(section.key, section.heading, tuple(marked)))
    return out


def _alike(n: str, before: dict[str, str], similarity: float) -> str:
    """Last year's sentence ``n`` is at least ``similarity`` alike to ("" when none)."""
    m = SequenceMatcher(None, autojunk=False)
    m.set_seq2(n)  # difflib caches what it learns about the second sequence: this year's sentence
    for old, shown in before.items():
        if 2 * min(len(n), len(old)) < similarity * (len(n) + len(old)):
            continue  # lengths too far apart (difflib's real_quick_ratio, without the matcher)
        m.set_seq1(old)
        if m.quick_ratio() >= similarity and m.ratio() >= similarity:
            return shown
    return ""


@register("repeated_text")
class RepeatedText(RuleKind):
    """A section whose text repeats more than ``max_share`` of itself from last year's report."""

    cross_year = True

    def check_years(self, params: AgencyYear, prev: Previous, rule: Rule) -> list[Finding]:
        limit = Decimal(str(rule.options.get("max_share", 0.5)))
        min_section = int(rule.options.get("min_section_chars", 40))
        out = []
        for sec in repetition(params, prev, rule):
            share = sec.share
            if share is None or share <= limit or sec.counted < min_section:
                continue
            n = sum(1 for s in sec.sentences if s.status == "repeated")
            message = (
                f"“{sec.heading}”部分与{prev.year}年度报告的重复率为{sec.percent()}（{n} 句与上年相同或基本相同，"
                f"已除去每份报告都须写的固定表述），超过{(limit * 100).normalize():f}%，请核实是否照搬上年内容。"
            )
            out.append(
                failed_finding(params, rule, message, section=sec.key, extra={"last_year": prev.year, **sec.to_dict()})
            )
        return out
