"""graphic.html (图解) and its charts as the build publishes them: an agency of two years built by
``nianbao build``, the seed report (one year, a blank cell in 表四) built by ``nianbao run``.

Every report gets graphic.html with its charts beside it; the values a reader sees (the data table under
each chart, the numbers printed in each SVG) are the params'; a blank cell says 未填写 instead of 0; one
year gets no trend chart but says why; report.html and the index link graphic.html; the page shows no code
and holds at 390 px and 1440 px in headless Chromium; two builds of the seed give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from lxml import etree
from lxml import html as lhtml

from nianbao.graphic import chart_keys
from nianbao.publish.outputs import chart_output, filename
from support import SEED_ID, make_project, nianbao, seed_as, seed_year

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
AGENCY = "graphic-town"
SVG = "{http://www.w3.org/2000/svg}"
NEW = {2022: [40, 3, 0, 1, 2, 4, 50], 2023: [90, 5, 1, 0, 3, 1, 100]}
REVIEW = {2022: [1, 0, 1, 0, 2], 2023: [3, 1, 0, 2, 6]}


def _year(d: dict, year: int) -> dict:
    d = seed_year(d, year)
    d["tables"]["t3"]["new"] = NEW[year]
    d["tables"]["t4"]["review"] = REVIEW[year]
    return d


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("graphic"))
    d = seed_as(AGENCY)
    d["tables"]["t3"]["new"] = None  # replaced per year
    folder = project / "params" / AGENCY
    folder.mkdir()
    for year in NEW:
        (folder / f"{year}.yaml").write_text(yaml.safe_dump(_year(d, year), allow_unicode=True), encoding="utf-8")
    result = nianbao("build", "-j", "2", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def _out(project: Path, year: int, agency: str = AGENCY) -> Path:
    return project / "build" / str(year) / agency


def _data_table(page: lhtml.HtmlElement, chart: str) -> dict[str, str]:
    """cell ref(s) → the value the data table under ``chart`` shows."""
    cells = page.xpath(f"//section[@data-chart='{chart}']//table[@class='chart-data']//td[@data-cell]")
    return {td.get("data-cell"): td.text_content() for td in cells}


def test_every_report_has_graphic_html_and_its_charts(built: Path, seed_build: Path):
    for out in (_out(built, 2022), _out(built, 2023), seed_build):
        page = lhtml.fromstring((out / filename("graphic")).read_bytes())
        for key in ("applicants", "outcomes", "appeals"):
            svg, png = (out / chart_output(key, ext).filename for ext in ("svg", "png"))
            assert svg.stat().st_size > 0 and png.read_bytes().startswith(b"\x89PNG"), (out, key)
            # the page carries the same drawing inline, with its title and desc for screen readers
            inline = page.xpath(f"//section[@data-chart='{key}']//*[local-name()='svg']")
            assert len(inline) == 1 and inline[0].get("role") == "img"
        assert page.xpath("//code|//pre|//*[contains(@class, 'input')]") == [], "no code on the page"
        assert "gnb." not in (out / filename("graphic")).read_text(encoding="utf-8")
    # two years: the trend is drawn; one year (the seed): it is not, and the page says why
    assert (_out(built, 2023) / chart_output("trend", "svg").filename).is_file()
    assert not (seed_build / chart_output("trend", "svg").filename).exists()
    assert "目前只有2023年度一个年度的数据" in (seed_build / "graphic.html").read_text(encoding="utf-8")
    assert set(chart_keys()) == {"applicants", "outcomes", "appeals", "trend"}


def test_what_a_reader_sees_is_the_params(built: Path):
    page = lhtml.fromstring((_out(built, 2023) / "graphic.html").read_bytes())
    applicants = _data_table(page, "applicants")
    columns = ["natural_person", "commercial", "research", "public_interest", "legal_services", "other", "total"]
    assert applicants == {f"t3.new.{c}": str(v) for c, v in zip(columns, NEW[2023], strict=True)}
    appeals = _data_table(page, "appeals")
    for column, value in zip(["upheld", "corrected", "other", "pending", "total"], REVIEW[2023], strict=True):
        assert appeals[f"t4.review.{column}"] == str(value)
    trend = page.xpath("//section[@data-chart='trend']//td[@data-cell='t3.new.total']")
    assert [td.text_content() for td in trend] == [str(NEW[2022][-1]), str(NEW[2023][-1])]
    # the numbers printed in the SVG file are those values too
    svg = etree.parse(str(_out(built, 2023) / "graphic-applicants.svg")).getroot()
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert {"自然人", "商业企业", "法律服务机构", "法人或其他组织"} <= set(texts)
    for value in NEW[2023][:-1]:
        assert str(value) in texts
    assert "'Noto Sans CJK SC'" in (_out(built, 2023) / "graphic-applicants.svg").read_text(encoding="utf-8")
    trend_svg = etree.parse(str(_out(built, 2023) / "graphic-trend.svg")).getroot()
    trend_texts = ["".join(t.itertext()) for t in trend_svg.iter(f"{SVG}text")]
    assert {"2022年", "2023年", "行政复议"} <= set(trend_texts)


def test_a_blank_cell_reads_unfilled_not_zero(seed_build: Path):
    page = lhtml.fromstring((seed_build / "graphic.html").read_bytes())
    appeals = page.xpath("//section[@data-chart='appeals']//td[@data-cell='t4.suit_after_review.total']")
    assert [td.text_content() for td in appeals] == ["未填写"]
    assert "blank" in appeals[0].get("class")
    trend = page.xpath(
        "//section[@data-chart='trend']//td[@data-cell='t4.direct_suit.total t4.suit_after_review.total']"
    )
    assert [td.text_content() for td in trend] == ["未填写"], "a sum with a blank cell is not a number"
    svg = (seed_build / "graphic-appeals.svg").read_text(encoding="utf-8")
    assert "复议后起诉（总计 未填写）" in svg


def test_report_and_index_link_the_graphic(built: Path, seed_build: Path):
    report = lhtml.fromstring((seed_build / "report.html").read_bytes())
    assert report.xpath("//nav[@class='downloads']/a[@href='graphic.html']/text()") == ["图解"]
    index = lhtml.fromstring((built / "build" / "index.html").read_bytes())
    for year in NEW:
        assert index.xpath(f"//a[@href='{year}/{AGENCY}/graphic.html']/text()") == ["图解"]
    assert index.xpath("//a[contains(@href, '.svg') or contains(@href, '.png')]") == []
    graphic = lhtml.fromstring((seed_build / "graphic.html").read_bytes())
    assert graphic.xpath("//nav//a[@href='report.html']/text()") == ["报告全文"]


def test_two_builds_give_the_same_bytes(built: Path, seed_build: Path):
    """The seed report, built by ``nianbao build`` in one project and ``nianbao run`` in another, in other
    processes and folders: every file the same, the 图解's included."""
    again = _out(built, 2023, SEED_ID)
    names = sorted(p.name for p in seed_build.iterdir())
    assert names == sorted(p.name for p in again.iterdir()) and "graphic-appeals.svg" in names
    assert [n for n in names if (seed_build / n).read_bytes() != (again / n).read_bytes()] == []


def test_the_page_reads_at_390_and_1440_px(built: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width in (390, 1440):
            pg = browser.new_page(viewport={"width": width, "height": 900})
            pg.goto((_out(built, 2023) / "graphic.html").as_uri())
            assert pg.evaluate("document.scrollingElement.scrollWidth") <= width
            boxes = pg.eval_on_selector_all(
                "section.chart svg",
                "els => els.map(e => [e.getBoundingClientRect().left, e.getBoundingClientRect().width])",
            )
            assert len(boxes) == 4
            for left, w in boxes:
                assert left >= 0 and left + w <= width and w >= min(300, width - 60), (width, left, w)
            # the SVG's text is set in a CJK face the page has (not boxes): its width is that of Chinese text
            title = "本年新收政府信息公开申请（按申请人类型）"
            title_width = pg.eval_on_selector_all(
                "#chart-applicants svg text", f"ts => ts.find(t => t.textContent === '{title}').getComputedTextLength()"
            )
            assert title_width > 15 * 14 * 0.9  # 20 characters of a 14 px face, drawn at about 1:1
            pg.close()
        browser.close()
