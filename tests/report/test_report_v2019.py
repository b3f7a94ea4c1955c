"""A 2019-format agency-year from params to report.html, review.html, report.pdf and findings.json,
and its fill-in workbook in the 2019 layout."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from nianbao.importers import import_source
from support import V2019_ID, V2019_PARAMS, make_project, nianbao

LABELS_2019 = [
    "本年新制作数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "处理决定数量",
    "采购项目数量",
    "其他对外管理服务事项",
    "政府集中采购",
    "采购总金额（单位：元）",
    "（六）其他处理",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("project2019"))
    target = project / "params" / V2019_ID / "2019.yaml"
    target.parent.mkdir(parents=True)
    shutil.copy(V2019_PARAMS, target)
    nianbao("run", f"params/{V2019_ID}/2019.yaml", cwd=project, check=True)
    return project / "build" / "2019" / V2019_ID


def test_html_and_review_copy_carry_the_2019_tables(built):
    html = (built / "report.html").read_text(encoding="utf-8")
    for label in LABELS_2019:
        assert label in html, label
    assert "本年废止件数" not in html and "现行有效件数" not in html
    assert 'data-cell="t2.procurement.amount"' in html and ">251000<" in html
    assert "1.申请人无正当理由逾期不补正" not in html
    review = (built / "review.html").read_text(encoding="utf-8")
    assert "采购总金额（单位：元）" in review


def test_pdf_shows_the_2019_labels(built):
    text = subprocess.run(["pdftotext", str(built / "report.pdf"), "-"], capture_output=True, text=True).stdout
    for label in (
        "本年新制作数量",
        "对外公开总数量",
        "本年增/减",
        "处理决定数量",
        "采购项目数量",
        "第二十条第（九）项",
    ):
        assert label in text, label


def test_findings_use_the_2019_format(built):
    findings = json.loads((built / "findings.json").read_text(encoding="utf-8"))
    items = findings["findings"] if isinstance(findings, dict) else findings
    assert items, "the Shanghai page's blank cells are reported"
    assert any("（六）其他处理」行" in f["message"] for f in items)
    assert not any(f["rule_id"] == "X-stock" for f in items)


def test_new_workbook_for_2020_has_the_2019_layout_and_reads_back(tmp_path):
    xlsx = tmp_path / "f.xlsx"
    nianbao("new", "x-office", "2020", "--xlsx", str(xlsx), cwd=tmp_path, check=True)
    wb = load_workbook(xlsx)
    sheet = wb["表二（主动公开政府信息情况）"]
    values = {c for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert {"本年新制作数量", "本年增/减", "采购总金额（单位：元）", "政府集中采购"} <= values
    assert "本年废止件数" not in values
    meta = {row[0]: row[2] for row in wb["基本信息"].iter_rows(min_row=2, values_only=True)}
    assert meta["format"] == "2019"
    result = import_source(xlsx)
    assert result.report.format == "2019"
