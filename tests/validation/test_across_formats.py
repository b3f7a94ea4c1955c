"""The cross-year rules across the change of format: a 2020 report (2019 format) followed by a 2021 one.

2021's 上年结转 must equal 2020's 结转下年度继续办理, column by column; the stock-flow rule of table 二 is not
applied across the change (对外公开总数量 is not 现行有效件数) and says so ("不可比") instead of failing or passing.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nianbao.params import from_mapping, load_params
from nianbao.validation.validator import validate_batch
from support import EXPECTATIONS, SEED_PARAMS, V2019_ID, V2019_PARAMS, blanks_as_zero

CARRY_2020 = [72, 3, 0, 0, 0, 1, 76]


@pytest.fixture(scope="module")
def y2020() -> dict[str, Any]:
    """A 2020 report in the 2019 format: the Shanghai 2019 fixture as 2020, its blanks 0, a known carry-over."""
    d = copy.deepcopy(load_params(V2019_PARAMS).to_params())
    d.update(year=2020, issued="2021年1月29日", format="2019")
    d["tables"] = blanks_as_zero(d["tables"])
    t3 = d["tables"]["t3"]
    # Keep the balance (new + carried_in = outcome.total + carried_over): move the difference into new.
    delta = [a - b for a, b in zip(CARRY_2020, t3["carried_over"], strict=True)]
    t3["carried_over"] = list(CARRY_2020)
    t3["new"] = [n + x for n, x in zip(t3["new"], delta, strict=True)]
    return d


def _y2021(carried_in: list[int]) -> dict[str, Any]:
    """A 2021 report (2021 format) of the same agency whose 上年结转 is ``carried_in``, balance kept."""
    d = copy.deepcopy(load_params(SEED_PARAMS).to_params())
    d.pop("source", None)
    d["agency"]["id"] = V2019_ID
    d.update(year=2021, issued="2022年1月20日", format="2021")
    t3 = d["tables"]["t3"]
    t3["carried_in"] = list(carried_in)
    t3["carried_over"] = list(carried_in)  # nothing new, nothing handled: all of it carried on
    d["tables"]["t2"]["rules"] = [0, 0, 5]
    return d


def _findings(y2020: dict[str, Any], y2021: dict[str, Any]):
    found = validate_batch([from_mapping(y2020), from_mapping(y2021)], suites_dir=EXPECTATIONS)
    return found[(V2019_ID, 2021)]


def test_matching_carry_across_the_format_change_is_no_finding(y2020):
    findings = _findings(y2020, _y2021(CARRY_2020))
    assert [f for f in findings if f.rule_id == "X-carry"] == []


def test_carry_mismatch_across_the_format_change_names_both_years_and_the_column(y2020):
    wrong = [70, 3, 0, 0, 0, 1, 74]
    findings = _findings(y2020, _y2021(wrong))
    carry = [f for f in findings if f.rule_id == "X-carry" and f.status == "failed"]
    assert {f.cells[0] for f in carry} == {"t3.carried_in.natural_person", "t3.carried_in.total"}
    person = next(f for f in carry if f.cells[0] == "t3.carried_in.natural_person")
    assert person.severity == "error" and (person.left, person.right, person.difference) == (70, 72, -2)
    assert "「自然人」列" in person.message and "本年「二、上年结转政府信息公开申请数量」为70" in person.message
    assert "2020年度报告的「四、结转下年度继续办理」为72" in person.message


def test_stock_flow_is_not_applied_across_the_format_change_and_says_so(y2020):
    findings = _findings(y2020, _y2021(CARRY_2020))
    stock = [f for f in findings if f.rule_id == "X-stock"]
    assert stock and all(f.status == "not_evaluated" and f.severity == "warning" for f in stock)
    assert all("不可比" in f.message and "2020年度报告使用" in f.message for f in stock)
    assert all("“对外公开总数量”不是“现行有效件数”" in f.message for f in stock)
    # Within the 2021 format the same rule is evaluated, not excused.
    d2022 = copy.deepcopy(_y2021(CARRY_2020))
    d2022.update(year=2022, issued="2023年1月20日")
    found = validate_batch([from_mapping(_y2021(CARRY_2020)), from_mapping(d2022)], suites_dir=EXPECTATIONS)
    assert not [f for f in found[(V2019_ID, 2022)] if f.rule_id == "X-stock" and "不可比" in f.message]
