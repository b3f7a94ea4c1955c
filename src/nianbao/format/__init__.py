"""The national formats, as data. ``get_format("2021")`` returns the typed 2021 revision.

A format version is a YAML file ``v<version>.yaml`` in this folder (``v2019.yaml``: reports of 2019
and 2020; ``v2021.yaml``: from 2021); a new format is a new data file, not new code paths. Each
format applies from its ``first_year`` until the next one's: ``format_for_year`` says which.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from nianbao.errors import NianbaoError
from nianbao.format.cell_kinds import CELL_KINDS, cell_kind
from nianbao.format.spec import CellKind, Field, Format, HeaderCell, Node, Record, Rule, Section, Table, TableBlock

__all__ = [
    "CELL_KINDS",
    "DEFAULT_FORMAT",
    "CellKind",
    "Field",
    "Format",
    "HeaderCell",
    "Node",
    "Record",
    "Rule",
    "Section",
    "Table",
    "TableBlock",
    "UnknownFormat",
    "available_formats",
    "cell_kind",
    "format_for_year",
    "get_format",
    "outdated_notice",
]

DEFAULT_FORMAT = "2021"


def available_formats() -> list[str]:
    """Format versions that have a data file, oldest first."""
    names = (p.name for p in resources.files(__package__).iterdir())
    return sorted(n[1:-5] for n in names if n.startswith("v") and n.endswith(".yaml"))


class UnknownFormat(NianbaoError, KeyError):
    """A format version that has no data file."""


@cache
def get_format(version: str = DEFAULT_FORMAT) -> Format:
    """The typed national format ``version``; ``UnknownFormat`` (a KeyError) names the versions there are."""
    version = str(version)
    if version not in available_formats():
        raise UnknownFormat(f"未知的格式版本 {version!r}；可用：{', '.join(available_formats())}")
    source = resources.files(__package__).joinpath(f"v{version}.yaml")
    from nianbao.format.spec import build_format

    return build_format(yaml.safe_load(source.read_text(encoding="utf-8")), str(source))


def format_for_year(year: int) -> str | None:
    """The version that applies to reports of ``year``: the newest whose first year is not later
    (2019–2020 → "2019", from 2021 → "2021"); None before the oldest format."""
    applicable = [v for v in available_formats() if get_format(v).first_year <= year]
    return max(applicable, key=lambda v: get_format(v).first_year, default=None)


def years_text(version: str) -> str:
    """The report years a format applies to, as the formats' notices say them: 2019—2020年度 / 2021年度起."""
    first = get_format(version).first_year
    later = [get_format(v).first_year for v in available_formats() if get_format(v).first_year > first]
    return f"{first}—{min(later) - 1}年度" if later else f"{first}年度起"


def outdated_notice(version: str, year: int) -> str | None:
    """When a ``year`` report uses format ``version`` although a newer one applies to that year
    (some agencies kept the old tables after 2021): a Chinese sentence saying so; otherwise None."""
    due = format_for_year(year)
    if due is None or due == version or get_format(due).first_year <= get_format(version).first_year:
        return None
    used, applies = get_format(version), get_format(due)
    return (
        f"{year}年度报告使用的是已停用的{used.name}（{used.document}，适用于{years_text(version)}）；"
        f"{year}年度应使用{applies.name}（{applies.document}）。"
    )
