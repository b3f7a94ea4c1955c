"""Bad params input: each class of problem gets its own clear message naming file, table, row, column."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from nianbao.params import ParamsError, dump_params, from_mapping, load_params
from support import SEED_ID, SEED_PARAMS, make_project, nianbao


@pytest.fixture(scope="module")
def seed_data() -> dict[str, Any]:
    return load_params(SEED_PARAMS).to_params()


def write(tmp_path: Path, data: Any, agency: str = SEED_ID, year: str = "2023") -> Path:
    path = tmp_path / "params" / agency / f"{year}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def problem_text(path: Path) -> str:
    with pytest.raises(ParamsError) as info:
        load_params(path)
    text = str(info.value)
    assert str(path) in text, "the message names the file"
    return text


def test_seed_loads_with_its_blank_cell_kept_blank():
    params = load_params(SEED_PARAMS)
    assert params.agency.name == "乌拉特中旗海流图镇人民政府"
    assert params.issued_text == "2024年1月12日"
    assert params.tables["t4.suit_after_review.total"] is None
    assert params.tables.blanks() == ["t4.suit_after_review.total"]
    assert params.tables["t3.new.total"] == 0


def test_dump_and_reload_is_exact(tmp_path, seed_data):
    params = load_params(SEED_PARAMS)
    path = write(tmp_path, dump_params(params))
    assert load_params(path) == params


def test_broken_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path, "agency:\n  id: x\n  name: [unclosed\nyear: 2023\n")
    text = problem_text(path)
    assert "YAML 格式错误" in text and "第 4 行" in text


def test_missing_field(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    del data["signature"]
    text = problem_text(write(tmp_path, data))
    assert "signature" in text and "落款机关" in text and "缺少必填字段" in text


def test_too_short_and_empty_text_are_told_apart(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["agency"]["name"] = "坏"
    data["signature"] = ""
    text = problem_text(write(tmp_path, data))
    assert "机关名称（agency.name）：至少应有 2 个字，实际为 '坏'" in text
    assert "落款机关（signature）：不能为空" in text


def test_unknown_top_level_key_suggests_the_right_one(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["signatur"] = data.pop("signature")
    text = problem_text(write(tmp_path, data))
    assert "未知字段 'signatur'" in text and "'signature'" in text


def test_negative_count_names_table_row_and_column(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t3"]["outcome"]["withheld"]["state_secret"][2] = -1
    text = problem_text(write(tmp_path, data))
    assert (
        "表三（收到和处理政府信息公开申请情况）「三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密」行「科研机构」列"
        in text
    )
    assert "负数 -1" in text
    assert "tables.t3.outcome.withheld.state_secret.research" in text


def test_fractional_count(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t4"]["review"][0] = 1.5
    text = problem_text(write(tmp_path, data))
    assert "表四（政府信息公开行政复议、行政诉讼情况）「行政复议 / 结果维持」栏" in text
    assert "不能有小数" in text


def test_text_in_a_count_cell(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t2"]["licensing"] = "三"
    text = problem_text(write(tmp_path, data))
    assert "「行政许可」行「本年处理决定数量」列" in text and "文字 '三'" in text


def test_negative_fee_is_rejected_but_decimal_fee_is_kept(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t2"]["fees"] = 1.2345
    assert str(from_mapping(data).tables["t2.fees.amount"]) == "1.2345"
    data["tables"]["t2"]["fees"] = -0.5
    text = problem_text(write(tmp_path, data))
    assert "「行政事业性收费」行「本年收费金额（单位：万元）」列" in text and "非负数" in text


def test_misspelled_row_is_named_with_a_suggestion(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    outcome = data["tables"]["t3"]["outcome"]
    outcome["disclosd"] = outcome.pop("disclosed")
    text = problem_text(write(tmp_path, data))
    assert "没有「disclosd」这一项，是否应为 'disclosed'？" in text
    assert "「三、本年度办理结果 / （一）予以公开」" in text and "缺少此项" in text


def test_misspelled_column_in_a_mapping_row(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t4"]["review"] = {"upheld": 0, "corected": 0, "other": 0, "pending": 0, "total": 0}
    text = problem_text(write(tmp_path, data))
    assert "没有「corected」这一列，是否应为 'corrected'？" in text and "结果纠正(corrected)" in text


def test_row_with_wrong_number_of_values(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t3"]["new"] = [0, 0, 0]
    text = problem_text(write(tmp_path, data))
    assert "「一、本年新收政府信息公开申请数量」" in text
    assert "应有 7 个数（依次为 自然人(natural_person)、商业企业(commercial)" in text and "实际有 3 个" in text


def test_missing_and_unknown_table(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t5"] = data["tables"].pop("t4")
    text = problem_text(write(tmp_path, data))
    assert "未知的表 't5'" in text and "表四（政府信息公开行政复议、行政诉讼情况）" in text and "缺少此表" in text


@pytest.mark.parametrize("bad_id", ["../etc", "a/b", "Upper", "", ".hidden"])
def test_unsafe_agency_id(tmp_path, seed_data, bad_id):
    data = copy.deepcopy(seed_data)
    data["agency"]["id"] = bad_id
    text = problem_text(write(tmp_path, data))
    assert "agency.id" in text and ("不可用作目录名" in text or "不能为空" in text)


def test_agency_folder_and_year_file_must_match(tmp_path, seed_data):
    text = problem_text(write(tmp_path, seed_data, agency="other-town", year="2022"))
    assert "文件名为 2022.yaml，但 year 为 2023" in text
    assert "文件位于 params/other-town/，但 agency.id 为 'wltzq-hailiutu'" in text


def test_year_before_the_format_and_unknown_format(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["year"] = 2020
    assert "2020年度报告不适用" in problem_text(write(tmp_path, data, year="2020"))
    data = copy.deepcopy(seed_data)
    data["format"] = "2030"
    assert "未知的格式版本 '2030'" in problem_text(write(tmp_path, data))


def test_bad_date_and_unknown_section(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["issued"] = "一月十二日"
    data["sections"]["summary"] = ["x"]
    text = problem_text(write(tmp_path, data))
    assert "日期应写作 “2024年1月12日”" in text
    assert "未知的部分 'summary'" in text


def test_all_problems_reported_at_once(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["tables"]["t3"]["new"][0] = -3
    data["tables"]["t4"]["review"][1] = 0.5
    data["tables"]["t2"]["penalty"] = True
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, data))
    assert len(info.value.problems) == 3


def test_run_on_bad_params_exits_2_publishes_nothing_and_records_the_failure(tmp_path, seed_data):
    project = make_project(tmp_path)
    data = copy.deepcopy(seed_data)
    data["tables"]["t3"]["new"][6] = -1
    (project / "params" / SEED_ID / "2023.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = nianbao("run", f"params/{SEED_ID}/2023.yaml", cwd=project)
    assert result.returncode == 2
    assert "「一、本年新收政府信息公开申请数量」行「总计」列" in result.stderr
    assert not (project / "build" / "2023").exists(), "no report published"
    # `run` is the build pipeline: the failure is recorded for build/index.html like any build's.
    state = json.loads((project / "build" / ".state" / "2023" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    assert (state["status"], state["step"]) == ("failed", "params")


def test_index_number_is_optional_and_one_line(tmp_path, seed_data):
    data = copy.deepcopy(seed_data)
    data["index_number"] = "11150825MB1234567X/2024-00012"
    params = load_params(write(tmp_path, data))
    assert params.index_number == "11150825MB1234567X/2024-00012"
    assert load_params(write(tmp_path, dump_params(params))) == params
    data["index_number"] = "第一行\n第二行"
    text = problem_text(write(tmp_path, data))
    assert "index_number" in text and "索引号" in text and "应为一行文字" in text
