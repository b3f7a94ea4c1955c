"""report.docx: the seed and the 2019-format fixture built by the pipeline, read back with python-docx, its
XML and LibreOffice.

What a clerk who opens the file would notice: the report's text in order under the right styles, the
three tables with the template's merged headers repeated on every page, the official fonts named for
East-Asian text, A4 in the standard's margins with "— N —" page numbers, and a file LibreOffice lays out
into a PDF with the same text.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import docx
import nbformat
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from nbconvert.exporters import get_exporter

from nianbao.batch.pipeline import build
from nianbao.format import Table
from nianbao.model import AgencyYear
from nianbao.params import load_params
from nianbao.project import NOTEBOOK, Project
from nianbao.publish.outputs import exporter, filename
from nianbao.publish.word import FONT_TABLE, NARROW_EM, NoReportContent, ReportDocxExporter
from support import ROOT, SEED_PARAMS, V2019_PARAMS

REPORTS = {"seed": SEED_PARAMS, "v2019": V2019_PARAMS}
OFFICIAL_FONTS = set(FONT_TABLE)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed and the 2019-format agency-year published by the batch pipeline into a throw-away project."""
    root = tmp_path_factory.mktemp("project")
    (root / NOTEBOOK).parent.mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, root / NOTEBOOK)
    summary = build(Project(root), list(REPORTS.values()), force=True)
    assert not summary.failing, summary.failing
    folders = {}
    for state in summary.built:
        assert state.agency_year is not None
        name = next(k for k, v in REPORTS.items() if Path(state.params_file).resolve() == v.resolve())
        folders[name] = Project(root).out_dir(*state.agency_year)
    return folders


@pytest.fixture(scope="module", params=list(REPORTS))
def report(request: pytest.FixtureRequest, built: dict[str, Path]) -> tuple[AgencyYear, Path]:
    return load_params(REPORTS[request.param]), built[request.param] / "report.docx"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def tc_span(tc) -> int:
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    return 1 if span is None else int(span.get(qn("w:val")))


def tc_vmerge(tc) -> str | None:
    """ "restart", "continue" or None (not merged vertically)."""
    vm = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    if vm is None:
        return None
    return vm.get(qn("w:val")) or "continue"


def tc_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def grid(tbl) -> list[list[tuple[int, object]]]:
    """Each row's cells as (grid column where it starts, the w:tc element)."""
    rows = []
    for tr in tbl.findall(qn("w:tr")):
        col, cells = 0, []
        for tc in tr.findall(qn("w:tc")):
            cells.append((col, tc))
            col += tc_span(tc)
        rows.append(cells)
    return rows


def at(rows, r: int, col: int):
    return next(tc for c, tc in rows[r] if c == col)


def assert_merged(rows, r: int, col: int, label: str, rowspan: int, colspan: int, where: str) -> None:
    tc = at(rows, r, col)
    assert tc_text(tc) == label, f"{where}: cell at row {r}, column {col}"
    assert tc_span(tc) == colspan, f"{where}「{label}」: gridSpan"
    if rowspan > 1:
        assert tc_vmerge(tc) == "restart", f"{where}「{label}」: vMerge restart"
        for k in range(1, rowspan):
            below = at(rows, r + k, col)
            assert tc_vmerge(below) == "continue" and tc_text(below) == "", f"{where}「{label}」: row {r + k}"
            assert tc_span(below) == colspan
    else:
        assert tc_vmerge(tc) is None, f"{where}「{label}」: not merged vertically"


def check_grid_table(table: Table, tbl, cells: dict[str, str]) -> None:
    """Every header cell the format merges is merged the same way in Word; values in place."""
    rows = grid(tbl)
    headers = table.column_header_rows()
    width = sum(c.colspan for c in headers[0])
    assert all(sum(tc_span(tc) for _, tc in row) == width for row in rows)
    # Column headers: place the format's cells on the grid as HTML does (left to right, skipping taken slots).
    taken: set[tuple[int, int]] = set()
    for r, hrow in enumerate(headers):
        col = 0
        for cell in hrow:
            while (r, col) in taken:
                col += 1
            assert_merged(rows, r, col, cell.label, cell.rowspan, cell.colspan, table.name)
            taken |= {(r + i, col + j) for i in range(cell.rowspan) for j in range(cell.colspan)}
            col += cell.colspan
    # Header rows repeat on every page; body rows do not; no row splits across pages.
    trs = tbl.findall(qn("w:tr"))
    for r, tr in enumerate(trs):
        assert (tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None) == (r < len(headers)), f"row {r}"
        assert tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None
    # Row headers and values.
    depth = table.row_header_depth()
    for i, heads in enumerate(table.row_header_cells()):
        r = len(headers) + i
        col = depth - sum(h.colspan for h in heads)
        for h in heads:
            assert_merged(rows, r, col, h.label, h.rowspan, h.colspan, table.name)
            col += h.colspan
        values = [tc_text(tc) for c, tc in rows[r] if c >= depth]
        if table.records_by == "rows":
            record = table.records[i]
            expected = [cells[table.cell_ref(record, f.key)] for f in record.fields]
        else:
            expected = [cells[table.cell_ref(rec, f.key)] for rec in table.records for f in rec.fields]
        assert values == expected, f"{table.name} row {i}"


def check_block_table(table: Table, tbl, cells: dict[str, str]) -> None:
    rows = grid(tbl)
    width = 1 + max(len(b.columns) for b in table.blocks)
    r = 0
    for block in table.blocks:
        assert_merged(rows, r, 0, block.label, 1, width, table.name)
        head = [tc_text(tc) for _, tc in rows[r + 1]]
        assert head == [table.row_header, *(c.label for c in block.columns)]
        for k, row in enumerate(block.rows):
            texts = [tc_text(tc) for _, tc in rows[r + 2 + k]]
            assert texts == [row.label, *(cells[table.cell_ref(row.key or "", c.key)] for c in block.columns)]
            last = rows[r + 2 + k][-1][1]
            assert tc_span(last) == width - len(block.columns)  # the last value cell stretches to the edge
        r += 2 + len(block.rows)
    assert r == len(rows)


def expected_cells(seed: AgencyYear) -> dict[str, str]:
    """Each cell as the report prints it: blank as "", zero as "0"."""
    from nianbao.report.tables import format_value

    return {ref: format_value(seed.tables[ref]) for ref in seed.fmt.cell_refs()}


# --- the published file ---------------------------------------------------------------------------


def test_every_built_report_has_a_word_file(built: dict[str, Path]) -> None:
    assert get_exporter("nianbao_docx") is ReportDocxExporter
    assert isinstance(exporter("docx"), ReportDocxExporter) and filename("docx") == "report.docx"
    for folder in built.values():
        path = folder / "report.docx"
        assert zipfile.ZipFile(path).testzip() is None
        assert "word/document.xml" in zipfile.ZipFile(path).namelist()
        index = (folder.parents[1] / "index.html").read_text(encoding="utf-8")
        assert f'{folder.parent.name}/{folder.name}/report.docx"' in index


def test_paragraphs_in_order_under_the_report_styles(report: tuple[AgencyYear, Path]) -> None:
    seed, path = report
    doc = docx.Document(str(path))
    expected: list[tuple[str, str]] = [("\n".join(seed.title_lines), "报告标题")]
    expected += [(p, "Normal") for p in seed.preface]
    for section in seed.fmt.sections:
        expected.append((section.heading, "一级标题"))
        for block in seed.narrative(section.key):
            expected.append((block, "Normal") if isinstance(block, str) else (block.subhead, "二级标题"))
    expected.append((seed.signature, "落款"))
    if seed.issued_text:
        expected.append((seed.issued_text, "成文日期"))
    got = [(p.text, p.style.name) for p in doc.paragraphs if p.text]
    assert got == expected


def test_tables_have_the_templates_merges_and_repeated_headers(report: tuple[AgencyYear, Path]) -> None:
    seed, path = report
    doc = docx.Document(str(path))
    tables = [t for s in seed.fmt.sections if s.table for t in [seed.fmt.tables[s.table]]]
    assert len(doc.tables) == len(tables) == 3
    cells = expected_cells(seed)
    for table, word_table in zip(tables, doc.tables, strict=True):
        tbl = word_table._tbl
        assert tbl.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}").get(qn("w:val")) == "StatTable"
        if table.layout == "blocks":
            check_block_table(table, tbl, cells)
        else:
            check_grid_table(table, tbl, cells)
        # The table fills the type area's 156 mm width.
        widths = [int(g.get(qn("w:w"))) for g in tbl.iter(qn("w:gridCol"))]
        assert abs(sum(widths) - Mm(156).twips) <= 2


def test_blank_cells_blank_and_zeros_as_zero(built: dict[str, Path]) -> None:
    doc = docx.Document(str(built["seed"] / "report.docx"))
    t4 = doc.tables[2]._tbl
    values = [tc_text(tc) for tc in t4.findall(qn("w:tr"))[-1].findall(qn("w:tc"))]
    assert values == ["0"] * 14 + [""]  # 复议后起诉 / 总计 was left blank in the published report


def test_every_text_names_an_official_east_asian_font(report: tuple[AgencyYear, Path]) -> None:
    """No paragraph falls back to the template theme's East-Asian (Japanese) font: every style names one."""
    _, path = report
    doc = docx.Document(str(path))
    styles = doc.styles.element
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults.get(qn("w:eastAsia")) in OFFICIAL_FONTS and defaults.get(qn("w:eastAsiaTheme")) is None

    def east_asian_font(style) -> str | None:
        while style is not None:
            fonts = style.element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
            if fonts is not None and fonts.get(qn("w:eastAsia")):
                return fonts.get(qn("w:eastAsia"))
            style = style.base_style
        return None

    body = doc.element.body
    used = {p.style.name for p in doc.paragraphs}
    used |= {doc.styles.get_by_id(el.get(qn("w:val")), 1).name for el in body.iter(qn("w:pStyle"))}
    fonts = {name: east_asian_font(doc.styles[name]) for name in used}
    assert fonts["报告标题"] == "方正小标宋简体" and fonts["Normal"] == "仿宋_GB2312"
    assert fonts["一级标题"] == "黑体" and fonts["二级标题"] == "楷体_GB2312" and fonts["表格文字"] == "宋体"
    assert set(fonts.values()) <= OFFICIAL_FONTS
    # No run overrides a style's font by direct formatting: the styles are what a clerk edits.
    assert not list(body.iter(qn("w:rPr")))
    table = zipfile.ZipFile(path).read("word/fontTable.xml").decode()
    for name, (alt, *_) in FONT_TABLE.items():
        assert f'w:name="{name}"' in table and f'w:val="{alt}"' in table


def test_a4_with_the_standards_margins_grid_and_outer_page_numbers(built: dict[str, Path]) -> None:
    doc = docx.Document(str(built["seed"] / "report.docx"))
    [section] = doc.sections
    assert [round(section.page_width.mm), round(section.page_height.mm)] == [210, 297]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    settings = doc.settings.element
    assert settings.find(qn("w:mirrorMargins")) is not None  # 28 mm always at the binding
    assert doc.settings.odd_and_even_pages_header_footer
    grid_ = section._sectPr.find(qn("w:docGrid"))
    assert grid_.get(qn("w:linePitch")) == "579"  # 22 lines in 225 mm
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    for footer, align in ((odd, "right"), (even, "left")):
        xml = footer._p.xml
        assert "PAGE" in xml and footer.text.startswith("— ") and footer.text.endswith(" —")
        assert footer.style.paragraph_format.alignment.name.lower() == align
        assert footer.style.font.size.pt == 14


def test_two_exports_give_the_same_bytes(built: dict[str, Path]) -> None:
    nb = nbformat.read(built["seed"] / "report.ipynb", as_version=4)
    first, _ = ReportDocxExporter().from_notebook_node(nb)
    second, _ = exporter("docx").from_notebook_node(nb)
    assert first == second == (built["seed"] / "report.docx").read_bytes()
    infos = zipfile.ZipFile(built["seed"] / "report.docx").infolist()
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    core = docx.Document(str(built["seed"] / "report.docx")).core_properties
    assert core.created.date().isoformat() == "2024-01-12" and core.author == "乌拉特中旗海流图镇人民政府"


def test_nbconvert_command_line_exports_it(built: dict[str, Path], tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "nianbao_docx", "--output-dir", str(tmp_path),
         str(built["seed"] / "report.ipynb")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert (tmp_path / "report.docx").read_bytes() == (built["seed"] / "report.docx").read_bytes()


def test_a_notebook_without_report_parts_is_refused_with_a_message() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    with pytest.raises(NoReportContent, match="笔记本中没有报告内容"):
        ReportDocxExporter().from_notebook_node(nb)


# --- LibreOffice lays it out ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def libreoffice_pdf(built: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each report.docx converted to PDF by LibreOffice headless (a private profile: parallel runs don't clash)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is needed to check report.docx (make test installs libreoffice-writer-nogui)"
    out = tmp_path_factory.mktemp("lo")
    profile = out / "profile"
    pdfs = {}
    for name, folder in built.items():
        src = out / f"{name}.docx"
        shutil.copy(folder / "report.docx", src)
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
             "--outdir", str(out), str(src)],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        pdfs[name] = out / f"{name}.pdf"
        assert pdfs[name].read_bytes().startswith(b"%PDF-")
    return pdfs


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("name", list(REPORTS))
def test_libreoffice_lays_it_out_with_the_same_text(name: str, libreoffice_pdf: dict[str, Path]) -> None:
    seed = load_params(REPORTS[name])
    raw = pdftotext(libreoffice_pdf[name])
    text = squash(re.sub(r"—\s*\d+\s*—", "", raw))
    expected = [
        seed.display_title,
        seed.preface[0][:40],
        seed.fmt.sections[0].heading,
        seed.fmt.tables["t3"].column_header_rows()[0][1].label,  # 申请人情况
        seed.fmt.tables["t3"].records[0].labels[-1],  # 一、本年新收政府信息公开申请数量
        seed.fmt.sections[-1].heading,
        seed.signature,
        seed.issued_text,
    ]
    pos = 0
    for needle in map(squash, expected):
        found = text.find(needle, pos)
        assert found >= 0, f"{needle!r} missing or out of order in LibreOffice's PDF"
        pos = found + len(needle)
    info = subprocess.run(["pdfinfo", str(libreoffice_pdf[name])], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    numbers = [int(n) for n in re.findall(r"—\s*(\d+)\s*—", raw)]
    assert numbers == list(range(1, pages + 1))  # "— N —" on every page


@pytest.mark.parametrize("name", list(REPORTS))
def test_libreoffice_sets_the_official_faces_in_the_free_ones(name: str, libreoffice_pdf: dict[str, Path]) -> None:
    """make's fontconfig file maps 仿宋_GB2312 / 方正小标宋简体 to a serif, 黑体 to a sans and 楷体_GB2312 to a
    楷体: without it LibreOffice set the whole report in one sans face."""
    fonts = subprocess.run(["pdffonts", str(libreoffice_pdf[name])], capture_output=True, text=True, check=True)
    names = [line.split()[0] for line in fonts.stdout.splitlines()[2:]]
    assert any("NotoSerifCJK" in n for n in names), names  # the body and the title
    assert any("NotoSansCJK" in n for n in names), names  # 黑体 headings
    assert any("UKai" in n for n in names), names  # 楷体 headings


def test_libreoffice_shows_the_tables_numbers(libreoffice_pdf: dict[str, Path]) -> None:
    """The 2019 fixture's 表三 total (859 new requests) and 表二's amount reach the page."""
    seed = load_params(V2019_PARAMS)
    text = pdftotext(libreoffice_pdf["v2019"])
    total = expected_cells(seed)["t3.new.total"]
    assert total and re.search(rf"(^|\s){total}(\s|$)", text)


# --- many varied agency-years, without a kernel --------------------------------------------------


def synthetic(base: AgencyYear, rng: random.Random) -> AgencyYear:
    """``base`` with other values (blanks, zeros, up to 7 digits), agency name, date and narrative."""
    from nianbao.model import Agency, Subhead
    from nianbao.values import TableValues

    values = {}
    for ref in base.fmt.cell_refs():
        kind = base.fmt.cell(ref)[2].cell_kind
        roll = rng.random()
        if roll < 0.15:
            values[ref] = None
        elif roll < 0.4:
            values[ref] = 0
        elif kind.integral:
            values[ref] = rng.choice([rng.randint(1, 99), rng.randint(100, 99_999), rng.randint(1_000_000, 9_999_999)])
        else:
            values[ref] = Decimal(rng.randint(0, 10**7)) / 100
    name = "".join(rng.choice("东西南北中山河湖海城乡区县镇局委办") for _ in range(rng.randint(2, 26))) + "人民政府"
    sections = {
        key: [Subhead(subhead="（一）" + name[:6]) if i % 3 == 0 else f"{name}第{i}段。" * rng.randint(1, 30) for i in
              range(rng.randint(1, 6))]
        for key in base.sections
    }  # fmt: skip
    issued = rng.choice([None, base.issued, dt.date(base.year + 1, 12, 31)])
    return base.model_copy(
        update={
            "agency": Agency(id="x", name=name),
            "signature": name,
            "title": None,
            "issued": issued,
            "sections": sections,
            "tables": TableValues(base.fmt, values),
        }
    )


def parts_of(params: AgencyYear) -> list[dict]:
    """The parts the notebook displays as data (the same calls ``nianbao.report.notebook`` makes)."""
    from nianbao.report import content, tables

    parts = [content.front(params)]
    for sec in params.fmt.sections:
        cells = {}
        if sec.table:
            cells = tables.cell_texts(tables.frame(params.tables, sec.table), params.fmt, sec.table)
        parts.append(content.section(params, sec.key, cells))
    parts.append(content.signature(params))
    return parts


@pytest.mark.parametrize("base_params", [SEED_PARAMS, V2019_PARAMS], ids=["2021", "2019"])
def test_varied_agency_years_keep_text_merges_and_values(base_params: Path, tmp_path: Path) -> None:
    from nianbao.publish.word import build_docx

    base = load_params(base_params)
    rng = random.Random(13)
    for n in range(12):
        params = synthetic(base, rng)
        path = tmp_path / f"{n}.docx"
        path.write_bytes(build_docx(parts_of(params), {"agency": params.agency.name, "title": params.display_title}))
        doc = docx.Document(str(path))
        texts = [p.text for p in doc.paragraphs if p.text]
        assert texts[0] == "\n".join(params.title_lines) and texts[-1] == (params.issued_text or params.signature)
        cells = expected_cells(params)
        assert any(len(v) == 7 for v in cells.values()) and any(v == "" for v in cells.values())
        tables = [params.fmt.tables[s.table] for s in params.fmt.sections if s.table]
        for table, word_table in zip(tables, doc.tables, strict=True):
            check = check_block_table if table.layout == "blocks" else check_grid_table
            check(table, word_table._tbl, cells)
        # Every figure fits its cell on one line: a column too narrow for 7 digits at 五号 gets a smaller style.
        for word_table in doc.tables:
            mar = word_table._tbl.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}/{qn('w:left')}")
            margin = 57 if mar is None else int(mar.get(qn("w:w")))
            for tc in word_table._tbl.iter(qn("w:tc")):
                text = tc_text(tc)
                if re.fullmatch(r"-?[\d.]+", text):
                    size = doc.styles.get_by_id(tc.find(f".//{qn('w:pStyle')}").get(qn("w:val")), 1).font.size.pt
                    width = int(tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}").get(qn("w:w")))
                    assert len(text) * NARROW_EM * size * 20 + 2 * margin <= width, (
                        f"{text} in {width} twips at {size} pt"
                    )
        # The signature block stays inside the line: indents are never negative.
        signature = [p for p in doc.paragraphs if p.style.name in ("落款", "成文日期")]
        assert [p.text for p in signature] == [params.signature, *([params.issued_text] if params.issued else [])]
        for p in signature:
            ind = p._p.pPr.find(qn("w:ind"))
            assert ind is not None and all(int(ind.get(qn(f"w:{a}"))) >= 0 for a in ("left", "right"))
