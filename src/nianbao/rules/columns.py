"""Derived frame columns in pandas, for the kinds' ``derive``: sums and last year's values.

Sums keep blanks as <NA>, so a sum with a blank operand is <NA> and Great Expectations skips that
row (the validator reports it as not evaluated). pandas is imported only when a frame is derived.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from functools import reduce
from typing import TYPE_CHECKING

from nianbao.rules.registry import KEY_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


def total(columns: Iterable[pd.Series]) -> pd.Series:
    """Row-wise sum of ``columns`` that stays <NA> when any operand is blank."""
    return reduce(operator.add, columns)


def summed(frame: pd.DataFrame, columns: Iterable[str]) -> pd.Series:
    """Row-wise sum of the named columns of ``frame`` (<NA> when any is blank)."""
    return total(frame[c] for c in columns)


def _shifted(frame: pd.DataFrame, columns: list[str], renamed: Mapping[str, str]) -> pd.DataFrame:
    """Previous years' columns keyed as the following year, for a left merge."""
    out = frame[[*KEY_COLUMNS, *columns]].rename(columns=dict(renamed))
    out["year"] = out["year"] + 1
    return out


def with_last_year(frame: pd.DataFrame, prev_frame: pd.DataFrame | None, column: str, name: str) -> pd.DataFrame:
    """``frame`` with column ``name``: the previous year's ``column`` of the same agency and key."""
    import pandas as pd

    if prev_frame is None or prev_frame.empty:
        frame[name] = pd.array([None] * len(frame), dtype="Int64")
        return frame
    shifted = _shifted(prev_frame, [column], {column: name})
    return frame.merge(shifted, on=list(KEY_COLUMNS), how="left", validate="one_to_one")
