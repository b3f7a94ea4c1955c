"""The review copy beside last year's: a two-year chain of one agency built by ``nianbao build``.

2024 repeats 2023's 总体情况 (only the year changed) and its 一、本年新收 总计 jumps from 13 to 53. The
build's findings.json carries the 重复率 and the swing; review.html shows 与上年度比较 (the swing with Δ
and %, the section's repeated sentences), each changed cell with last year's value, and holds at 390 px
and 1440 px in headless Chromium; the public report.html shows none of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from lxml import html as lhtml

from support import make_project, nianbao, seed_as, seed_year

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
AGENCY = "yoy-town"


def _year(d: dict, year: int, new: list[int], disclosed: list[int], partly: list[int]) -> dict:
    d = seed_year(d, year)
    t3 = d["tables"]["t3"]
    t3["new"], t3["outcome"]["disclosed"], t3["outcome"]["partly_disclosed"] = new, disclosed, partly
    t3["outcome"]["total"] = [a + b for a, b in zip(disclosed, partly, strict=True)]
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("yoy"))
    d = seed_as(AGENCY)
    zero = [0] * 7
    y2023 = _year(d, 2023, [12, 1, 0, 0, 0, 0, 13], [12, 1, 0, 0, 0, 0, 13], zero)
    y2024 = _year(d, 2024, [52, 1, 0, 0, 0, 0, 53], [50, 1, 0, 0, 0, 0, 51], [2, 0, 0, 0, 0, 0, 2])
    y2024["sections"]["overview"] = [
        p.replace("2023年", "2024年") if isinstance(p, str) else p for p in y2024["sections"]["overview"]
    ]
    y2024["sections"]["problems"] = [
        "2024年，我镇新建了政务公开专区，群众反映良好，但线上答复时效仍需提高，部分栏目更新滞后于工作进度。",
        "下一步，我镇将建立信息发布审核台账，每月通报各站办更新情况，并对超期未更新的栏目责任人进行约谈提醒。",
    ]
    folder = project / "params" / AGENCY
    folder.mkdir(parents=True)
    for y in (y2023, y2024):
        (folder / f"{y['year']}.yaml").write_text(yaml.safe_dump(y, allow_unicode=True, sort_keys=False), "utf-8")
    run = nianbao("build", f"params/{AGENCY}", "-j", "1", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    return project / "build"


def test_findings_json_has_the_repetition_and_the_swing(built):
    doc = json.loads((built / "2024" / AGENCY / "findings.json").read_text(encoding="utf-8"))
    copied = [f for f in doc["findings"] if f["rule_id"] == "Y-copied"]
    assert [f["section"] for f in copied] == ["overview"], "a rewritten section is not copied"
    assert copied[0]["extra"]["share"] == "100%" and "重复率为100%" in copied[0]["message"]
    swings = {f["cells"][0]: f for f in doc["findings"] if f["rule_id"] == "Y-swing"}
    assert set(swings) == {"t3.new.total", "t3.outcome.disclosed.total", "t3.outcome.total.total"}
    assert "变化+40（+308%）" in swings["t3.new.total"]["message"]
    headings = [g["heading"] for g in doc["groups"]]
    assert "正文 · 各部分正文与上年度报告的重复率不应超过50%" in headings
    first = json.loads((built / "2023" / AGENCY / "findings.json").read_text(encoding="utf-8"))
    assert not [f for f in first["findings"] if f["rule_id"].startswith("Y-")], "no last year, no comparison"


def test_review_page_shows_the_swing_and_the_repeated_sentences(built):
    doc = lhtml.fromstring((built / "2024" / AGENCY / "review.html").read_bytes())
    [block] = doc.xpath('//section[@id="与上年度比较"]')
    [row] = block.xpath('.//tr[@data-ref="t3.new.total"]')
    assert [td.text_content() for td in row.xpath("./td")][1:] == ["13", "53", "+40+308%"]
    assert "yoy-swing" in row.get("class") and "变化较大" in row.text_content()
    [overview] = block.xpath('.//li[@data-section="overview"]')
    assert "100%" in overview.text_content() and "yoy-flagged" in overview.get("class")
    marked = [m.text_content() for m in overview.xpath(".//mark")]
    assert any(m.startswith("2024年，海流图镇始终将政务公开工作纳入重要议事日程") for m in marked)
    [problems] = block.xpath('.//li[@data-section="problems"]')
    assert "0%" in problems.text_content() and not problems.xpath(".//mark")
    # every changed cell of the tables carries last year's value, the change and the rate
    [note] = doc.xpath('//td[@data-cell="t3.new.total"]/span[contains(@class, "cell-yoy")]')
    assert [s.text_content() for s in note.xpath("./span")] == ["上年 13", "+40", "+308%"]
    assert "yoy-swing" in note.get("class")
    assert doc.xpath('//td[@data-cell="t3.outcome.partly_disclosed.total"]/span[contains(@class, "cell-yoy")]')
    assert not doc.xpath('//td[@data-cell="t3.carried_in.total"]/span[contains(@class, "cell-yoy")]'), "unchanged"
    public = (built / "2024" / AGENCY / "report.html").read_text(encoding="utf-8")
    assert "与上年度比较" not in public and "cell-yoy" not in public


def test_first_year_says_there_is_nothing_to_compare(built):
    doc = lhtml.fromstring((built / "2023" / AGENCY / "review.html").read_bytes())
    [block] = doc.xpath('//section[@id="与上年度比较"]')
    assert "没有2022年度报告可供比较" in block.text_content()
    assert not doc.xpath('//span[contains(@class, "cell-yoy")]')


def test_layout_holds_at_390_and_1440_px(built):
    from playwright.sync_api import sync_playwright

    page = (built / "2024" / AGENCY / "review.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width in (390, 1440):
            pg = browser.new_page(viewport={"width": width, "height": 900})
            pg.goto(page)
            assert pg.evaluate("document.scrollingElement.scrollWidth") <= width, width
            box = pg.locator("section.yoy").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            # the note stays inside its cell: its pieces wrap whole, none sticks out
            inside = pg.evaluate(
                """() => {
                    const td = document.getElementById('cell-t3-new-total');
                    const cell = td.getBoundingClientRect();
                    return [...td.querySelectorAll('.cell-yoy > span')].every(s => {
                        const r = s.getBoundingClientRect();
                        return r.width > 0 && r.left >= cell.left - 1 && r.right <= cell.right + 1;
                    });
                }"""
            )
            assert inside, width
            pg.close()
        browser.close()
