"""Decisions that survive rebuilds, end to end: `nianbao review` on the seed's blank 复议后起诉 总计 makes the
next build show it as decided, with its reason, in review.html, findings.json and the index; changing that
cell's value reopens it (需复核); --strict fails only on open errors; the 问题清单 lists every open finding and
decision of the batch (xlsx and CSV read back)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
import yaml
from lxml import html as lhtml

from support import SEED_ID, make_project, nianbao

SEED = f"params/{SEED_ID}/2023.yaml"
ERR = "params/err-office/2023.yaml"
TOTAL = "t4.suit_after_review.total"
REASON = "原报告此格空白，已向发布机关核实为0"


def out(project: Path, agency: str = SEED_ID) -> Path:
    return project / "build" / "2023" / agency


def page(path: Path):
    return lhtml.fromstring(path.read_bytes())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, an agency-year with an error (T4-sum) and a broken params file, built once."""
    project = make_project(tmp_path_factory.mktemp("reviews"))
    data = yaml.safe_load((project / SEED).read_text(encoding="utf-8"))
    data["agency"] = {**data["agency"], "id": "err-office", "name": "某县某局"}
    data["tables"]["t4"]["suit_after_review"][4] = 0
    data["tables"]["t4"]["review"][4] += 1  # 总计 no longer the sum of its parts: T4-sum, an error
    (project / ERR).parent.mkdir(parents=True)
    (project / ERR).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (project / "params" / "broken").mkdir()
    (project / "params" / "broken" / "2023.yaml").write_text("agency: {id: broken\n", encoding="utf-8")
    result = nianbao("build", "-j", "2", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    return project


def test_a_decision_on_the_seeds_blank_total_is_shown_as_decided_after_the_next_build(project: Path):
    before = json.loads((out(project) / "findings.json").read_text(encoding="utf-8"))
    assert before["review"] == {"error": 0, "warning": 4, "decided": 0, "needs_review": 0}
    blank = [f for f in before["findings"] if f["status"] == "blank"]
    assert [f["cells"] for f in blank] == [[TOTAL]]

    r = nianbao("review", SEED, "--rule", "blank", "--cell", TOTAL, "--status", "忽略", "--reason", REASON, cwd=project)
    assert r.returncode == 0, r.stderr
    assert (project / "reviews" / SEED_ID / "2023.yaml").is_file()
    listed = nianbao("review", SEED, "--list", cwd=project)
    assert "忽略" in listed.stdout and "已审核" in listed.stdout

    result = nianbao("build", "-j", "1", cwd=project)
    assert "生成 1 份，未变跳过 1 份" in result.stdout, result.stdout  # the reviews file is in the content key

    doc = json.loads((out(project) / "findings.json").read_text(encoding="utf-8"))
    assert len(doc["findings"]) == len(before["findings"]), "findings.json keeps every finding"
    [decision] = doc["decisions"]
    assert (decision["status"], decision["reason"], decision["state"]) == ("忽略", REASON, "in_force")
    assert decision["values"] == {TOTAL: None} and decision["reviewer"] and decision["time"]
    covered = {doc["findings"][i]["rule_id"] for i in decision["findings"]}
    assert covered == {"blank", "T4-sum"}, "the sum the blank cell blocks is decided with it"
    assert doc["review"] == {"error": 0, "warning": 2, "decided": 2, "needs_review": 0}

    review = page(out(project) / "review.html")
    [record] = review.xpath("//section[@id='审核记录']")
    [row] = record.xpath(".//tr[@data-rule='blank']")
    assert row.get("data-state") == "in_force" and REASON in row.text_content() and "已审核" in row.text_content()
    assert row.xpath(".//a/@href") == ["#cell-t4-suit_after_review-total"]
    assert review.xpath("//*[@id='校验结果']"), "the index's 校验结果 link has its target"
    findings_block = review.xpath("//*[@id='校验结果']//section[contains(@class, 'validation')]")[0]
    assert "复议后起诉 / 总计」栏为空白" not in findings_block.text_content(), "decided: not listed as open"
    assert "复议后起诉 / 总计」栏为空白" not in (out(project) / "report.html").read_text(encoding="utf-8")

    index = page(project / "build" / "index.html")
    [cell] = index.xpath(f"//td[@data-params='{SEED}']")
    assert cell.get("data-decided") == "2" and cell.get("data-warnings") == "2" and "已审核 2" in cell.text_content()


def test_a_second_build_keeps_the_decision(project: Path):
    result = nianbao("build", cwd=project)
    assert "生成 0 份，未变跳过 2 份" in result.stdout
    doc = json.loads((out(project) / "findings.json").read_text(encoding="utf-8"))
    assert doc["decisions"][0]["state"] == "in_force"


def test_strict_fails_only_on_open_errors(project: Path):
    state = json.loads((project / "build" / ".state" / "2023" / "err-office.json").read_text(encoding="utf-8"))
    assert state["errors"] == 1, "an open error: --strict would fail"
    r = nianbao("review", ERR, "--rule", "T4-sum", "--cell", "t4.review.total", "--status", "确认有误", cwd=project)
    assert r.returncode == 0, r.stderr
    result = nianbao("run", ERR, "--strict", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = json.loads((out(project, "err-office") / "findings.json").read_text(encoding="utf-8"))
    assert doc["review"]["error"] == 0 and doc["review"]["decided"] == 1 and doc["counts"]["error"] == 1


def test_the_issues_list_has_each_open_finding_and_decision(project: Path):
    from openpyxl import load_workbook

    r = nianbao("issues-list", "-o", "问题清单.xlsx", cwd=project)
    assert r.returncode == 0, r.stderr
    ws = load_workbook(project / "问题清单.xlsx").active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = rows[0]
    assert head[:6] == ["机关", "机关代码", "年度", "表格", "单元格", "规则"] and "链接" in head
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:M{len(rows)}"
    col = {name: i for i, name in enumerate(head)}
    by = [dict(zip(head, row, strict=True)) for row in rows[1:]]
    ignored = [r for r in by if r["状态"] == "忽略"]
    assert len(ignored) == 1 and ignored[0]["原因"] == REASON and TOTAL in ignored[0]["单元格"]
    assert "「行政诉讼 / 复议后起诉 / 总计」栏" in ignored[0]["单元格"]
    assert ignored[0]["链接"] == f"build/2023/{SEED_ID}/review.html#cell-t4-suit_after_review-total"
    assert any(r["状态"] == "确认有误" and r["机关代码"] == "err-office" for r in by)
    assert [r["机关代码"] for r in by if r["状态"] == "生成失败"] == ["broken"]
    open_ = [r for r in by if r["状态"] == "未处理"]
    assert open_ and all(r["说明"] for r in open_)
    link = ws.cell(row=2 + by.index(ignored[0]), column=col["链接"] + 1).hyperlink
    assert (project / link.target.split("#")[0]).is_file()
    time.sleep(1.1)  # a clock in the package (zip entry times, core properties) would now differ
    nianbao("issues-list", "-o", "again.xlsx", cwd=project, check=True)
    assert (project / "again.xlsx").read_bytes() == (project / "问题清单.xlsx").read_bytes()

    r = nianbao("issues-list", "-o", "build/问题清单.csv", cwd=project)
    raw = (project / "build" / "问题清单.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel"
    with (project / "build" / "问题清单.csv").open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back[0] == head and len(back) == len(rows)
    [csv_ignored] = [row for row in back if row[col["状态"]] == "忽略"]
    assert csv_ignored[col["链接"]] == f"2023/{SEED_ID}/review.html#cell-t4-suit_after_review-total"


def test_changing_the_cell_it_was_made_on_reopens_it(project: Path):
    data = yaml.safe_load((project / SEED).read_text(encoding="utf-8"))
    data["tables"]["t4"]["suit_after_review"][4] = 3  # no longer blank, and 3 ≠ 0 + 0 + 0 + 0
    (project / SEED).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    nianbao("build", "-j", "1", cwd=project)
    doc = json.loads((out(project) / "findings.json").read_text(encoding="utf-8"))
    [decision] = [d for d in doc["decisions"] if d["rule"] == "blank"]
    assert decision["state"] == "stale" and decision["state_label"] == "需复核"
    assert decision["changed"] == [{"cell": TOTAL, "recorded": None, "now": 3}]
    assert doc["review"]["needs_review"] == 1 and doc["review"]["error"] == 1  # the T4-sum error is open
    review = page(out(project) / "review.html")
    [row] = review.xpath("//section[@id='审核记录']//tr[@data-rule='blank']")
    assert "需复核" in row.text_content() and "原为 空白，现为 3" in row.text_content()
    index = page(project / "build" / "index.html")
    [cell] = index.xpath(f"//td[@data-params='{SEED}']")
    assert cell.get("data-verdict") == "error" and cell.get("data-needs-review") == "1"
    assert "有错误" in cell.text_content() and "需复核 1" in cell.text_content()
    listed = nianbao("review", SEED, "--list", cwd=project)
    assert "需复核" in listed.stdout
