"""The import report as people read it: a block of blank cells in one line, columns read by
position said so, and an agency named differently in the title and the signature flagged."""

from __future__ import annotations

from nianbao.importers import import_source
from support import EXAMPLES


def test_a_block_of_blank_cells_is_one_line():
    report = import_source(EXAMPLES / "shuyang-drc-2023.html").report
    lines = report.lines()
    blank = [line for line in lines if "空白" in line]
    assert len(report.cells_with("blank")) == 125
    assert len(blank) == 2  # the heading and one line for 5 columns × 25 rows
    assert "「商业企业、科研机构、社会公益组织、法律服务机构、其他」5 列 25 行均为空白" in blank[1]
    assert "「一、本年新收政府信息公开申请数量」行至「四、结转下年度继续办理」行" in blank[1]


def test_rows_and_columns_read_by_position_are_said_so():
    stcsm = import_source(EXAMPLES / "shanghai-stcsm-2024.md").report
    county = import_source(EXAMPLES / "shuyang-county-2025.md").report
    drc = import_source(EXAMPLES / "shuyang-drc-2023.html").report
    for report in (stcsm, county):
        assert any("各列按位置读取" in n for n in report.notes), report.notes
    assert not any("各列按位置读取" in n for n in drc.notes)
    # 10 rows of 表三 whose labels the converter cut off their numbers
    positional = stcsm.cells_with("positional")
    assert len(positional) == 70
    assert any("按位置读取" in line and "7 列" not in line for line in stcsm.lines())


def test_an_agency_named_differently_in_title_and_signature_is_flagged(tmp_path):
    source = (EXAMPLES / "shuyang-drc-2023.html").read_text(encoding="utf-8")
    head, _, tail = source.rpartition("沭阳县发展和改革局</p>")
    changed = tmp_path / "drc.html"
    changed.write_text(head + "沭阳县发改委</p>" + tail, encoding="utf-8")
    notes = import_source(changed).report.notes
    assert any("机关名称不一致" in n and "沭阳县发改委" in n and "沭阳县发展和改革局" in n for n in notes), notes
    original = import_source(EXAMPLES / "shuyang-drc-2023.html").report.notes
    assert not any("机关名称不一致" in n for n in original)
