"""report.pdf: the seed built by ``nianbao run`` (once per module) read back with poppler's tools."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import get_exporter

from nianbao.batch.pipeline import build
from nianbao.format.spec import Table
from nianbao.model import AgencyYear
from nianbao.params import load_params
from nianbao.project import NOTEBOOK, Project
from nianbao.publish.outputs import exporter, filename
from nianbao.publish.pdf import ReportPDFExporter, html_to_pdf
from support import ROOT
from support import SEED_PARAMS as SEED

PAGE_NUMBER = re.compile(r"—\s*(\d+)\s*—")


def squash(text: str) -> str:
    """Text without any whitespace: line breaks fall anywhere in typeset Chinese."""
    return re.sub(r"\s+", "", text)


def pdftotext(pdf: Path, *args: str) -> str:
    """Text in drawing order (``-raw``): each paragraph and table cell stays together."""
    return run("pdftotext", "-raw", *args, str(pdf), "-")


def run(*cmd: str) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def assert_in_order(haystack: str, needles: list[str]) -> None:
    pos = 0
    for needle in needles:
        found = haystack.find(needle, pos)
        assert found >= 0, f"not found after position {pos} (or out of order): {needle!r}"
        pos = found + len(needle)


def table_labels(table: Table) -> list[str]:
    """Every label the template prints in a table, in reading order."""
    if table.layout == "blocks":
        labels = []
        for block in table.blocks:
            labels += [block.label, table.row_header, *(c.label for c in block.columns)]
            labels += [row.label for row in block.rows]
        return labels
    head = [c.label for row in table.column_header_rows() for c in row]
    return head + [c.label for cells in table.row_header_cells() for c in cells]


@pytest.fixture(scope="module")
def seed() -> AgencyYear:
    return load_params(SEED)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed published by the same call ``nianbao run`` makes, into a throw-away project."""
    root = tmp_path_factory.mktemp("project")
    (root / NOTEBOOK).parent.mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, root / NOTEBOOK)
    summary = build(Project(root), [SEED], force=True)
    assert not summary.failing, summary.failing
    [state] = summary.built
    assert state.agency_year is not None
    return Project(root).out_dir(*state.agency_year)


@pytest.fixture(scope="module")
def pdf(built: Path) -> Path:
    return built / "report.pdf"


@pytest.fixture(scope="module")
def text(pdf: Path) -> str:
    """The whole text, without page numbers (a paragraph may run across a page break) or whitespace."""
    return squash(PAGE_NUMBER.sub("", pdftotext(pdf)))


def page_count(pdf: Path) -> int:
    info = run("pdfinfo", str(pdf))
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_run_publishes_pdf_beside_html(built: Path) -> None:
    assert (built / "report.html").is_file()
    assert (built / "report.pdf").read_bytes().startswith(b"%PDF-")
    assert get_exporter("nianbao_pdf") is ReportPDFExporter
    assert isinstance(exporter("pdf"), ReportPDFExporter) and filename("pdf") == "report.pdf"


def test_pdf_has_the_whole_report_in_order(seed: AgencyYear, text: str) -> None:
    expected = [seed.display_title, *seed.preface]
    for section in seed.fmt.sections:
        expected.append(section.heading)
        for block in seed.narrative(section.key):
            expected.append(block if isinstance(block, str) else block.subhead)
        if section.table:
            expected += table_labels(seed.fmt.tables[section.table])
    expected += [seed.signature, seed.issued_text]
    assert_in_order(text, [squash(s) for s in expected])


def test_pdf_is_a4_with_metadata_from_the_params(seed: AgencyYear, pdf: Path) -> None:
    info = run("pdfinfo", "-isodates", str(pdf))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["Page size"] == "595.276 x 841.89 pts (A4)"
    assert fields["Title"] == seed.display_title
    assert fields["Author"] == seed.agency.name
    # The issue date, not the time of the build.
    assert fields["CreationDate"].startswith(seed.issued.isoformat())
    assert fields["ModDate"].startswith(seed.issued.isoformat())
    assert fields["Tagged"] == "yes"


def test_pdf_language_is_chinese(pdf: Path) -> None:
    # The catalog sits in a compressed object stream.
    data = pdf.read_bytes()
    objects = b"".join(
        zlib.decompress(m.group(1)) for m in re.finditer(rb"/FlateDecode.*?stream\r?\n(.*?)\r?\nendstream", data, re.S)
    )
    assert b"/Lang (zh-CN)" in objects


def test_cjk_fonts_embedded_as_subsets(pdf: Path) -> None:
    out = run("pdffonts", str(pdf))
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows
    for row in rows:
        name, (emb, sub, uni) = row[0], row[-5:-2]
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.match(r"[A-Z]{6}\+", name), f"not a subset: {name}"
    names = " ".join(row[0] for row in rows)
    # Body, title and 一级标题 faces (Debian's fall-backs here: serif, serif bold, sans).
    assert re.search(r"\+Noto-Serif-CJK-SC\b", names), names
    assert re.search(r"\+Noto-Serif-CJK-SC-Bold\b", names), names
    assert re.search(r"\+Noto-Sans-CJK-SC\b", names), names


def test_page_numbers_in_dashes_on_the_outer_edge(pdf: Path) -> None:
    n = page_count(pdf)
    assert n >= 2
    for page in range(1, n + 1):
        words = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
        number = re.search(rf'<word xMin="([\d.]+)"[^>]*>{page}</word>', words)
        assert number, f"page {page} has no page number"
        assert f"— {page} —" in pdftotext(pdf, "-f", str(page), "-l", str(page))
        # Odd pages at the right, even pages at the left (A4 is 595 pt wide).
        x = float(number.group(1))
        assert (x > 595 / 2) if page % 2 else (x < 595 / 2), (page, x)


def test_body_lines_run_flush_to_both_margins(pdf: Path) -> None:
    # A line followed by another line of the same paragraph (one starting at the left margin, not
    # indented) ends at the right margin: Chinese text justified between characters.
    width, mm = 595.276, 72 / 25.4
    checked = 0
    for page in range(1, page_count(pdf) + 1):
        inner, outer = 28 * mm, 26 * mm  # binding side and fore-edge: mirrored on even pages
        left, right = (inner, width - outer) if page % 2 else (outer, width - inner)
        layout = run("pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(pdf), "-")
        lines = [
            (float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1 in re.findall(
                r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', layout
            )
        ]
        body = [ln for ln in lines if ln[3] - ln[1] > 18]  # 16 pt body lines, not tables or page numbers
        for above, below in itertools.pairwise(body):
            if abs(below[0] - left) < 0.5:
                assert abs(above[2] - right) < 1.5, (page, above, right)
                checked += 1
    assert checked > 20


def test_same_input_same_bytes(built: Path, pdf: Path) -> None:
    nb = nbformat.read(built / "report.ipynb", as_version=4)
    first, _ = ReportPDFExporter().from_notebook_node(nb)
    second, _ = ReportPDFExporter().from_notebook_node(nb)
    assert first == second == pdf.read_bytes()


def test_long_table_repeats_its_header_and_never_splits_a_row(seed: AgencyYear, built: Path, tmp_path: Path) -> None:
    # On A4 table 三 fits one page; on a short page it must run over several. The page keeps A4's width and
    # still holds the header and the longest run of rows that stays together (the first twelve, under
    # 三、本年度办理结果); A5 landscape's 76 mm type area could not, and WeasyPrint then drops the header.
    html = (built / "report.html").read_text("utf-8")
    html = html.replace("</style>", "@page { size: 210mm 190mm; } @page :left { size: 210mm 190mm; }</style>")
    small = tmp_path / "small.pdf"
    small.write_bytes(html_to_pdf(html))
    t3 = seed.fmt.tables["t3"]
    header = squash(t3.column_header_rows()[0][-1].label)  # 申请人情况, over the value columns
    rows = [squash(cells[-1].label) for cells in t3.row_header_cells()]
    pages = [squash(PAGE_NUMBER.sub("", p)) for p in pdftotext(small).split("\f")]
    with_rows = [p for p in pages if any(r in p for r in rows)]
    assert len(with_rows) >= 2
    for p in with_rows:
        assert header in p
    # Each row's label (some run over three lines) lies whole on one page.
    for r in rows:
        assert any(r in p for p in pages), r


def test_nbconvert_cli_exports_the_same_pdf(built: Path, pdf: Path, tmp_path: Path) -> None:
    run(
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "nianbao_pdf",
        str(built / "report.ipynb"),
        "--output-dir",
        str(tmp_path),
    )
    assert (tmp_path / "report.pdf").read_bytes() == pdf.read_bytes()


def _latin_only_font() -> Path:
    """A font fontconfig knows that has no Chinese (fontconfig itself depends on one, e.g. DejaVu)."""

    def files(pattern: str) -> set[str]:
        out = run("fc-list", pattern, "file")
        return {line.rstrip(":").strip() for line in out.splitlines() if line.strip()}

    latin = sorted(files(":lang=en") - files(":lang=zh-cn"))
    assert latin, "fontconfig lists no Latin-only font"
    return Path(latin[0])


@pytest.mark.parametrize("fonts", ["none", "latin-only"])
def test_no_cjk_font_stops_with_a_clear_message(fonts: str, built: Path, tmp_path: Path) -> None:
    font_dir = tmp_path / "fonts"
    font_dir.mkdir()
    if fonts == "latin-only":
        font = _latin_only_font()
        (font_dir / font.name).symlink_to(font)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        textwrap.dedent(f"""\
            <?xml version="1.0"?>
            <!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
            <fontconfig><dir>{font_dir}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>
            """),
        "utf-8",
    )
    out = tmp_path / "out.pdf"
    code = f"""
import nbformat
from nianbao.publish.pdf import ReportPDFExporter
nb = nbformat.read({str(built / "report.ipynb")!r}, as_version=4)
body, _ = ReportPDFExporter().from_notebook_node(nb)
open({str(out)!r}, "wb").write(body)
"""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "FONTCONFIG_FILE": str(conf)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert proc.returncode != 0
    assert "NoCJKFontError" in proc.stderr
    assert "没有找到可用的中文字体" in proc.stderr
    assert "No Chinese (CJK) font" in proc.stderr
    assert not out.exists()
