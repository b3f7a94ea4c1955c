"""Roll-ups: a county's aggregate report against the sum of its three children's reports of the same year.

The children are found from the params on disk (``parent:``), as the build finds them; the findings are
the plain Python ``rollup`` rule's (no Great Expectations run needed), read as a reviewer reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nianbao.params import ParamsError, load_params
from nianbao.validation import children
from nianbao.validation.grouping import group_findings
from nianbao.validation.validator import plain_findings, validate_files
from support import COUNTY_CHILDREN, COUNTY_ID, V2019_PARAMS, county_params, edit_params


def rollup_findings(params_dir: Path, agency_id: str = COUNTY_ID, year: int = 2023) -> list:
    params = load_params(params_dir / agency_id / f"{year}.yaml")
    family = children.family(children.scan(params_dir), agency_id, year)
    return [f for f in plain_findings(params, None, family) if f.rule_id == "R-rollup"]


def bump(path: Path, table: str, row: str, by: int, column: int | None = None) -> None:
    def change(data: dict) -> None:
        if column is None:
            data["tables"][table][row] += by
        else:
            data["tables"][table][row][column] += by

    edit_params(path, change)


def test_a_parent_equal_to_its_childrens_sum_has_no_rollup_finding(tmp_path: Path) -> None:
    county_params(tmp_path)
    assert rollup_findings(tmp_path) == []


def test_one_childs_changed_figure_is_one_finding_naming_the_cell_and_the_difference(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    bump(files["xian-jyj"], "t2", "licensing", 5)
    found = rollup_findings(tmp_path)
    assert len(found) == 1
    f = found[0]
    assert (f.severity, f.status, f.cells) == ("error", "failed", ("t2.licensing.decisions",))
    assert f.left - f.right == f.difference == -5
    assert f.message.startswith(
        "表二（主动公开政府信息情况）「行政许可」行「本年处理决定数量」列：本报告（本级政府汇总）为"
    )
    assert "3 个下级机关报告之和为" in f.message and "相差-5" in f.message
    assert (
        f.extra["children"]["xian-jyj"] == f.right - f.extra["children"]["xian-fgj"] - f.extra["children"]["xian-zhen"]
    )
    # The reviewer reads it in the table's group, with the cell's expected value for review.html.
    (group,) = group_findings(load_params(files[COUNTY_ID]).fmt, found)
    assert group.table == "t2" and group.items[0].expected["t2.licensing.decisions"] == (f.left, f.right, -5)


def test_own_office_only_is_never_compared(tmp_path: Path) -> None:
    files = county_params(tmp_path, scope="本机关")
    bump(files["xian-jyj"], "t2", "licensing", 5)
    assert rollup_findings(tmp_path) == []


def test_children_without_a_scope_are_said_not_compared(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    edit_params(files[COUNTY_ID], lambda d: d.pop("scope"))
    (f,) = rollup_findings(tmp_path)
    assert (
        f.status == "not_evaluated" and "未写明统计范围（scope）" in f.message and "某县教育局（xian-jyj）" in f.message
    )


def test_a_child_without_a_report_this_year_is_named(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    # 某县旧局 reported to the county in 2022 and has no 2023 report.
    old = tmp_path / "xian-old" / "2022.yaml"
    old.parent.mkdir()
    old.write_text(files["xian-fgj"].read_text(encoding="utf-8"), encoding="utf-8")
    edit_params(old, lambda d: d.update(year=2022, agency={"id": "xian-old", "name": "某县旧局"}, signature="某县旧局"))
    bump(files[COUNTY_ID], "t2", "penalty", 7)  # the county counted the old office's 7 penalties
    found = rollup_findings(tmp_path)
    absent = [f for f in found if f.status == "not_evaluated"]
    assert [f.message for f in absent] == [
        "下级机关某县旧局（xian-old）无2023年度报告（其2022年度参数文件声明上级为本机关），下级机关报告之和不含该机关。"
    ]
    (cell,) = [f for f in found if f.status == "failed"]
    # Without all children the sum is incomplete: a warning naming who is missing, not an error.
    assert cell.severity == "warning" and cell.difference == 7
    assert cell.message.endswith("相差7；未计入无报告的下级机关：某县旧局（xian-old）。")


def test_a_blank_cell_in_a_child_leaves_the_sum_unknown(tmp_path: Path) -> None:
    files = county_params(tmp_path)

    def blank(d: dict) -> None:
        d["tables"]["t4"]["review"][0] = None

    edit_params(files["xian-zhen"], blank)
    (f,) = rollup_findings(tmp_path)
    assert f.status == "not_evaluated" and f.cells == ("t4.review.upheld",)
    assert "下级机关某县城关镇人民政府（xian-zhen）此格空白，下级机关报告之和未知，此项无法校验" in f.message


def test_a_child_in_the_2019_format_is_summed_only_where_comparable(tmp_path: Path) -> None:
    county_params(tmp_path)
    old = tmp_path / "xian-sh" / "2023.yaml"
    old.parent.mkdir()
    old.write_text(V2019_PARAMS.read_text(encoding="utf-8"), encoding="utf-8")
    edit_params(
        old,
        lambda d: d.update(year=2023, format="2019", parent=COUNTY_ID, agency={"id": "xian-sh", "name": "某县档案馆"}),
    )
    found = rollup_findings(tmp_path)
    apart = [f for f in found if "不可比" in f.message]
    assert apart and all(f.status == "not_evaluated" for f in apart)
    assert {f.table for f in apart} >= {"t2"}
    # Comparable cells are summed, the 2019 child's figures with the others' (the county did not count them).
    (natural,) = [f for f in found if f.cells == ("t3.new.natural_person",)]
    assert natural.status == "failed" and "4 个下级机关报告之和为" in natural.message


def test_a_parent_that_is_not_there_or_a_cycle_is_a_finding_naming_the_file(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    edit_params(files["xian-fgj"], lambda d: d.update(parent="xian-nowhere"))
    (f,) = rollup_findings(tmp_path, "xian-fgj")
    assert f.severity == "error" and str(files["xian-fgj"]) in f.message and "xian-nowhere" in f.message
    edit_params(files["xian-fgj"], lambda d: d.update(parent="xian-jyj"))
    edit_params(files["xian-jyj"], lambda d: d.update(parent="xian-fgj"))
    (f,) = rollup_findings(tmp_path, "xian-fgj")
    assert "上级机关构成循环：xian-fgj → xian-jyj → xian-fgj" in f.message


def test_a_parent_of_itself_and_an_unknown_scope_are_refused_naming_the_field(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    edit_params(files["xian-fgj"], lambda d: d.update(parent="xian-fgj"))
    with pytest.raises(ParamsError, match="不能是本机关自身"):
        load_params(files["xian-fgj"])
    edit_params(files["xian-jyj"], lambda d: d.update(scope="全县"))
    with pytest.raises(ParamsError, match=r"统计范围（scope）：统计范围应为以下之一：本机关"):
        load_params(files["xian-jyj"])


def test_the_tree_is_read_from_the_bytes_as_the_build_hashes_them(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    tree = children.scan(tmp_path)
    assert tree.children(COUNTY_ID, 2023) == ["xian-fgj", "xian-jyj", "xian-zhen"]
    assert [name for name, _ in tree.inputs(COUNTY_ID, 2023)] == ["xian-fgj", "xian-jyj", "xian-zhen"]
    assert tree.inputs("xian-fgj", 2023) == ()
    assert children.declared_parent(files["xian-fgj"].read_bytes()) == COUNTY_ID
    assert children.declared_parent(b"agency:\n  parent: x\nparent: 'xian'  # county\n") == "xian"


def test_validate_reads_the_children_from_the_params_folder(tmp_path: Path) -> None:
    files = county_params(tmp_path / "params")
    bump(files["xian-fgj"], "t4", "review", 1, column=1)  # 结果纠正 (its 总计 too, so the child stays consistent)
    bump(files["xian-fgj"], "t4", "review", 1, column=4)
    result = validate_files([files[COUNTY_ID], files["xian-fgj"]], suites_dir=None)
    county = [f for f in result[files[COUNTY_ID]].findings or [] if f.rule_id == "R-rollup"]
    assert [(f.cells, f.difference) for f in county] == [(("t4.review.corrected",), -1), (("t4.review.total",), -1)]
    assert not [f for f in result[files["xian-fgj"]].findings or [] if f.severity == "error"]


def test_an_aggregate_without_children_or_with_an_unreadable_child_says_so(tmp_path: Path) -> None:
    files = county_params(tmp_path)
    files["xian-zhen"].write_text(files["xian-zhen"].read_text(encoding="utf-8") + "tables: [\n", encoding="utf-8")
    found = rollup_findings(tmp_path)
    (note,) = [f for f in found if "参数文件" in f.message and f.status == "not_evaluated"]
    assert note.message.startswith(f"下级机关xian-zhen的2023年度参数文件 {files['xian-zhen']} 有误")
    assert all(f.severity == "warning" for f in found)  # the sum lacks a child: warnings, not errors
    for agency_id, _ in COUNTY_CHILDREN:
        files[agency_id].unlink()
    (alone,) = rollup_findings(tmp_path)
    assert alone.status == "not_evaluated"
    assert "统计范围为本级政府汇总，但 params/ 中没有声明 parent: xian 的下级机关参数文件" in alone.message
