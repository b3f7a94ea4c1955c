"""Validating 2019-format agency-years: the committed v2019 suites, findings in the 2019 labels,
signed counts, no stock rule, and the warning for a 2019-format report of a 2021-or-later year."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from nianbao.cli import app
from nianbao.format import get_format
from nianbao.model import AgencyYear
from nianbao.params import from_mapping, load_params
from nianbao.validation import suites
from nianbao.validation.validator import validate_batch, validate_one
from support import EXAMPLES, EXPECTATIONS, ROOT, V2019_PARAMS, blanks_as_zero

runner = CliRunner()
V2019 = get_format("2019")


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return load_params(V2019_PARAMS).to_params()


def _zeros(data: dict[str, Any]) -> dict[str, Any]:
    """The fixture with every blank cell 0 (a complete, consistent 2019 agency-year)."""
    d = copy.deepcopy(data)
    d["tables"] = blanks_as_zero(d["tables"])
    return d


def _validate(item: AgencyYear, previous: AgencyYear | None = None):
    return validate_one(item, previous, suites_dir=EXPECTATIONS)


def test_committed_v2019_suites_are_current():
    assert suites.stale(EXPECTATIONS, V2019) == []
    assert {p.name for p in EXPECTATIONS.glob("v2019-*.json")} == {
        "v2019-cells.json",
        "v2019-t3-fields.json",
        "v2019-t3-records.json",
        "v2019-t4-records.json",
    }
    result = runner.invoke(app, ["expectations", "--check"], env={"PWD": str(ROOT)})
    assert result.exit_code == 0, result.output


def test_a_consistent_2019_agency_year_has_no_findings(data):
    d = _zeros(data)
    d.pop("source")
    for row in ("new", "carried_in", "carried_over"):
        d["tables"]["t3"][row] = [0] * 7
    d["tables"]["t3"]["outcome"] = {k: _all_zero(v) for k, v in d["tables"]["t3"]["outcome"].items()}
    d["tables"]["t4"] = {k: [0] * 5 for k in d["tables"]["t4"]}
    d["sections"] = {k: ["本年度无。"] if v else v for k, v in d["sections"].items()}
    assert _validate(from_mapping(d)) == []


def _all_zero(node: Any) -> Any:
    return {k: _all_zero(v) for k, v in node.items()} if isinstance(node, dict) else [0] * len(node)


def test_findings_name_the_2019_rows_and_columns(data):
    d = _zeros(data)
    d["tables"]["t3"]["outcome"]["other"] = [4, 0, 0, 0, 0, 0, 0]  # （六）其他处理: one row
    findings = _validate(from_mapping(d))
    colsum = [f for f in findings if f.rule_id == "T3-colsum"]
    assert colsum and "「自然人」列" in colsum[0].message
    assert "「（一）予以公开」至「（六）其他处理」共19项" in colsum[0].message


def test_a_negative_change_is_no_finding_and_blanks_name_the_2019_labels(data):
    d = _zeros(data)
    d["tables"]["t2"]["penalty"] = [30, -4, 12]
    d["tables"]["t2"]["procurement"] = [6, None]
    findings = _validate(from_mapping(d))
    assert not [f for f in findings if f.rule_id == "counts"]
    blank = [f for f in findings if f.rule_id == "blank"]
    assert [f.message for f in blank] == [
        "表二（主动公开政府信息情况）「政府集中采购」行「采购总金额（单位：元）」列为空白（无数据应填0）；用到此单元格的合计无法校验。"
    ]


def test_no_stock_rule_and_the_carry_within_the_2019_format(data):
    d19 = _zeros(data)
    d20 = {**_zeros(data), "year": 2020, "issued": "2021年1月29日"}
    d20["tables"]["t3"]["carried_in"] = [17, 0, 0, 0, 0, 0, 17]  # 2019 carried over 72
    d20["tables"]["t3"]["new"] = [822, 35, 0, 0, 2, 1, 860]
    found = validate_batch([from_mapping(d19), from_mapping(d20)], suites_dir=EXPECTATIONS)
    f2020 = found[("shanghai-office", 2020)]
    assert "X-stock" not in {f.rule_id for f in f2020}
    carry = [f for f in f2020 if f.rule_id == "X-carry"]
    assert (
        carry
        and "「自然人」列" in carry[0].message
        and "2019年度报告的「四、结转下年度继续办理」为72" in carry[0].message
    )


def test_a_2019_format_report_of_2022_gets_the_outdated_format_warning(data):
    d = {**_zeros(data), "year": 2022, "issued": "2023年1月20日"}
    findings = _validate(from_mapping(d))
    outdated = [f for f in findings if f.rule_id == "format-year"]
    assert len(outdated) == 1 and outdated[0].severity == "warning"
    assert "2022年度报告使用的是已停用的政府信息公开工作年度报告格式（2019年版）" in outdated[0].message
    assert not [f for f in _validate(from_mapping(_zeros(data))) if f.rule_id == "format-year"]


def test_lint_a_2019_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["lint", str(EXAMPLES / "shanghai-office-2019.html")])
    # lint wraps its lines to the terminal (never inside a number); where depends on the path's length
    text = re.sub(r"\n\s*", "", result.output)
    assert "格式 2019" in text
    assert "采购总金额" not in text or "未找到" not in text
    assert list(tmp_path.iterdir()) == []
