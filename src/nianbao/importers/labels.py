"""Comparing labels as published with the format's labels.

Published reports differ from the template in ways that do not change meaning: full-width or
half-width punctuation, spaces and line breaks inside a label, traditional characters. ``fold``
removes those; ``core`` also drops a leading enumerator (一、 （一） 1.). ``compare`` says how
close a published label is to a format label and, when it is not the same after folding, what
kind of deviation it is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from typing import Any

import opencc
import yaml

CN_DIGITS = "一二三四五六七八九十"
_WS = re.compile(r"\s+")
# A leading enumerator: 一、 (一) 1. 1、 — after NFKC folding (full-width brackets become ASCII).
ENUMERATOR = re.compile(rf"^(?:([{CN_DIGITS}]+)\s*[、.,]|\(\s*([{CN_DIGITS}\d]+)\s*\)|(\d{{1,2}})\s*[、.,](?!\d))")
PAGE_MARKER = re.compile(r"^\s*[-—–－―]+\s*\d{1,3}\s*[-—–－―]+\s*$")
BOOKMARK = re.compile(r"\[bookmark:[^\]]*\]")
TERMINAL = tuple("。！？；：!?;:”」』")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Width, spaces and traditional characters folded away: the form labels are compared in."""
    text = unicodedata.normalize("NFKC", text)
    text = _t2s().convert(text)
    return _WS.sub("", text)


def cn_number(text: str) -> int | None:
    """一 → 1 … 十 → 10 (the numbers headings and sub-heads use)."""
    if text.isdigit():
        return int(text)
    if text in CN_DIGITS:
        return CN_DIGITS.index(text) + 1
    return None


@dataclass(frozen=True)
class Numbering:
    """A leading enumerator as published: its number, style and the raw text."""

    number: int | None
    style: str  # "cn" 一、 | "paren" （一） | "arabic" 1、 | "" none
    text: str


def numbering(text: str) -> tuple[Numbering, str]:
    """Split a folded label into its enumerator and the rest."""
    m = ENUMERATOR.match(text)
    if not m:
        return Numbering(None, "", ""), text
    cn, paren, arabic = m.groups()
    if cn:
        style, num = "cn", cn_number(cn)
    elif paren:
        style, num = "paren", cn_number(paren)
    else:
        style, num = "arabic", int(arabic)
    return Numbering(num, style, m.group(0)), text[m.end() :]


def core(text: str) -> str:
    """The folded label without its leading enumerator."""
    return numbering(fold(text))[1]


@dataclass(frozen=True)
class Match:
    """How a published label compares with a format label: score in [0, 1] and deviation kind.

    kind is None when they are the same after folding; otherwise "numbering" (same words, different
    or missing enumerator), "alias" (a known variant), "wording" (similar words).
    """

    score: float
    kind: str | None


NO_MATCH = Match(0.0, "wording")


def compare(found: str, expected: str, aliases: Iterable[str] = ()) -> Match:
    f, e = fold(found), fold(expected)
    if not f:
        return NO_MATCH
    if f == e:
        return Match(1.0, None)
    (fn, fc), (en, ec) = numbering(f), numbering(e)
    if fc and fc == ec:
        # Same words. A missing or differently styled enumerator is a small deviation; an
        # enumerator where the format has none suggests another label (（六）其他 vs 其他).
        extra = bool(fn.text) and (fn.number, fn.style) != (en.number, en.style)
        return Match(0.7 if extra else 0.97, "numbering")
    for alias in aliases:
        if fc == core(alias) or f == fold(alias):
            return Match(0.95, "alias")
    if not fc or not ec:
        return NO_MATCH
    ratio = max(
        SequenceMatcher(None, fc, ec, autojunk=False).ratio(), SequenceMatcher(None, f, e, autojunk=False).ratio()
    )
    short, long_ = sorted((fc, ec), key=len)
    if len(short) >= 4 and short in long_ and len(short) / len(long_) >= 0.4:
        ratio = max(ratio, 0.85 / 0.9)
    return Match(round(ratio * 0.9, 4), "wording")


def best(found: str, choices: Iterable[tuple[Any, str, Iterable[str]]]) -> tuple[Any, Match]:
    """The choice (key, label, aliases) whose label is closest to ``found``."""
    top: tuple[Any, Match] = (None, NO_MATCH)
    for key, label, aliases in choices:
        m = compare(found, label, aliases)
        if m.score > top[1].score:
            top = (key, m)
    return top


@cache
def aliases(version: str) -> dict[str, Any]:
    """The aliases data file of a format version (empty when there is none)."""
    res = resources.files("nianbao.format").joinpath(f"aliases-{version}.yaml")
    if not res.is_file():
        return {}
    return yaml.safe_load(res.read_text(encoding="utf-8")) or {}


@cache
def versions() -> dict[str, Any]:
    res = resources.files("nianbao.format").joinpath("known-formats.yaml")
    return yaml.safe_load(res.read_text(encoding="utf-8")) or {}
