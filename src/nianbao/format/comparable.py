"""Which cells mean the same in two versions of the national format (``comparable.yaml``, data).

An agency's 2020 report (2019 format) is followed by its 2021 report (2021 format): 2021's 上年结转 must
equal 2020's 结转下年度继续办理, but 2020's 对外公开总数量 is not 2021's 现行有效件数. ``comparison(a, b)``
reads that mapping once and answers, for every cell of the newer format, whether the older format has
the same cell and, if not, why it is not comparable ("不可比"). The cross-year rules and the
year-over-year views read a previous year through it; nothing here knows a particular table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from importlib import resources

import yaml

from nianbao.format.spec import Format

SOURCE = "comparable.yaml"


@dataclass(frozen=True)
class Comparison:
    """How a report published in format ``source`` reads in format ``target``: the cells of ``target`` it
    holds with the same meaning, and why the others are not comparable."""

    source: Format
    target: Format
    cells: Mapping[str, str]  # target cell ref → source cell ref
    reasons: Mapping[str, str]  # target cell ref → why it is not comparable (refs not in ``cells``)

    def reason(self, ref: str) -> str:
        return self.reasons.get(ref, f"{self.source.name}中没有与之对应的单元格")


def _entries() -> list[dict]:
    text = resources.files(__package__).joinpath(SOURCE).read_text(encoding="utf-8")
    return list(yaml.safe_load(text) or [])


@cache
def comparison(source: str, target: str) -> Comparison | None:
    """How a report in format ``source`` reads in format ``target`` (a pair the mapping names in either
    order), or None when the mapping names no such pair. A version compares every cell with itself."""
    from nianbao.format import get_format

    a, b = get_format(source), get_format(target)
    if a.version == b.version:
        return Comparison(a, b, {r: r for r in b.cell_refs()}, {})
    entry = next((e for e in _entries() if {str(e["from"]), str(e["to"])} == {a.version, b.version}), None)
    if entry is None:
        return None
    source_refs = set(a.cell_refs())
    same = [str(p) for p in entry.get("same", ())]
    excepted: dict[str, str] = {str(k): str(v) for k, v in (entry.get("except") or {}).items()}
    per_table: dict[str, str] = {str(k): str(v) for k, v in (entry.get("not_comparable") or {}).items()}
    cells: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for ref in b.cell_refs():
        why = next((r for p, r in excepted.items() if fnmatchcase(ref, p)), None)
        if why is None and ref in source_refs and any(fnmatchcase(ref, p) for p in same):
            cells[ref] = ref
            continue
        table = ref.split(".", 1)[0]
        reasons[ref] = why or per_table.get(table) or f"{a.name}中没有与之对应的单元格"
    return Comparison(a, b, cells, reasons)
