"""The overview's figures on hand-made long tables: blanks are left out (never 0), small samples say
样本过少 instead of a rate, outliers are named by agency, findings are counted by rule."""

from __future__ import annotations

import pandas as pd

from nianbao.analysis import measures
from nianbao.publish import open_data

REFS = {
    "t3.new.total": "new",
    "t3.carried_in.total": "carried_in",
    "t3.outcome.total.total": "handled",
    "t3.outcome.disclosed.total": "disclosed",
}


def cells(rows: list[tuple[str, int, dict[str, float | None]]]) -> pd.DataFrame:
    """A long table of (agency, year, {cell ref: value}) in open_data's columns."""
    out = []
    for agency, year, values in rows:
        for ref, v in values.items():
            out.append(
                {
                    **{c: "" for c in open_data.COLUMNS},
                    "agency": agency,
                    "agency_name": f"{agency}局",
                    "year": year,
                    "cell": ref,
                    "value": v,
                    "blank": v is None,
                }
            )
    return pd.DataFrame(out).astype(open_data.COLUMNS)


def agency(new: float | None, handled: float, disclosed: float) -> dict[str, float | None]:
    return {
        "t3.new.total": new,
        "t3.carried_in.total": 0,
        "t3.outcome.total.total": handled,
        "t3.outcome.disclosed.total": disclosed,
    }


def test_a_blank_cell_leaves_its_report_out_of_the_total_and_is_counted():
    df = cells([("a", 2023, agency(5, 5, 5)), ("b", 2023, agency(None, 7, 7)), ("c", 2023, agency(2, 2, 1))])
    totals = measures.yearly_totals(df)
    assert totals.loc[2023, "new"] == 7 and totals.loc[2023, "new_blank"] == 1
    assert totals.loc[2023, "handled"] == 14 and totals.loc[2023, "handled_blank"] == 0


def test_a_rate_needs_enough_cases_and_reports():
    few = cells([("a", 2023, agency(5, 5, 5)), ("b", 2023, agency(3, 3, 1))])
    rate = measures.yearly_rates(few).set_index("rate").loc["disclosed_rate"]
    assert rate["value"] is None and rate["reason"].startswith(measures.SMALL_SAMPLE)
    enough = cells([(x, 2023, agency(10, 10, 5)) for x in "abcd"])
    rate = measures.yearly_rates(enough).set_index("rate").loc["disclosed_rate"]
    assert rate["value"] == 0.5 and rate["reason"] == "" and rate["agency_years"] == 4


def test_an_outlier_is_named_and_a_small_year_is_not_judged():
    rows = [(f"x{i}", 2023, agency(10 + i, 10 + i, 5)) for i in range(9)] + [("big", 2023, agency(900, 900, 5))]
    rows += [(f"y{i}", 2022, agency(10, 10, 5)) for i in range(3)]
    found, small = measures.outliers(cells(rows))
    new = found[found["measure"] == "本年新收申请"]
    assert list(new["agency"]) == ["big"] and list(new["side"]) == ["偏高"]
    assert any(s.startswith("2022年度：样本过少（「本年新收申请」3 份") for s in small)
    assert not any(s.startswith("2023") and "本年新收申请" in s for s in small)


def test_findings_are_counted_by_rule_open_and_decided_apart():
    f = pd.DataFrame(
        [
            ("a", "甲", 2023, "2021", "r1", "总计应等于各项之和", "error", "failed", "t3", "t3.new.total", False),
            ("a", "甲", 2023, "2021", "r1", "总计应等于各项之和", "error", "failed", "t3", "t3.x", True),
            ("b", "乙", 2023, "2021", "r1", "总计应等于各项之和", "error", "failed", "t3", "t3.new.total", False),
        ],
        columns=list(open_data.FINDING_COLUMNS),
    ).astype(open_data.FINDING_COLUMNS)
    row = measures.findings_by_rule(f).iloc[0]
    assert (row["title"], row["open"], row["decided"], row["reports"]) == ("总计应等于各项之和", 2, 1, 2)
