"""Params of a 2019-format agency-year: the format by year, signed counts, and messages in the
2019 labels."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nianbao.params import ParamsError, from_mapping, load_params
from support import SEED_PARAMS, V2019_PARAMS


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return load_params(V2019_PARAMS).to_params()


def test_the_2019_fixture_loads_in_the_2019_format():
    params = load_params(V2019_PARAMS)
    assert params.format == "2019" and params.year == 2019
    assert params.tables["t2.procurement.amount"] == 251000
    assert params.tables["t3.outcome.other.total"] is None  # （六）其他处理 is one row, left blank
    assert params.format_notice is None


def test_format_defaults_by_year(data):
    for year, version in ((2019, "2019"), (2020, "2019")):
        d = {**copy.deepcopy(data), "year": year}
        del d["format"]
        assert from_mapping(d).format == version
    seed = load_params(SEED_PARAMS).to_params()
    del seed["format"]
    assert from_mapping(seed).format == "2021"  # a 2021-format file without `format:` stays 2021


def test_the_2019_format_may_be_kept_after_2021_with_a_notice(data):
    params = from_mapping({**copy.deepcopy(data), "year": 2022})
    assert params.format == "2019"
    assert "已停用" in (params.format_notice or "")


def test_a_negative_change_in_items_is_accepted(data):
    d = copy.deepcopy(data)
    d["tables"]["t2"]["licensing"] = [12, -3, 40]
    d["tables"]["t2"]["fees"] = [5, -5]
    params = from_mapping(d)
    assert params.tables["t2.licensing.items_change"] == -3
    assert params.tables["t2.fees.items_change"] == -5
    assert from_mapping(params.to_params()) == params


def test_a_negative_decision_count_is_refused_naming_table_row_and_column(data):
    d = copy.deepcopy(data)
    d["tables"]["t2"]["penalty"] = [0, 0, -2]
    d["tables"]["t2"]["coercion"] = [0, 0.5, 0]
    with pytest.raises(ParamsError) as info:
        from_mapping(d, "2019.yaml")
    text = str(info.value)
    assert "表二（主动公开政府信息情况）「行政处罚」行「处理决定数量」列" in text
    assert "应为非负整数，实际为负数 -2" in text
    assert "「行政强制」行「本年增/减」列" in text and "应为整数（增减数不能有小数）" in text


def test_a_2021_table_in_a_2019_file_names_the_2019_rows(data):
    d = copy.deepcopy(data)
    d["tables"]["t2"]["normative_documents"] = [1, 0, 5]
    d["tables"]["t2"].pop("other_services")
    d["tables"]["t3"]["outcome"]["other"] = {"no_correction": [0] * 7, "fee_unpaid": [0] * 7, "other": [0] * 7}
    with pytest.raises(ParamsError) as info:
        from_mapping(d, "2019.yaml")
    text = str(info.value)
    assert "「其他对外管理服务事项」" in text and "缺少此项" in text
    assert "（六）其他处理" in text
