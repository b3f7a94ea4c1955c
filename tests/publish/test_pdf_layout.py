"""What a reader sees on the printed page and the published web page, measured on the seed and on the six real
example reports (imported with ``nianbao import``, then built by the pipeline ``nianbao build`` runs):

- titles break only between their parts (agency, year, the report's wording);
- no body line is spread out character by character;
- no page but the last is more than half empty (tables run across pages between row groups);
- seven-digit figures stay inside their cells in 表三 and 表四;
- the body face is a 仿宋 when fontconfig has one, else the Noto Serif CJK fall-back;
- report.html carries 文件信息, download links and the meta tags government sites read, and on a phone
  the page does not scroll sideways while 表三's box does, under a visible hint.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from lxml import html as lhtml
from PIL import Image

from nianbao.batch.pipeline import build
from nianbao.params import load_params
from nianbao.project import Project
from nianbao.publish.exporters import companions, downloads
from nianbao.publish.pdf import cjk_font_families
from support import EXAMPLES, SEED_PARAMS, make_project, nianbao

MM = 72 / 25.4
TOP, BOTTOM = 37 * MM, (297 - 35) * MM  # the type area's top and foot on an A4 page (GB/T 9704)
BIG = 1234567  # a seven-digit count
SOURCES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".txt", ".html", ".md"})
INDEX_NUMBER = "11150825MB1234567X/2024-00012"


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, the six real examples and a seed with seven-digit figures, built as ``nianbao build`` does."""
    root = make_project(tmp_path_factory.mktemp("layout"))
    for source in SOURCES:
        result = nianbao("import", str(source), cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    data = load_params(SEED_PARAMS).to_params()
    data["agency"] = {"id": "big-numbers", "name": data["agency"]["name"]}
    data["index_number"] = INDEX_NUMBER
    for key in ("t3", "t4"):
        data["tables"][key] = _all(data["tables"][key], BIG)
    big = root / "params" / "big-numbers" / "2023.yaml"
    big.parent.mkdir(parents=True)
    big.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    summary = build(Project(root), [root / "params"], jobs=2, force=True)
    assert not summary.failing, summary.failing
    assert len(summary.built) == len(SOURCES) + 2
    return root


def _all(tables: object, value: int) -> object:
    if isinstance(tables, dict):
        return {k: _all(v, value) for k, v in tables.items()}
    if isinstance(tables, list):
        return [_all(v, value) for v in tables]
    return value


def reports(project: Path) -> list[tuple[object, Path]]:
    out = []
    for path in sorted((project / "params").rglob("*.yaml")):
        params = load_params(path)
        out.append((params, project / "build" / str(params.year) / params.agency.id))
    return out


def pages(pdf: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", run("pdfinfo", str(pdf)), re.M).group(1))


def words(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    layout = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    return [
        (float(x0), float(y0), float(x1), float(y1), text)
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', layout
        )
    ]


def lines(pdf: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    """Each text line of a page: its box and its text without spaces."""
    layout = run("pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-")
    out = []
    for m in re.finditer(
        r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', layout, re.S
    ):
        text = "".join(re.findall(r">([^<]*)</word>", m.group(5)))
        out.append((*(float(g) for g in m.groups()[:4]), text))
    return out


def empty_shares(pdf: Path, tmp_path: Path) -> list[float]:
    """For each page, the share of the type area's height below its last ink (the page number aside)."""
    dpi = 40
    prefix = tmp_path / pdf.parent.name
    run("pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(prefix))
    shares = []
    for page in range(1, pages(pdf) + 1):
        [png] = [p for p in tmp_path.glob(f"{prefix.name}-*.pgm") if int(p.stem.rsplit("-", 1)[1]) == page]
        image = Image.open(png)
        scale = dpi / 72
        top, bottom = int(TOP * scale), int(BOTTOM * scale)
        pixels = image.load()
        last = top
        for y in range(top, bottom):
            if any(pixels[x, y] < 128 for x in range(image.width)):
                last = y
        shares.append((bottom - last) / (bottom - top))
    return shares


def test_titles_break_only_between_their_parts(project: Path) -> None:
    for params, out in reports(project):
        page = lhtml.fromstring((out / "report.html").read_bytes())
        shown = [
            [s.text_content() for s in line.xpath("span[@class='title-part']")]
            for line in page.xpath("//h1[@class='report-title']/span[@class='title-line']")
        ]
        assert shown == params.title_parts, out
        assert "".join(p for line in shown for p in line) == params.display_title
        # In the PDF, every line of the title ends where a part ends.
        pdf = out / "report.pdf"
        title_lines = [t for *_, t in lines(pdf, 1) if t][:4]
        joined, ends = "", set()
        for line in params.title_parts:
            for part in line:
                joined += part
                ends.add(len(joined))
        taken = ""
        for text in title_lines:
            if len(taken) >= len(params.display_title):
                break
            taken += text
            assert len(taken) in ends, (out.name, title_lines)
        assert taken == params.display_title, (out.name, title_lines)


def test_no_body_line_is_letter_spaced(project: Path) -> None:
    # 16 pt characters on a 15.79 pt grid: a justified line's advance stays near 15.8 pt a character.
    # A line spread out before an unbreakable telephone number ran at over 20 pt a character.
    checked = 0
    for _, out in reports(project):
        pdf = out / "report.pdf"
        for page in range(1, pages(pdf) + 1):
            for x0, y0, x1, y1, text in lines(pdf, page):
                # Body lines (16 pt): not the 22 pt title, not tables, not a paragraph's short last line.
                if not 18 <= y1 - y0 < 23 or len(text) < 8 or x1 - x0 < 300:
                    continue
                advance = (x1 - x0) / len(text)
                assert advance < 15.79 * 1.15, (out.name, page, text, round(advance, 1))
                checked += 1
    assert checked > 300


def test_the_seed_phone_number_line_is_not_spread(project: Path) -> None:
    pdf = project / "build" / "2023" / "wltzq-hailiutu" / "report.pdf"
    [line] = [t for *_, t in lines(pdf, 1) if "联系" in t and "电话" in t]
    assert line.endswith(tuple("0123456789")), "the line runs on into the number instead of stopping before it"


def test_no_page_but_the_last_is_more_than_half_empty(project: Path, tmp_path: Path) -> None:
    worst = {}
    for _, out in reports(project):
        shares = empty_shares(out / "report.pdf", tmp_path)
        assert len(shares) >= 2
        worst[out.name] = max(shares[:-1])
    assert all(share <= 0.5 for share in worst.values()), worst


def test_seven_digit_figures_stay_inside_their_cells(project: Path) -> None:
    pdf = project / "build" / "2023" / "big-numbers" / "report.pdf"
    rows: dict[tuple[int, float], list[tuple[float, float]]] = {}
    for page in range(1, pages(pdf) + 1):
        for x0, y0, x1, _, text in words(pdf, page):
            if str(BIG) in text:
                assert text == str(BIG), f"figures ran into each other: {text!r}"
                rows.setdefault((page, round(y0)), []).append((x0, x1))
    widths = sorted(len(r) for r in rows.values())
    assert 7 in widths and 15 in widths, widths  # 表三's seven columns and 表四's fifteen
    for row in rows.values():
        row.sort()
        if len(row) < 2:
            continue
        centres = [(a + b) / 2 for a, b in row]
        pitch = min(b - a for a, b in itertools.pairwise(centres))  # a column's width
        for a, b in row:
            # Centred in its column, with at least 1.5 pt of the cell's padding left on either side.
            assert b - a <= pitch - 3, (row, pitch)


def test_body_face_is_a_fangsong_when_one_is_installed(project: Path) -> None:
    fonts = run("pdffonts", str(project / "build" / "2023" / "wltzq-hailiutu" / "report.pdf"))
    fangsong = [f for f in cjk_font_families() if re.search(r"仿宋|fangsong", f, re.I)]
    if fangsong:
        assert re.search(r"fangsong", fonts, re.I), fonts
    else:
        # The README says so: no 仿宋 with GB2312 coverage is packaged here; the body falls back to Noto Serif CJK.
        assert re.search(r"\+Noto-Serif-CJK-SC\b", fonts), fonts


def test_page_carries_file_information_downloads_and_meta_tags(project: Path) -> None:
    params = load_params(project / "params" / "big-numbers" / "2023.yaml")
    out = project / "build" / "2023" / "big-numbers"
    page = lhtml.fromstring((out / "report.html").read_bytes())
    meta = {m.get("name"): m.get("content") for m in page.xpath("//meta[@name]")}
    assert meta["ArticleTitle"] == params.display_title
    assert meta["PubDate"] == params.issued.isoformat()
    assert meta["ContentSource"] == params.agency.name
    assert meta["ColumnName"] and meta["keywords"] and meta["description"]
    info = {d.xpath("string(dt)"): d.xpath("string(dd)") for d in page.xpath("//header[@class='doc-meta']/dl/div")}
    assert info == {
        "索引号": INDEX_NUMBER,
        "发布机构": params.agency.name,
        "成文日期": params.issued_text,
        "发布日期": params.issued_text,
    }
    links = page.xpath("//nav[@class='downloads']/a/@href")
    assert links == [d["href"] for d in (*companions(), *downloads())] and "report.pdf" in links
    assert "graphic.html" in links  # the 图解, opened beside the page rather than downloaded
    for href in links:
        assert (out / href).is_file(), href
    # A report without 索引号 has none on its page; the PDF carries none of this block.
    seed = lhtml.fromstring((project / "build" / "2023" / "wltzq-hailiutu" / "report.html").read_bytes())
    assert "索引号" not in seed.xpath("string(//header[@class='doc-meta'])")
    assert "发布机构" not in run("pdftotext", str(out / "report.pdf"), "-")


def test_headings_never_end_in_one_stranded_character(project: Path) -> None:
    for _, out in reports(project):
        page = lhtml.fromstring((out / "report.html").read_bytes())
        for h in page.xpath("//h2[@class='section-heading'] | //h3[@class='subhead']"):
            tail = h.xpath("span[@class='nobr']")
            assert tail and len(tail[0].text_content()) == 2 and h.text_content().endswith(tail[0].text_content())


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.parametrize("width", [390, 1440])
def test_wide_tables_scroll_in_their_box_on_a_phone(project: Path, width: int, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    out = project / "build" / "2023" / "wltzq-hailiutu"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto((out / "report.html").as_uri())
        state = page.evaluate(
            """() => {
              const box = document.querySelector('[data-section=requests] .table-scroll');
              const hint = document.querySelector('[data-section=requests] .scroll-hint');
              const r = hint.getBoundingClientRect();
              return {page: document.documentElement.scrollWidth, viewport: innerWidth,
                      box: box.scrollWidth, boxWidth: box.clientWidth, overflow: getComputedStyle(box).overflowX,
                      hint: getComputedStyle(hint).display, hintWidth: r.width, hintText: hint.textContent};
            }"""
        )
        page.screenshot(path=str(tmp_path / f"report-{width}.png"))
        browser.close()
    assert state["page"] <= state["viewport"], state  # the page itself never scrolls sideways
    if width == 390:
        assert state["box"] > state["boxWidth"] and state["overflow"] == "auto", state
        assert state["hint"] == "block" and state["hintWidth"] > 0 and "左右滑动" in state["hintText"], state
    else:
        assert state["box"] <= state["boxWidth"] and state["hint"] == "none", state
