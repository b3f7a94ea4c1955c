"""What a report covers (``scopes.yaml``, data): 本机关, 本级政府汇总 or 系统汇总.

A params file may say ``scope:`` and ``parent:``. An aggregate scope means the report's tables are the
sums of its children's (the agencies whose params name it as ``parent``) and are checked against them
(rule kind ``rollup``); 本机关 means the report covers its own office only and is never compared with a
sum. The scopes and their meaning are data, read once; nothing else spells them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

SOURCE = "scopes.yaml"


@dataclass(frozen=True)
class Scope:
    name: str  # as params and reports write it: 本级政府汇总
    aggregate: bool  # whether the report's tables are the sums of its children's
    means: str  # what it covers, in the words a clerk reads


@cache
def scopes() -> dict[str, Scope]:
    """Every scope by its name, in the data's order."""
    text = resources.files(__package__).joinpath(SOURCE).read_text(encoding="utf-8")
    return {str(s["name"]): Scope(str(s["name"]), bool(s["aggregate"]), str(s["means"])) for s in yaml.safe_load(text)}


def scope(name: str | None) -> Scope | None:
    """The scope called ``name`` (None for None); ``KeyError`` for a name the data does not know."""
    return None if name is None else scopes()[name]


def scope_choices() -> str:
    """The scopes as a clerk is told them: 本机关（仅本机关…）、本级政府汇总（…）…"""
    return "、".join(f"{s.name}（{s.means}）" for s in scopes().values())
