"""The batch overview's figures, computed from build/data/ (``nianbao.publish.open_data``) with pandas.

What is counted is data (``measures.yaml``): totals that sum cells, rates that divide two totals, the
small-sample thresholds. Every function takes the long table of cells (or the findings) and returns a
plain DataFrame the notebook shows and plots; nothing here knows a particular agency or year.

Blank cells are never read as 0: an agency-year with a blank cell that a total reads is left out of that
total (and of every rate built on it), and the overview says how many were left out. A rate is shown
only when its pooled denominator and its number of agency-years reach the thresholds; otherwise it is
``None`` with the reason (样本过少). Outliers use Tukey's fences at 3 × IQR, computed only for years with
enough agency-years.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

SOURCE = "measures.yaml"
FENCE = 3.0  # Tukey's far-out fences: beyond Q3 + 3 × IQR (or below Q1 − 3 × IQR)
SMALL_SAMPLE = "样本过少"


@dataclass(frozen=True)
class Total:
    key: str
    label: str
    cells: tuple[str, ...]
    minus: tuple[str, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return (*self.cells, *self.minus)


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: str
    denominator: str
    note: str = ""


@dataclass(frozen=True)
class Spec:
    totals: tuple[Total, ...]
    rates: tuple[Rate, ...]
    min_denominator: int
    min_agencies: int
    min_agency_denominator: int
    min_for_outliers: int
    distribution: str
    outliers: tuple[str, ...]

    def total(self, key: str) -> Total:
        return next(t for t in self.totals if t.key == key)

    def label(self, key: str) -> str:
        return next((m.label for m in (*self.totals, *self.rates) if m.key == key), key)


@cache
def spec() -> Spec:
    """The overview's measures, read once from ``measures.yaml``."""
    data: dict[str, Any] = yaml.safe_load(resources.files(__package__).joinpath(SOURCE).read_text(encoding="utf-8"))
    return Spec(
        totals=tuple(Total(t["key"], t["label"], tuple(t["cells"]), tuple(t.get("minus", ()))) for t in data["totals"]),
        rates=tuple(Rate(**r) for r in data["rates"]),
        min_denominator=int(data["min_denominator"]),
        min_agencies=int(data["min_agencies"]),
        min_agency_denominator=int(data["min_agency_denominator"]),
        min_for_outliers=int(data["min_for_outliers"]),
        distribution=str(data["distribution"]),
        outliers=tuple(data["outliers"]),
    )


def load(data_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long tables of cells and findings from build/data/ (Parquet)."""
    folder = Path(data_dir)
    return pd.read_parquet(folder / "cells.parquet"), pd.read_parquet(folder / "findings.parquet")


def wide(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per agency-year (year, agency, agency_name), one column per cell reference; blanks NaN."""
    if cells.empty:
        return pd.DataFrame(index=pd.MultiIndex.from_tuples([], names=["year", "agency", "agency_name"]))
    values = cells.assign(value=cells["value"].astype("float64"))
    frame = values.set_index(["year", "agency", "agency_name", "cell"])["value"].unstack("cell")
    return frame.sort_index()


def agency_totals(cells: pd.DataFrame, measures: Spec | None = None) -> pd.DataFrame:
    """Every total per agency-year; NaN where a cell it reads is blank (or the format has no such cell)."""
    m = measures or spec()
    w = wide(cells)
    out = pd.DataFrame(index=w.index)
    for t in m.totals:
        if not set(t.refs) <= set(w.columns):
            out[t.key] = float("nan")
            continue
        part = w[list(t.refs)]
        value = w[list(t.cells)].sum(axis=1) - (w[list(t.minus)].sum(axis=1) if t.minus else 0)
        out[t.key] = value.where(part.notna().all(axis=1))
    return out


def yearly_totals(cells: pd.DataFrame, measures: Spec | None = None) -> pd.DataFrame:
    """Per year: the number of agency-years, and each total summed over those whose cells are all filled
    in (``<key>_blank``: how many were left out for a blank cell)."""
    m = measures or spec()
    per = agency_totals(cells, m)
    if per.empty:
        return pd.DataFrame(columns=["agency_years"])
    grouped = per.groupby(level="year")
    out = pd.DataFrame({"agency_years": grouped.size()})
    for t in m.totals:
        out[t.key] = grouped[t.key].sum(min_count=1)
        out[f"{t.key}_blank"] = grouped[t.key].apply(lambda s: int(s.isna().sum()))
    return out


def yearly_rates(cells: pd.DataFrame, measures: Spec | None = None) -> pd.DataFrame:
    """Per year and rate: the pooled rate (None when the sample is too small), its numerator, denominator,
    the agency-years pooled and the reason a rate is not shown."""
    m = measures or spec()
    per = agency_totals(cells, m)
    rows = []
    for year, group in per.groupby(level="year"):
        for r in m.rates:
            both = group[[r.numerator, r.denominator]].dropna()
            num, den, n = float(both[r.numerator].sum()), float(both[r.denominator].sum()), len(both)
            small = den < m.min_denominator or n < m.min_agencies
            reason = (
                f"{SMALL_SAMPLE}（{n} 份报告，分母 {den:g} 件；至少需 {m.min_agencies} 份、{m.min_denominator} 件）"
            )
            rows.append(
                {
                    "year": year,
                    "rate": r.key,
                    "label": r.label,
                    "value": None if small or den == 0 else num / den,
                    "numerator": num,
                    "denominator": den,
                    "agency_years": n,
                    "left_out": len(group) - n,
                    "reason": reason if small else "",
                }
            )
    return pd.DataFrame(rows)


def agency_rates(cells: pd.DataFrame, measures: Spec | None = None) -> pd.DataFrame:
    """Each rate per agency-year, only where its own denominator reaches ``min_agency_denominator``."""
    m = measures or spec()
    per = agency_totals(cells, m)
    out = pd.DataFrame(index=per.index)
    for r in m.rates:
        den = per[r.denominator]
        out[r.key] = (per[r.numerator] / den).where(den >= m.min_agency_denominator)
    return out


def outliers(cells: pd.DataFrame, measures: Spec | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Agency-years beyond Tukey's far-out fences of their year, per total of ``measures.outliers``; and
    the years left out for too few agency-years (样本过少)."""
    m = measures or spec()
    per = agency_totals(cells, m)
    rows, small = [], []
    for year, group in per.groupby(level="year"):
        few = []
        for key in m.outliers:
            values = group[key].dropna()
            if len(values) < m.min_for_outliers:
                few.append(f"「{m.label(key)}」{len(values)} 份")
                continue
            q1, q3 = values.quantile(0.25), values.quantile(0.75)
            low, high = q1 - FENCE * (q3 - q1), q3 + FENCE * (q3 - q1)
            for (y, agency, name), v in values.items():
                if v > high or v < low:
                    rows.append(
                        {
                            "year": y,
                            "agency": agency,
                            "agency_name": name,
                            "measure": m.label(key),
                            "value": v,
                            "median": values.median(),
                            "fence": high if v > high else low,
                            "side": "偏高" if v > high else "偏低",
                        }
                    )
        if few:
            need = f"至少需 {m.min_for_outliers} 份"
            small.append(f"{year}年度：{SMALL_SAMPLE}（{'、'.join(few)}；{need}），未判断异常值")
    cols = ["year", "agency", "agency_name", "measure", "value", "median", "fence", "side"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.sort_values(["year", "measure", "value"], ascending=[True, True, False], ignore_index=True), small


def findings_by_rule(findings: pd.DataFrame) -> pd.DataFrame:
    """Per rule (Chinese title) and year: findings open and decided, and how many reports have one open."""
    if findings.empty:
        return pd.DataFrame(columns=["title", "severity", "year", "open", "decided", "reports"])
    f = findings.assign(open=~findings["decided"])
    grouped = f.groupby(["title", "severity", "year"], observed=True)
    out = grouped.agg(
        open=("open", "sum"),
        decided=("decided", "sum"),
    )
    out["reports"] = f[f["open"]].groupby(["title", "severity", "year"], observed=True)["agency"].nunique()
    out = out.fillna({"reports": 0}).astype({"open": int, "decided": int, "reports": int}).reset_index()
    order = {"error": 0, "warning": 1}
    out["rank"] = out["severity"].map(order).fillna(2)
    return out.sort_values(["rank", "year", "open", "title"], ascending=[True, True, False, True]).drop(columns="rank")
