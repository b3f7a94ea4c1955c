"""The reviewer's copy points at the culprit: a failed sum's total marked apart from its parts, with
what was expected and the difference on the cell (tooltip and printed text); findings and cells linked
both ways; a findings block that holds at 390 px and 1440 px and in print (headless Chromium).

Two agency-years are built once by `nianbao run`: the seed with a wrong 总计 in table 三, and the real
沭阳县发改局 page imported (five applicant columns blank).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
import yaml
from lxml import html as lhtml

from support import EXAMPLES, SEED_PARAMS, make_project, nianbao

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("review"))
    d = copy.deepcopy(yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8")))
    d["agency"]["id"] = "wrong-total"
    t3 = d["tables"]["t3"]
    t3["new"] = [3, 1, 0, 0, 0, 0, 5]  # 总计 5, but 3 + 1 = 4
    t3["outcome"]["disclosed"] = [3, 1, 0, 0, 0, 0, 4]
    t3["outcome"]["total"] = [3, 1, 0, 0, 0, 0, 4]
    target = project / "params" / "wrong-total" / "2023.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump(d, allow_unicode=True, sort_keys=False), encoding="utf-8")
    imported = nianbao("import", str(EXAMPLES / "shuyang-drc-2023.html"), "--agency-id", "shuyang-drc", cwd=project)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    run = nianbao("run", "params/wrong-total/2023.yaml", "params/shuyang-drc/2023.yaml", "-j", "1", cwd=project)
    assert run.returncode == 0, run.stdout + run.stderr
    return project / "build" / "2023"


def page(built: Path, agency: str, name: str = "review.html"):
    return lhtml.fromstring((built / agency / name).read_bytes())


def test_the_failed_total_is_marked_apart_from_its_parts_with_expected_and_difference(built):
    doc = page(built, "wrong-total")
    [total] = doc.xpath('//td[@data-cell="t3.new.total"]')
    assert "cell-total" in total.get("class").split()
    assert "应为 4" in total.get("title") and "差 +1" in total.get("title") and "实为 5" in total.get("title")
    [note] = total.xpath('.//span[@class="cell-note"]')
    assert note.text_content() == "应为 4差 +1"  # two printed lines: 应为 4 / 差 +1
    parts = doc.xpath('//td[contains(concat(" ", @class, " "), " cell-part ")]/@data-cell')
    assert sorted(parts) == sorted(
        f"t3.new.{k}"
        for k in ("natural_person", "commercial", "research", "public_interest", "legal_services", "other")
    )
    sides = doc.xpath('//td[contains(concat(" ", @class, " "), " cell-side ")]/@data-cell')
    assert sorted(sides) == ["t3.carried_in.total", "t3.carried_over.total", "t3.outcome.total.total"]
    assert len(doc.xpath('//td[contains(concat(" ", @class, " "), " cell-total ")]')) == 1, "one culprit, not 22"
    legend = doc.xpath('//ul[@class="findings-legend"]')[0].text_content()
    assert "合计不符的合计单元格" in legend and "参与该合计的单元格" in legend
    styles = "\n".join(s.text_content() for s in doc.xpath("//style"))
    assert re.search(r"td\.cell-total[^{]*\{[^}]*background", styles)
    assert re.search(r"td\.cell-part[^{]*\{[^}]*dashed", styles)


def test_findings_and_cells_link_both_ways(built):
    doc = page(built, "wrong-total")
    [item] = doc.xpath('//li[@data-rule="T3-rowsum"]')
    assert item.xpath('.//a[@href="#cell-t3-new-total"]'), "the finding links to its cell"
    [back] = doc.xpath('//td[@data-cell="t3.new.natural_person"]/a[@class="cell-link"]/@href')
    assert back == f"#{item.get('id')}", "a part links back to its finding"
    for href in doc.xpath("//td/a[@class='cell-link']/@href"):
        assert doc.xpath(f'//*[@id="{href[1:]}"]'), href
    assert "T3-rowsum" not in item.text_content(), "rule ids only in attributes and JSON"
    assert "总计应等于各类申请人之和" in item.getparent().getparent().text_content()


def test_the_public_report_carries_no_marks(built):
    text = (built / "wrong-total" / "report.html").read_text(encoding="utf-8")
    assert "cell-link" not in text and "cell-note" not in text and "cell-total" not in text and " title=" not in text


def test_drc_review_page_groups_160_findings_into_two_items(built):
    doc = page(built, "shuyang-drc")
    items = doc.xpath('//section[@id="validation"]//li[contains(@class, "finding")]')
    assert len(items) == 2
    assert "表三「法人或其他组织」5 列在全部 25 行均为空白（125 格）" in items[0].text_content()
    assert "因此无法校验" in items[0].text_content()
    assert len(doc.xpath('//td[contains(concat(" ", @class, " "), " cell-blank ")]')) == 125
    found = json.loads((built / "shuyang-drc" / "findings.json").read_text(encoding="utf-8"))
    assert len(found["findings"]) == 161 and len(found["groups"]) == 2


def test_layout_holds_at_390_and_1440_px_and_in_print(built):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for agency in ("wrong-total", "shuyang-drc"):
            for width in (390, 1440):
                pg = browser.new_page(viewport={"width": width, "height": 900})
                pg.goto((built / agency / "review.html").as_uri())
                assert pg.evaluate("document.scrollingElement.scrollWidth") <= width, (agency, width)
                box = pg.locator("section.validation").bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
                pg.close()
        pg = browser.new_page(viewport={"width": 1440, "height": 900})
        pg.goto((built / "wrong-total" / "review.html").as_uri())
        pg.click("li[data-rule='T3-rowsum'] a[href='#cell-t3-new-total']")
        pg.wait_for_timeout(200)
        in_view = pg.evaluate(
            """() => {
                const td = document.getElementById('cell-t3-new-total');
                const row = td.closest('tr').querySelector('th');
                const head = td.closest('table').querySelector('thead');
                const top = el => el.getBoundingClientRect().top;
                return [top(td), top(row), top(head), innerHeight];
            }"""
        )
        cell, row_label, header, height = in_view
        assert 0 <= header < cell < height and 0 <= row_label < height, in_view
        # on a phone the table scrolls sideways inside its box and its row labels leave the screen:
        # the cell a link led to says which it is
        phone = browser.new_page(viewport={"width": 390, "height": 800})
        phone.goto((built / "wrong-total" / "review.html").as_uri())
        phone.click("li[data-rule='T3-rowsum'] a[href='#cell-t3-new-total']")
        phone.wait_for_timeout(200)
        label = phone.evaluate("getComputedStyle(document.getElementById('cell-t3-new-total'), '::before').content")
        assert "一、本年新收政府信息公开申请数量 / 总计" in label
        assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
        phone.close()
        pg.emulate_media(media="print")
        shown = pg.evaluate("getComputedStyle(document.querySelector('td .cell-note')).display")
        assert shown != "none"
        assert "应为 4" in pg.locator("#cell-t3-new-total").inner_text()
        browser.close()
