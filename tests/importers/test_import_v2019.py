"""Importing 2019-format reports: the format is recognised from table 二's labels (not refused,
not squeezed into the 2021 fields), and every cell of the Shanghai 2019 page is read as published.

The expected values come from ``tests/fixtures/examples/expected.yaml`` (checked by hand against the
published page) and, for the cells it does not list, are written out literally from the page.
"""

from __future__ import annotations

import re

import pytest
import yaml
from typer.testing import CliRunner

from nianbao import cli
from nianbao.importers import import_source
from nianbao.importers.assemble import detect_format
from nianbao.importers.text import read as read_text
from nianbao.params import load_params
from support import EXAMPLES

SHANGHAI = EXAMPLES / "shanghai-office-2019.html"
PINGTAN = EXAMPLES / "pingtan-nre-2019.txt"
T3_MAIN = {
    "new_received": "new",
    "carried_over": "carried_in",
    "total_processed": "outcome.total",
    "carried_forward": "carried_over",
}
runner = CliRunner()
_ = None


@pytest.fixture(scope="module")
def expected() -> dict:
    return yaml.safe_load((EXAMPLES / "expected.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shanghai():
    return import_source(SHANGHAI, agency_id="shanghai-office")


def _row(params, table: str, record: str) -> list:
    t = params.fmt.tables[table]
    return [params.tables[t.cell_ref(record, f.key)] for f in t.record(record).fields]


def test_shanghai_is_read_in_the_2019_format(shanghai):
    assert shanghai.report.errors == []
    p = shanghai.params
    assert (p.format, p.year, p.agency.name) == ("2019", 2019, "上海市人民政府办公厅")
    assert p.issued_text == "2020年1月31日"  # from the page's 发布日期 line
    assert shanghai.report.headings[0].found == "五、政府信息公开工作存在的主要问题及改进情况"


def test_shanghai_cells_match_the_hand_checked_values(shanghai, expected):
    p, want = shanghai.params, expected["shanghai-office-2019.html"]["expected"]
    assert _row(p, "t2", "rules") == want["t2"]["regulations"]
    assert _row(p, "t2", "normative_documents") == want["t2"]["normative_docs"]
    for name, record in T3_MAIN.items():
        assert _row(p, "t3", record) == want["t3"][name], name
    t4 = p.fmt.tables["t4"]
    assert [p.tables[t4.cell_ref(r, f.key)] for r, f in t4.cells()] == want["t4"]


def test_shanghai_every_other_cell_as_published(shanghai):
    p = shanghai.params
    t2 = {r: _row(p, "t2", r) for r in ("licensing", "other_services", "penalty", "coercion", "fees", "procurement")}
    assert t2 == {
        "licensing": [0, 0, 0],
        "other_services": [0, 0, 0],
        "penalty": [0, 0, 0],
        "coercion": [0, 0, 0],
        "fees": [0, 0],
        "procurement": [6, 251000],  # "251000元": kept in 元, the column's unit
    }
    rows = {
        "outcome.disclosed": [258, 12, _, _, 1, 1, _],
        "outcome.partly_disclosed": [3, _, _, _, _, _, _],
        "outcome.withheld.state_secret": [14, _, _, _, _, _, _],
        "outcome.withheld.prohibited_by_law": [_] * 7,
        "outcome.withheld.three_securities": [_] * 7,
        "outcome.withheld.third_party": [_] * 7,
        "outcome.withheld.internal_affairs": [5, _, _, _, _, _, _],
        "outcome.withheld.process_information": [3, 1, _, _, _, _, _],
        "outcome.withheld.enforcement_files": [_] * 7,
        "outcome.withheld.inquiry_matters": [10, 2, _, _, _, _, _],
        "outcome.unavailable.not_held": [252, 12, _, _, 1, _, _],
        "outcome.unavailable.needs_creation": [44, 3, _, _, _, _, _],
        "outcome.unavailable.still_unclear": [25, _, _, _, _, _, _],
        "outcome.not_processed.petitions": [148, 1, _, _, _, _, _],
        "outcome.not_processed.repeated": [5, 4, _, _, _, _, _],
        "outcome.not_processed.publications": [_] * 7,
        "outcome.not_processed.mass_repeated": [_] * 7,
        "outcome.not_processed.confirmation": [_] * 7,
        "outcome.other": [_] * 7,
    }
    assert {r: _row(p, "t3", r) for r in rows} == rows
    # every cell of the format was accounted for: read, or blank and listed
    blanks = {c.ref for c in shanghai.report.cells if c.status == "blank"}
    assert blanks == set(p.tables.blanks())


def test_a_figure_in_wan_yuan_is_converted_to_yuan(tmp_path):
    page = SHANGHAI.read_text(encoding="utf-8").replace("251000元", "25.1万元")
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result = import_source(path, agency_id="x")
    assert result.params.tables["t2.procurement.amount"] == 251000
    converted = [c for c in result.report.cells if c.status == "converted"]
    assert [(c.ref, c.found) for c in converted] == [("t2.procurement.amount", "25.1万元")]
    assert "换算为 251000" in converted[0].detail


def test_a_negative_change_is_read_and_a_negative_decision_count_is_not(tmp_path):
    page = SHANGHAI.read_text(encoding="utf-8")
    # 行政许可's row: 上一年项目数量 | 本年增/减 | 处理决定数量 → 10 | -2 | -1
    zero = '<p align="center">0</p></td>'
    row = f'<td><p>行政许可</p></td><td colspan="2">{zero}<td>{zero}<td>{zero}'
    assert row in page
    page = page.replace(row, row.replace(">0<", ">10<", 1).replace(">0<", ">-2<", 1).replace(">0<", ">-1<", 1))
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    result = import_source(path, agency_id="x")
    p = result.params
    assert [p.tables[f"t2.licensing.{k}"] for k in ("items_last_year", "items_change", "decisions")] == [10, -2, None]
    issue = next(c for c in result.report.cells if c.ref == "t2.licensing.decisions")
    assert issue.status == "unreadable" and issue.found == "-1"


def test_pingtan_crawled_text_is_recognised_as_the_2019_format():
    doc = read_text(PINGTAN)
    assert detect_format(doc.blocks, PINGTAN.name).version == "2019"
    result = import_source(PINGTAN, agency_id="pingtan-nre")
    assert result.report.format == "2019"
    assert not any("未导入" in e for e in result.report.errors)


def test_import_cli_writes_2019_params(tmp_path):
    out = tmp_path / "params" / "shanghai-office" / "2019.yaml"
    result = runner.invoke(cli.app, ["import", str(SHANGHAI), "--agency-id", "shanghai-office", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "格式 2019" in re.sub(r"\n\s*", "", result.output)  # wrapped to the terminal where the path ends
    params = load_params(out)
    assert params.format == "2019" and params.tables["t3.new.total"] == 859
