"""The national formats, as data. ``get_format("2021")`` returns the typed 2021 revision.

A format version is a YAML file ``v<version>.yaml`` in this folder; adding the 2019 format means
adding its data file, not new code paths.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from nianbao.errors import NianbaoError
from nianbao.format.spec import CellKind, Field, Format, HeaderCell, Node, Record, Rule, Section, Table, TableBlock

__all__ = [
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
    "get_format",
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
