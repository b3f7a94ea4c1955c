"""build/index.html in headless Chromium: statuses that say what matters in matching colours, one row per
agency with its years side by side, sortable columns, filter chips from the summary cards and the per-rule
counts, links that open what their words say."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lxml import html as lhtml

from nianbao.batch.state import ReportState
from nianbao.publish.index import render_index

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
OUTPUTS = ("findings.json", "report.html", "report.ipynb", "report.pdf", "review.html")
T4 = ("T4-sum", "error", "总计应等于结果维持、结果纠正、其他结果、尚未审结之和")
BLANK = ("blank", "warning", "单元格不应为空（无数据应填0）")


def built(agency_id: str, name: str, year: int, errors: int = 0, warnings: int = 0, **kw) -> ReportState:
    return ReportState(
        f"params/{agency_id}/{year}.yaml",
        "built",
        agency_id=agency_id,
        year=year,
        agency=name,
        errors=errors,
        warnings=warnings,
        outputs=OUTPUTS,
        **kw,
    )


STATES = [
    built("wltzq-hailiutu", "乌拉特中旗海流图镇人民政府", 2023, warnings=2, decided=2),
    built("wltzq-hailiutu", "乌拉特中旗海流图镇人民政府", 2022),
    built("sy-drc", "沭阳县发展和改革局", 2023, errors=3, warnings=20, open_rules=(T4, BLANK)),
    built("sy-drc", "沭阳县发展和改革局", 2022, warnings=1, open_rules=(BLANK,), needs_review=1),
    built("a-town", "阿拉善左旗某镇人民政府", 2023, errors=1, open_rules=(T4,)),
    ReportState.failure("params/bad/2023.yaml", "params", "YAML 格式错误", agency_id="bad", year=2023),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    build = tmp_path_factory.mktemp("index") / "build"
    for s in STATES:
        for name in s.outputs:
            out = build / str(s.year) / s.agency_id / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text('<div id="校验结果"></div>' if name == "review.html" else "x", encoding="utf-8")
    (build / "index.html").write_text(render_index(STATES), encoding="utf-8")
    return build / "index.html"


def test_one_row_per_agency_with_its_years_side_by_side(index: Path):
    page = lhtml.fromstring(index.read_bytes())
    rows = page.xpath("//table[@id='reports']/tbody/tr")
    assert len(rows) == 4
    assert [th.text_content().strip() for th in page.xpath("//thead/tr/th")][:3] == ["机关", "2023年度", "2022年度"]
    drc = next(r for r in rows if "沭阳县发展和改革局" in r.text_content())
    assert [c.get("data-verdict") for c in drc.xpath("./td[@data-year]")] == ["error", "warning"]
    seed = next(r for r in rows if "海流图" in r.text_content())
    [cell] = seed.xpath("./td[@data-year='2023']")
    assert cell.get("data-verdict") == "warning" and "已审核 2" in cell.text_content()
    assert "需复核 1" in drc.xpath("./td[@data-year='2022']")[0].text_content()
    # The per-rule counts across the batch, by the rules' Chinese titles, errors first.
    chips = [
        b.text_content() for b in page.xpath("//button[@class='rule-chip sev-error' or @class='rule-chip sev-warning']")
    ]
    assert chips == [f"{T4[2]}：2 份报告", f"{BLANK[2]}：2 份报告"]


def test_statuses_colours_sorting_filters_and_links_in_chromium(index: Path):
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(index.as_uri())

        def names() -> list[str]:
            return page.eval_on_selector_all("#reports tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.name)")

        def colour(selector: str) -> tuple[int, int, int]:
            rgb = page.eval_on_selector(selector, "e => getComputedStyle(e).color")
            return tuple(int(x) for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])

        # Badges: the words and colours of what matters; an error is red, never green.
        assert page.locator("td[data-params='params/sy-drc/2023.yaml'] .badge").inner_text() == "有错误"
        assert page.locator("td[data-params='params/bad/2023.yaml'] .badge").inner_text() == "生成失败"
        assert page.locator("td[data-params='params/wltzq-hailiutu/2022.yaml'] .badge").inner_text() == "通过"
        red = colour("td[data-params='params/sy-drc/2023.yaml'] .badge")
        green = colour("td[data-params='params/wltzq-hailiutu/2022.yaml'] .badge")
        amber = colour("td[data-params='params/wltzq-hailiutu/2023.yaml'] .badge")
        assert red[0] > 150 and red[1] < 60, red
        assert green[1] > green[0] and green[1] > green[2], green
        assert amber[0] > amber[2] and amber != red, amber
        assert page.eval_on_selector(
            "td[data-params='params/bad/2023.yaml'] .badge", "e => getComputedStyle(e).backgroundColor"
        ) not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
        assert page.locator("#count-failed").inner_text() == "1"
        assert page.locator("#count-error").inner_text() == "2"
        assert page.locator("#count-errors").inner_text() == "4"

        # Sorting: by agency name (default), by open errors, by a year's status.
        assert names() == sorted(names(), key=lambda n: n)  # lxml order is the template's (by name)
        page.click("th[data-sort='errors'] button")
        assert names()[:2] == ["沭阳县发展和改革局", "阿拉善左旗某镇人民政府"]
        assert page.get_attribute("th[data-sort='errors']", "aria-sort") == "descending"
        page.click("th[data-sort='errors'] button")
        assert names()[-1] == "沭阳县发展和改革局"
        page.click("th[data-sort='y2023'] button")
        assert names() == ["bad", "沭阳县发展和改革局", "阿拉善左旗某镇人民政府", "乌拉特中旗海流图镇人民政府"]

        # Filter chips: the summary cards, the per-rule counts, the year and the search box.
        page.click(".card[data-filter='error']")
        assert sorted(names()) == sorted(["沭阳县发展和改革局", "阿拉善左旗某镇人民政府"])
        assert page.get_attribute(".card[data-filter='error']", "aria-pressed") == "true"
        page.click(".card[data-filter='failed']")
        assert names() == ["bad"]
        page.click(".card[data-filter='needs-review']")
        assert names() == ["沭阳县发展和改革局"]
        page.click(".card[data-filter='decided']")
        assert names() == ["乌拉特中旗海流图镇人民政府"]
        page.click(".card[data-filter='']")
        assert len(names()) == 4
        page.click(".rule-chip[data-rule='blank']")
        assert names() == ["沭阳县发展和改革局"]
        page.click(".rule-chip[data-rule='blank']")
        page.select_option("#filter-year", "2022")
        assert page.locator("th[data-year='2023']").is_hidden()
        page.click(".card[data-filter='pass']")
        assert names() == ["乌拉特中旗海流图镇人民政府"]
        page.click(".card[data-filter='pass']")
        page.select_option("#filter-year", "")
        page.fill("#filter-agency", "沭阳")
        assert names() == ["沭阳县发展和改革局"]
        page.fill("#filter-agency", "")

        links = page.eval_on_selector_all("a[href]", "as => as.map(a => [a.textContent, a.href])")
        # 390 px: the page itself does not widen; the table scrolls inside its box.
        page.set_viewport_size({"width": 390, "height": 900})
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert not errors
    assert width <= 390
    assert {text for text, _ in links} >= {"审核版", "校验结果", "报告", "PDF", "笔记本", "JSON"}
    for text, href in links:
        url = urlparse(href)
        assert Path(unquote(url.path)).is_file(), href
        if text == "校验结果":
            assert url.path.endswith("/review.html") and unquote(url.fragment) == "校验结果", href
