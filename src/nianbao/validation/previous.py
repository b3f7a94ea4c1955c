"""The previous year's report as this year's rules read it, across a change of format.

The cross-year rules compare an agency-year with the same agency's report of the year before. When
both use one format, that report is used as it is. When the format changed in between (2020 in the
2019 format, 2021 in the 2021 format), ``previous_for`` reads the older report through the mapping of
comparable cells (``nianbao.format.comparable``): comparable cells keep their values, the others are
blank and carry the reason they are not comparable, which the validator shows ("不可比") instead of
failing or passing the rule. A pair of formats the mapping does not name is not compared at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nianbao.format import Format
from nianbao.format.comparable import comparison
from nianbao.model import AgencyYear


@dataclass(frozen=True)
class PreviousReport:
    """A previous year's report, in the cells of this year's format (what the frames and messages read)."""

    agency: Any  # the previous report's agency (``id``, ``name``)
    year: int
    format: str  # this year's format: the cells ``tables`` is keyed by
    published_in: Format  # the format the previous report was published in
    tables: Mapping[str, Any]  # this format's cell refs → the previous report's values (None: blank or not comparable)
    not_comparable: Mapping[str, str]  # cell ref → why the previous report has no comparable value
    preface: tuple[str, ...] = ()  # the previous report's text, for the 重复率 (sections keep their keys)
    sections: Mapping[str, Any] = field(default_factory=dict)


def previous_for(prev: AgencyYear, fmt: Format) -> AgencyYear | PreviousReport | None:
    """``prev`` as the rules of ``fmt`` read it: itself in the same format, a ``PreviousReport`` across a
    change of format that the mapping names, else None (not compared)."""
    if prev.format == fmt.version:
        return prev
    mapping = comparison(prev.format, fmt.version)
    if mapping is None:
        return None
    tables = {ref: prev.tables.get(mapping.cells[ref]) if ref in mapping.cells else None for ref in fmt.cell_refs()}
    return PreviousReport(
        prev.agency,
        prev.year,
        fmt.version,
        prev.fmt,
        tables,
        dict(mapping.reasons),
        tuple(prev.preface),
        dict(prev.sections),
    )
