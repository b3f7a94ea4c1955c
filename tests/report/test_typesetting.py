"""The typesetting helpers the report's HTML is made with: title parts, headings' last characters, break
opportunities in long numbers, and where a page may break inside a table."""

from __future__ import annotations

import pytest

from nianbao.format import get_format
from nianbao.params import from_mapping, load_params
from nianbao.report.render import breakable, keep_end
from nianbao.report.tables import MIN_ROWS_APART, keep_with_next, value_class
from support import SEED_PARAMS


@pytest.mark.parametrize(
    ("name", "title", "parts"),
    [
        ("乌拉特中旗海流图镇人民政府", None, [["乌拉特中旗海流图镇人民政府", "2023年"], ["政府信息公开工作年度报告"]]),
        (
            "平潭综合实验区自然资源与生态环境局",
            "平潭综合实验区自然资源与生态环境局2023年政府信息公开年度报告",
            [["平潭综合实验区自然资源与生态环境局", "2023年"], ["政府信息公开年度报告"]],
        ),
        (
            "上海市科委",
            "2023年度上海市科委政府信息公开工作年度报告",
            [["2023年度", "上海市科委"], ["政府信息公开工作年度报告"]],
        ),
        ("某某局", "某某局关于2023年度信息公开的报告", [["某某局", "关于", "2023年度", "信息公开的报告"]]),
    ],
)
def test_title_parts_come_from_the_agency_the_year_and_the_wording(name: str, title: str | None, parts: list) -> None:
    data = load_params(SEED_PARAMS).to_params()
    data["agency"]["name"] = name
    data["title"] = title
    params = from_mapping(data)
    assert params.title_parts == parts
    assert "".join("".join(line) for line in params.title_parts) == params.display_title


def test_heading_keeps_its_last_two_characters_together() -> None:
    heading = "三、收到和处理政府信息公开申请情况"
    assert keep_end(heading) == '三、收到和处理政府信息公开申请<span class="nobr">情况</span>'
    assert keep_end("<b>情况") == '&lt;b&gt;<span class="nobr">情况</span>'
    assert keep_end("况") == "况"


def test_long_numbers_and_addresses_may_break_short_ones_not() -> None:
    out = str(breakable("联系（电话：0478-5914312）。2023年共3044条 <i>"))
    assert "0<wbr>4<wbr>7<wbr>8<wbr>-<wbr>5" in out
    assert "2023年共3044条" in out  # years and counts keep their digits together
    assert "&lt;i&gt;" in out  # still escaped
    assert out.replace("<wbr>", "") == "联系（电话：0478-5914312）。2023年共3044条 &lt;i&gt;"


def test_table_three_breaks_only_between_row_groups() -> None:
    table = get_format("2021").tables["t3"]
    keep = keep_with_next(table)
    rows = [cells[-1].label for cells in table.row_header_cells()]
    assert len(keep) == len(rows)
    # The first and the last rows stay together (no fragment of fewer than three rows) ...
    assert all(keep[: MIN_ROWS_APART - 1]) and all(keep[-MIN_ROWS_APART:-1]) and not keep[-1]
    # ... and so do the eight rows of （三）不予公开: a page may break only after the last of them.
    first = next(i for i, r in enumerate(rows) if r.startswith("1.属于国家秘密"))
    assert all(keep[first : first + 7]) and not keep[first + 7]
    # The upright label 三、本年度办理结果 keeps its rows up to the end of its first sub-group ((三)):
    # cut after (二), its characters would run below the page's last row.
    assert all(keep[: first + 7])
    assert not all(keep), "the table can break somewhere"


def test_long_figures_get_a_smaller_class() -> None:
    assert value_class("") == "blank"
    assert value_class("12345") == ""
    assert value_class("123456") == "digits-6"
    assert value_class("1234567") == "digits-7"
    assert value_class("6464.20911") == "digits-9"
