"""A table collapsed into label text and digit runs, as crawled one-line text has it.

"…现行有效件数规章000行政规范性文件77132470第二十条…" holds no cells: only the format's labels and
the digits after them. The text is folded (width, traditional characters, every space dropped —
a space inside a digit run is not a cell boundary), cut into label text and numbers, and each
number is given to the record whose label (or a known alias) the label text before it ends with.
An enumerator glued to the digits before it ("…00000002.其他法律…") goes back to its label. 表四,
whose records are column groups, takes the digits after its header as one run. The runs are
then split under the format's sums, the whole table at once (``nianbao.importers.solver``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.format import Record, Table
from nianbao.importers.labels import core, fold

NUMBER = re.compile(r"\d+(?:\.\d+)?")
MIN_CORE = 4  # a label matched without its enumerator must keep at least this many characters


@dataclass(frozen=True)
class Piece:
    label: str  # folded label text before the number
    number: str  # digits, maybe with a decimal fraction


def pieces(text: str) -> list[Piece]:
    """The folded text as (label text, number) pairs; label text after the last number is dropped."""
    folded = fold(text)
    out: list[Piece] = []
    pos = 0
    pending = ""
    for m in NUMBER.finditer(folded):
        label = pending + folded[pos : m.start()]
        pending = ""
        out.append(Piece(label, m.group(0)))
        pos = m.end()
    # An enumerator glued to the previous digits: "0000000" + "2" + ".其他…".
    fixed: list[Piece] = []
    for i, piece in enumerate(out):
        nxt = out[i + 1].label if i + 1 < len(out) else folded[pos:]
        if nxt[:1] in {".", "、"} and "." not in piece.number:
            digits = piece.number
            enumerator, rest = digits[-1:], digits[:-1]  # the format's enumerators are one digit
            if rest:
                fixed.append(Piece(piece.label, rest))
                label = enumerator
            else:
                label = piece.label + enumerator
            if i + 1 < len(out):
                out[i + 1] = Piece(label + out[i + 1].label, out[i + 1].number)
            continue
        fixed.append(piece)
    return fixed


def record_for(label: str, records: list[Record], aliases: dict[str, list[str]], after: int) -> Record | None:
    """The record whose label the label text ends with (the record after ``after`` first)."""
    best: tuple[int, int, Record] | None = None
    for i, record in enumerate(records):
        leaf = record.labels[-1]
        variants = [fold(leaf), *(fold(a) for a in aliases.get(record.key, []))]
        variants += [c for c in (core(leaf), *(core(a) for a in aliases.get(record.key, []))) if len(c) >= MIN_CORE]
        for v in variants:
            if v and label.endswith(v):
                score = (len(v), 1 if i > after else 0)
                if best is None or score > best[:2]:
                    best = (*score, record)
    return best[2] if best else None


@dataclass(frozen=True)
class FlatRun:
    record: Record | None  # None: the whole table (表四)
    label: str
    number: str


def runs_by_rows(text: str, table: Table, aliases: dict[str, list[str]]) -> tuple[list[FlatRun], list[str]]:
    """Each record's digits; label text that names no record is noted."""
    records = list(table.records)
    out: list[FlatRun] = []
    notes: list[str] = []
    last = -1
    seen: set[str] = set()
    for piece in pieces(text):
        record = record_for(piece.label, records, aliases, last)
        if record is None or record.key in seen:
            if piece.label:
                notes.append(f"{table.name}：“{piece.label[-20:]}{piece.number}”未能对应到格式中的行，未读取")
            continue
        seen.add(record.key)
        last = records.index(record)
        out.append(FlatRun(record, piece.label, piece.number))
    return out, notes


def run_by_columns(text: str, table: Table) -> FlatRun | None:
    """The digits after 表四's header (the first number after a label text ending in a column label)."""
    labels = {fold(f.label) for r in table.records for f in r.fields}
    for piece in pieces(text):
        if any(piece.label.endswith(label) for label in labels):
            return FlatRun(None, piece.label, piece.number)
    return None
