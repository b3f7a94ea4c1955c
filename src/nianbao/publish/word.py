"""report.docx: the report as an editable Word document in official-document layout (GB/T 9704-2012).

Offices submit the annual report as a Word file, signed and stamped, before they publish it; this is
that file. ``ReportDocxExporter`` (``jupyter nbconvert --to nianbao_docx``) builds it with python-docx
from the parts the report notebook displayed *as data* (``nianbao.report.content``, the
``application/vnd.nianbao.part+json`` beside each part's HTML), never by parsing HTML back. The tables'
labels and merges come from the national format (``nianbao.format``), the very header structure the
HTML tables are rendered from, as real Word merges (``w:gridSpan`` / ``w:vMerge``).

The layout is the PDF's (``report.css``), in Word's terms:

- A4, margins 37 / 35 / 28 / 26 mm mirrored for double-sided printing (``w:mirrorMargins``), the
  standard's 22 lines (``w:docGrid`` of 28.95 pt, the body on that pitch) of 28 characters (the body
  set 0.25 pt tight, as the PDF).
- Named styles, not direct formatting: 正文 (Word's Normal, which Chinese Word calls 正文), 报告标题,
  一级标题 (黑体, outline level 1), 二级标题 (楷体_GB2312, level 2), 表格文字, 表格栏目, 落款, 成文日期,
  页码; a clerk who changes a style changes every paragraph of its kind. Only the signature's right
  indent is set per paragraph: it depends on the agency name's width.
- Every style and the document defaults name their East-Asian font (``w:eastAsia``), so no run falls
  back to the template theme's (Japanese) East-Asian font: the error that makes other converters'
  Chinese come out in the wrong face.
- Fonts are named as offices have them (方正小标宋简体, 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体): Word on an
  office computer shows the official faces. The font table gives each a Windows alternative name
  (``w:altName``: 仿宋, 楷体, …) and its GB2312 character set, which Word and WPS use when the
  ``_GB2312`` face is missing; elsewhere LibreOffice substitutes an installed Chinese face.
- Header rows of the grid tables repeat on every page (``w:tblHeader``), rows never split, and the
  rows of one merged row group are kept on one page.
- Page numbers "— N —" in 宋体 四号 at the foot on the outer edge (odd pages right, even pages left:
  ``w:evenAndOddHeaders`` with two footers).

The bytes are deterministic: core properties come from the report (title, agency, issue date), never
the clock, and the zip entries carry a fixed timestamp, so the same notebook gives the same file.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from nbconvert.exporters import Exporter
from traitlets import default

from nianbao.errors import NianbaoError
from nianbao.publish.exporters import HIDDEN_TAGS, REVIEW_TAG, report_meta
from nianbao.publish.ooxml import ZIP_TIME
from nianbao.report.meta import PART_MIME

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from lxml.etree import _Element

    from nianbao.format import Table

WORD_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# --- page and type (GB/T 9704-2012; the same numbers as report.css) --------------------------------
TWIPS_PER_MM = 1440 / 25.4
PAGE_MM = (210, 297)  # A4
MARGIN_MM = {"top": 37, "bottom": 35, "inside": 28, "outside": 26}
TEXT_WIDTH = round((PAGE_MM[0] - MARGIN_MM["inside"] - MARGIN_MM["outside"]) * TWIPS_PER_MM)  # 156 mm
BODY_PT = 16  # 三号
LINES, CHARS = 22, 28
# 22 lines in the 225 mm type area: 28.95 pt (579 twips), as the PDF's --pitch.
LINE_PITCH = 579
# 28 characters in the 156 mm line: each at most 15.79 pt, i.e. 0.21 pt narrower than the 16 pt face.
# Body text is set 0.25 pt tighter (character spacing, in twentieths of a point), as the PDF's
# letter-spacing; justification spreads the rest. (A ``linesAndChars`` grid would say the same to
# Word, but LibreOffice lays such a grid out with far wider characters and lines: 17 lines of 17.)
TRACKING = -5
CHAR_TWIPS = round(TEXT_WIDTH / CHARS)  # one grid character
TABLE_PT = 10.5  # 五号
TABLE_CHAR = round(TABLE_PT * 20)
CELL_MARGIN = 57  # 1 mm left and right in every cell
TIGHT_MARGIN = 20  # 0.35 mm, for a table whose figures fit no other way
# The page number: 7 mm below the type area, one character in from the outer edge.
FOOTER_MM = MARGIN_MM["bottom"] - 7 - 6
HEADER_MM = 15

# Font families as offices have them, with the Windows name Word and WPS fall back to, the GB2312
# character set (86) and the generic family.
TITLE_FONT, BODY_FONT, HEI_FONT, KAI_FONT, SONG_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
FONT_TABLE: dict[str, tuple[str, str, str]] = {
    TITLE_FONT: ("方正小标宋_GBK", "roman", "variable"),
    BODY_FONT: ("仿宋", "modern", "fixed"),
    HEI_FONT: ("SimHei", "modern", "fixed"),
    KAI_FONT: ("楷体", "modern", "fixed"),
    SONG_FONT: ("SimSun", "auto", "variable"),
}


@dataclass(frozen=True)
class Style:
    """One paragraph style of the document: its name as Word shows it and how it sets text."""

    style_id: str  # ASCII, as in styles.xml
    name: str  # what a clerk sees in Word's style list
    font: str
    size_pt: float
    based_on: str | None = "Normal"
    align: str | None = None  # w:jc
    first_line_chars: int | None = None  # hundredths of a character; 0 clears the body's indent
    line: tuple[int, str] | None = None  # (w:line, w:lineRule)
    before: int | None = None  # twips
    after: int | None = None
    keep_next: bool = False
    outline: int | None = None  # 0-based outline level (navigation pane, PDF bookmarks)
    bold: bool = False
    snap_to_grid: bool = True
    indent_twips: tuple[int, int] | None = None  # (left, right)
    tracking: int | None = None  # character spacing, twentieths of a point


# Normal is Word's own default style (Chinese Word names it 正文): every paragraph a clerk adds is body text.
STYLES: tuple[Style, ...] = (
    Style(
        "Normal",
        "Normal",
        BODY_FONT,
        BODY_PT,
        based_on=None,
        align="both",
        first_line_chars=200,
        line=(LINE_PITCH, "exact"),
        before=0,
        after=0,
        tracking=TRACKING,
    ),
    Style(
        "ReportTitle",
        "报告标题",
        TITLE_FONT,
        22,
        align="center",
        first_line_chars=0,
        line=(660, "exact"),
        after=LINE_PITCH,
        keep_next=True,
        snap_to_grid=False,
        tracking=0,
    ),
    Style("HeadingOne", "一级标题", HEI_FONT, BODY_PT, keep_next=True, outline=0),
    Style("HeadingTwo", "二级标题", KAI_FONT, BODY_PT, keep_next=True, outline=1),
    Style(
        "TableText",
        "表格文字",
        SONG_FONT,
        TABLE_PT,
        align="center",
        first_line_chars=0,
        line=(240, "auto"),
        snap_to_grid=False,
        tracking=0,
    ),
    Style("TableLabel", "表格栏目", SONG_FONT, TABLE_PT, based_on="TableText", align="left"),
    # Figures too wide for their column at 五号 are set smaller rather than broken across lines.
    Style("TableNumberSmall", "表格数字（小）", SONG_FONT, 9, based_on="TableText"),
    Style("TableNumberSmaller", "表格数字（更小）", SONG_FONT, 7.5, based_on="TableText"),
    Style("TableNumberSmallest", "表格数字（最小）", SONG_FONT, 6.5, based_on="TableText"),
    Style("TableNumberTiny", "表格数字（极小）", SONG_FONT, 5.5, based_on="TableText"),  # 表四 with 7 digits
    Style("TableGroup", "表格分组", SONG_FONT, TABLE_PT, based_on="TableText", bold=True),
    Style(
        "Signature", "落款", BODY_FONT, BODY_PT, align="right", first_line_chars=0, before=LINE_PITCH, keep_next=True
    ),
    Style(
        "SignatureDate", "成文日期", BODY_FONT, BODY_PT, based_on="Signature", align="left", before=0, keep_next=False
    ),
    Style(
        "PageNumberOdd",
        "页码（单页）",
        SONG_FONT,
        14,
        align="right",
        first_line_chars=0,
        line=(240, "auto"),
        snap_to_grid=False,
        indent_twips=(0, BODY_PT * 20),
        tracking=0,
    ),
    Style(
        "PageNumberEven",
        "页码（双页）",
        SONG_FONT,
        14,
        based_on="PageNumberOdd",
        align="left",
        indent_twips=(BODY_PT * 20, 0),
    ),
)
STYLE = {s.style_id: s for s in STYLES}
# The styles a table's figures may take, largest first; ``VALUE`` marks a value cell until one is chosen.
NUMBER_STYLES = ("TableText", "TableNumberSmall", "TableNumberSmaller", "TableNumberSmallest", "TableNumberTiny")
VALUE = "@value"
# Width of a figure or Latin letter in em: 0.5 in the GB2312 faces, 0.64 in DejaVu Sans (LibreOffice's
# stand-in for a missing 宋体's Latin part on Debian); 0.65 fits both.
NARROW_EM = 0.65
STAT_TABLE_STYLE = ("StatTable", "统计表")


class NoReportContent(NianbaoError):
    """The notebook displayed no report parts as data (executed before report.docx existed, or not a report)."""


# --- reading the notebook ------------------------------------------------------------------------


def report_parts(nb: Any) -> list[dict[str, Any]]:
    """The report's parts as data, in notebook order, from the cells the public report shows."""
    hidden = HIDDEN_TAGS | {REVIEW_TAG}
    parts: list[dict[str, Any]] = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code" or hidden & set(cell.get("metadata", {}).get("tags", [])):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(PART_MIME)
            if isinstance(data, Mapping):
                parts.append(dict(data))
    if not parts:
        raise NoReportContent(
            "笔记本中没有报告内容（标题、各部分和落款），无法生成 Word 文档；"
            "请用当前版本的 notebooks/annual_report.ipynb 重新运行（nianbao run）。\n"
            f"The notebook displayed no report parts as data ({PART_MIME}); re-run it with the current notebook."
        )
    return parts


# --- XML helpers ---------------------------------------------------------------------------------


def _el(tag: str, parent: _Element | None = None, **attrs: str | int) -> _Element:
    """A ``w:`` element (``tag`` like "w:jc") with ``w:`` attributes, appended to ``parent`` if given."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(f"w:{key}"), str(value))
    if parent is not None:
        parent.append(el)
    return el


def _fonts(rpr: _Element, family: str) -> None:
    """The same family for every script, East Asian first among them (``w:eastAsia``)."""
    _el("w:rFonts", rpr, ascii=family, hAnsi=family, eastAsia=family, cs=family, hint="eastAsia")


def _size(rpr: _Element, size_pt: float) -> None:
    half_points = round(size_pt * 2)
    _el("w:sz", rpr, val=half_points)
    _el("w:szCs", rpr, val=half_points)


def _style_xml(style: Style) -> _Element:
    el = _el("w:style", type="paragraph", styleId=style.style_id)
    if style.style_id == "Normal":
        el.set(_qn("w:default"), "1")
    _el("w:name", el, val=style.name)
    if style.based_on:
        _el("w:basedOn", el, val=style.based_on)
    if style.style_id == "Signature":
        _el("w:next", el, val="SignatureDate")
    elif style.style_id != "Normal" and not style.style_id.startswith(("Table", "PageNumber")):
        _el("w:next", el, val="Normal")
    _el("w:qFormat", el)
    ppr = _el("w:pPr", el)
    # Children in the schema's order (CT_PPrBase): keepNext, widowControl, snapToGrid, spacing, ind, jc, outlineLvl.
    if style.keep_next:
        _el("w:keepNext", ppr)
    elif style.based_on and STYLE.get(style.based_on, style).keep_next:
        _el("w:keepNext", ppr, val=0)
    if not style.snap_to_grid:
        _el("w:snapToGrid", ppr, val=0)
    spacing: dict[str, str | int] = {}
    if style.before is not None:
        spacing["before"] = style.before
    if style.after is not None:
        spacing["after"] = style.after
    if style.line is not None:
        spacing["line"], spacing["lineRule"] = style.line
    if spacing:
        _el("w:spacing", ppr, **spacing)
    ind: dict[str, str | int] = {}
    if style.indent_twips is not None:
        ind["left"], ind["right"] = style.indent_twips
    if style.first_line_chars is not None:
        ind["firstLineChars"] = style.first_line_chars
        ind["firstLine"] = round(CHAR_TWIPS * style.first_line_chars / 100)
    if ind:
        _el("w:ind", ppr, **ind)
    if style.align:
        _el("w:jc", ppr, val=style.align)
    if style.outline is not None:
        _el("w:outlineLvl", ppr, val=style.outline)
    rpr = _el("w:rPr", el)
    _fonts(rpr, style.font)
    if style.bold:
        _el("w:b", rpr)
        _el("w:bCs", rpr)
    if style.tracking is not None:
        _el("w:spacing", rpr, val=style.tracking)
    _size(rpr, style.size_pt)
    return el


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


# --- document set-up -----------------------------------------------------------------------------


def _setup_styles(doc: DocxDocument) -> None:
    """Replace the template's Normal, set the defaults' fonts, add the report's styles and table style."""
    styles = doc.styles.element
    defaults = styles.find(_qn("w:docDefaults"))
    rpr_default = defaults.find(f"{_qn('w:rPrDefault')}/{_qn('w:rPr')}")
    for old in rpr_default.findall(_qn("w:rFonts")):
        rpr_default.remove(old)
    fonts = _el("w:rFonts", ascii=BODY_FONT, hAnsi=BODY_FONT, eastAsia=BODY_FONT, cs=BODY_FONT, hint="eastAsia")
    rpr_default.insert(0, fonts)
    for tag in ("w:sz", "w:szCs"):
        for el in rpr_default.findall(_qn(tag)):
            el.set(_qn("w:val"), str(BODY_PT * 2))
    ppr_default = defaults.find(f"{_qn('w:pPrDefault')}/{_qn('w:pPr')}")
    if ppr_default is not None:
        for el in ppr_default.findall(_qn("w:spacing")):
            ppr_default.remove(el)
        _el("w:spacing", ppr_default, before=0, after=0, line=240, lineRule="auto")
    lang = rpr_default.find(_qn("w:lang"))
    if lang is None:
        lang = _el("w:lang", rpr_default)
    lang.set(_qn("w:val"), "en-US")
    lang.set(_qn("w:eastAsia"), "zh-CN")
    # The template's own paragraph styles would name its theme fonts: drop Normal and re-add it below.
    for el in styles.findall(_qn("w:style")):
        if el.get(_qn("w:styleId")) in STYLE or el.get(_qn("w:styleId")) == STAT_TABLE_STYLE[0]:
            styles.remove(el)
    for style in STYLES:
        styles.append(_style_xml(style))
    styles.append(_table_style_xml())


def _table_style_xml() -> _Element:
    """统计表: thin black rules on every cell, 1 mm cell padding, cells centred vertically (the cells'
    paragraphs are in 表格文字 and its kin)."""
    el = _el("w:style", type="table", styleId=STAT_TABLE_STYLE[0])
    _el("w:name", el, val=STAT_TABLE_STYLE[1])
    _el("w:basedOn", el, val="TableNormal")
    _el("w:qFormat", el)
    tblpr = _el("w:tblPr", el)
    _el("w:jc", tblpr, val="center")
    borders = _el("w:tblBorders", tblpr)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        _el(f"w:{side}", borders, val="single", sz=4, space=0, color="000000")
    margins = _el("w:tblCellMar", tblpr)
    _el("w:left", margins, w=CELL_MARGIN, type="dxa")
    _el("w:right", margins, w=CELL_MARGIN, type="dxa")
    tcpr = _el("w:tcPr", el)
    _el("w:vAlign", tcpr, val="center")
    return el


def _setup_fonts(doc: DocxDocument) -> None:
    """The font table: each official face with its Windows alternative and the GB2312 character set."""
    part = next((rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")), None)
    if part is None:  # pragma: no cover - python-docx's template has one
        return
    from docx.oxml import parse_xml

    root = parse_xml(part.blob)
    for name, (alt, family, pitch) in FONT_TABLE.items():
        font = _el("w:font", name=name)
        _el("w:altName", font, val=alt)
        _el("w:charset", font, val="86")
        _el("w:family", font, val=family)
        _el("w:pitch", font, val=pitch)
        root.append(font)
    from lxml import etree

    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_page(doc: DocxDocument) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = Mm(MARGIN_MM["top"]), Mm(MARGIN_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGIN_MM["inside"]), Mm(MARGIN_MM["outside"])
    section.header_distance, section.footer_distance = Mm(HEADER_MM), Mm(FOOTER_MM)
    section.gutter = 0
    sect = section._sectPr
    for grid in sect.findall(_qn("w:docGrid")):
        sect.remove(grid)
    sect.append(_el("w:docGrid", type="lines", linePitch=LINE_PITCH))

    settings = doc.settings.element
    doc.settings.odd_and_even_pages_header_footer = True
    for el in settings.findall(_qn("w:savePreviewPicture")):  # no thumbnail (see _drop_thumbnail)
        settings.remove(el)
    if settings.find(_qn("w:mirrorMargins")) is None:
        # CT_Settings order: mirrorMargins comes right after the view/zoom/removePersonalInformation group.
        anchor = settings.find(_qn("w:zoom"))
        mirror = _el("w:mirrorMargins")
        if anchor is not None:
            anchor.addnext(mirror)
        else:
            settings.insert(0, mirror)
    # Footers: "— N —" at the outer edge.
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    _page_number(section.footer.paragraphs[0]._p, "PageNumberOdd")
    _page_number(section.even_page_footer.paragraphs[0]._p, "PageNumberEven")


def _page_number(p: _Element, style_id: str) -> None:
    ppr = p.get_or_add_pPr()
    ppr.style = style_id
    _run(p, "— ")
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None)):
        r = _el("w:r", p)
        if kind:
            _el("w:fldChar", r, fldCharType=kind)
        else:
            t = _el("w:instrText", r)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = instr
    _run(p, "1")
    _el("w:fldChar", _el("w:r", p), fldCharType="end")
    _run(p, " —")


def _run(p: _Element, text: str) -> None:
    r = _el("w:r", p)
    t = _el("w:t", r)
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    t.text = text


def _core(doc: DocxDocument, meta: Mapping[str, Any], title: str) -> None:
    """Core properties from the report, never the clock."""
    cp = doc.core_properties
    cp.title = title
    cp.author = meta.get("agency", "")
    cp.last_modified_by = meta.get("agency", "")
    cp.subject = "政府信息公开工作年度报告"
    cp.comments = ""
    cp.keywords = ""
    cp.language = "zh-CN"
    cp.revision = 1
    issued = meta.get("issued") or ""
    element = cp._element
    if issued:
        when = dt.datetime.combine(dt.date.fromisoformat(issued), dt.time(), tzinfo=dt.UTC).replace(tzinfo=None)
        cp.created = cp.modified = when
    else:  # no date in the report: no date in the file either (not the template's, not the clock's)
        for tag in ("dcterms:created", "dcterms:modified"):
            for el in element.findall(_qn(tag)):
                element.remove(el)


# --- the report's body ---------------------------------------------------------------------------


def _para(out: list[str], style_id: str, text: str = "", lines: Sequence[str] = (), ppr: str = "") -> None:
    """A paragraph of ``style_id`` (its lines joined by line breaks), as WordprocessingML text into ``out``.

    ``ppr`` holds further paragraph properties, already in the schema's order after ``w:pStyle``.
    """
    runs = "".join(
        f'<w:r>{"<w:br/>" if i else ""}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>'
        for i, line in enumerate(lines or ([text] if text else []))
    )
    out.append(f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/>{ppr}</w:pPr>{runs}</w:p>')


def text_width(text: str) -> float:
    """Width in characters of the body face: Chinese characters are one, Latin letters and digits half."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _signature(out: list[str], agency: str, date: str) -> None:
    """The signature two characters from the right, the date below it starting two characters further
    right (GB/T 9704-2012 7.3.5.2, the PDF's right-aligned block). Agency names are Chinese, so the
    signature's width in characters is exact and the date is placed from it; only a date wider than the
    signature (a short name) is right-aligned instead, with the name aligned over its start."""
    sig, when = text_width(agency), text_width(date)
    if not date or when + 2 <= sig:
        _para(out, "Signature", agency, ppr=_indent(right=2))
        if date:
            _para(out, "SignatureDate", date, ppr=_indent(left=max(0, CHARS - sig)))
        return
    _para(out, "Signature", agency, ppr=_indent(right=2 + when + 2 - sig))
    _para(out, "SignatureDate", date, ppr=f'{_indent(right=2)}<w:jc w:val="right"/>')


def _indent(left: float = 0, right: float = 0) -> str:
    """A ``w:ind`` in characters (hundredths, as Word's 字符 unit) and in twips for readers without it;
    a name longer than the line wraps instead of running into the margin."""
    left, right = max(0.0, min(left, CHARS - 2)), max(0.0, min(right, CHARS - 2))
    return (
        f'<w:ind w:leftChars="{round(left * 100)}" w:left="{round(left * CHAR_TWIPS)}" '
        f'w:rightChars="{round(right * 100)}" w:right="{round(right * CHAR_TWIPS)}" '
        f'w:firstLineChars="0" w:firstLine="0"/>'
    )


@dataclass
class _Cell:
    text: str
    style: str
    rowspan: int = 1
    colspan: int = 1


def _grid_rows(table: Table, cells: Mapping[str, str]) -> tuple[list[list[_Cell]], int]:
    """A grid table (表三, 表四) as rows of cells with merges, and how many of them are header rows."""
    headers = table.column_header_rows()
    rows = [[_Cell(c.label, "TableText", c.rowspan, c.colspan) for c in hrow] for hrow in headers]
    if table.row_header_depth() and rows:
        rows[0][0].style = "TableLabel"  # the corner's note reads as a sentence
    for heads, row_refs in zip(table.row_header_cells(), _refs_by_row(table), strict=True):
        row = [_Cell(h.label, "TableText" if h.rowspan > 1 else "TableLabel", h.rowspan, h.colspan) for h in heads]
        row += [_Cell(cells.get(ref, ""), VALUE) for ref in row_refs]
        rows.append(row)
    return rows, len(headers)


def _refs_by_row(table: Table) -> list[list[str]]:
    if table.records_by == "rows":
        return [[table.cell_ref(r, f.key) for f in r.fields] for r in table.records]
    return [[table.cell_ref(r, f.key) for r in table.records for f in r.fields]]


def _block_rows(table: Table, cells: Mapping[str, str]) -> tuple[list[list[_Cell]], int, list[int]]:
    """Table 二 (blocks): each block's title row, header row and value rows; the row where each block ends."""
    width = 1 + max(len(b.columns) for b in table.blocks)
    rows: list[list[_Cell]] = []
    ends: list[int] = []
    for block in table.blocks:
        stretch = width - len(block.columns)
        rows.append([_Cell(block.label, "TableGroup", colspan=width)])
        head = [_Cell(table.row_header, "TableText")]
        head += [
            _Cell(c.label, "TableText", colspan=stretch if i == len(block.columns) - 1 else 1)
            for i, c in enumerate(block.columns)
        ]
        rows.append(head)
        for row in block.rows:
            values = [_Cell(row.label, "TableLabel")]
            values += [
                _Cell(
                    cells.get(table.cell_ref(row.key or "", c.key), ""),
                    VALUE,
                    colspan=stretch if i == len(block.columns) - 1 else 1,
                )
                for i, c in enumerate(block.columns)
            ]
            rows.append(values)
        ends.append(len(rows) - 1)
    return rows, width, ends


def _place(rows: list[list[_Cell]], width: int) -> list[list[tuple[_Cell, bool] | None]]:
    """Lay the cells on the grid: each slot holds (cell, starts here) or None under a column span."""
    grid: list[list[tuple[_Cell, bool] | str | None]] = [["free"] * width for _ in rows]
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while c < width and grid[r][c] != "free":
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    grid[r + dr][c + dc] = (cell, dr == 0) if dc == 0 else None
            c += cell.colspan
    return [[slot if slot != "free" else (_Cell("", "TableText"), True) for slot in row] for row in grid]  # type: ignore[misc]


def _column_widths(table: Table, rows: list[list[_Cell]], header_rows: int, width: int) -> list[int]:
    """Twips per grid column: value columns as wide as their longest number (at least 3 characters) as
    far as the row labels keep six, narrow group-label columns, and the rest to the row labels; together
    the 156 mm line."""
    total = TEXT_WIDTH
    pad = 2 * CELL_MARGIN
    if table.layout == "blocks":
        label = round(total * 0.34)
        rest = total - label
        return [label] + [rest // (width - 1) + (1 if i < rest % (width - 1) else 0) for i in range(width - 1)]
    depth = table.row_header_depth()
    n_values = width - depth
    longest = max((_em(c.text) for row in rows[header_rows:] for c in row[-n_values:]), default=1)
    value_need = round(max(2.0, longest) * TABLE_CHAR) + pad
    if depth == 0:
        share = total // n_values
        return [share + (1 if i < total - share * n_values else 0) for i in range(n_values)]
    # A group label column is as wide as its labels need to stand in the rows they span (a group of
    # many rows reads top-down, one character a line), at most five characters.
    chars = [1] * (depth - 1)

    def walk(node: Any, level: int) -> None:
        if node.is_leaf or level >= depth - 1:
            return
        chars[level] = max(chars[level], min(5, -(-len(node.label) // node.width())))
        for child in node.children:
            walk(child, level + 1)

    for node in table.rows:
        walk(node, 0)
    group_cols = [n * TABLE_CHAR + pad + 60 for n in chars]
    # Values take what their figures need (at least three characters) while the row labels keep six
    # characters; figures that do not fit then take a smaller style (``_number_style``).
    leaf_min = 6 * TABLE_CHAR + pad
    value = max(value_need, 3 * TABLE_CHAR + pad)
    leaf = total - sum(group_cols) - value * n_values
    if leaf < leaf_min:
        value = (total - sum(group_cols) - leaf_min) // n_values
        leaf = total - sum(group_cols) - value * n_values
    return [*group_cols, leaf, *([value] * n_values)]


def _em(text: str) -> float:
    """Width of ``text`` in em of its face: Chinese characters one, figures and Latin letters ``NARROW_EM``."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else NARROW_EM for ch in text)


def _number_style(grid: list[list[tuple[_Cell, bool] | None]], widths: list[int]) -> int:
    """Give the table's value cells the largest number style in which its widest figure fits its column;
    return the cell margin that makes it fit (narrower than ``CELL_MARGIN`` only when even the smallest
    style does not fit with the usual margin)."""
    values = [(slot[0], c) for row in grid for c, slot in enumerate(row) if slot and slot[0].style == VALUE]
    chosen, margin = NUMBER_STYLES[-1], TIGHT_MARGIN
    for style_id in NUMBER_STYLES:
        size = STYLE[style_id].size_pt * 20
        if all(_em(cell.text) * size + 2 * CELL_MARGIN <= sum(widths[c : c + cell.colspan]) for cell, c in values):
            chosen, margin = style_id, CELL_MARGIN
            break
    for cell, _ in values:
        cell.style = chosen
    return margin


def _leaf_groups(table: Table) -> list[tuple[int, int]]:
    """(first row, number of rows) of each row group whose children are all rows of values."""
    out: list[tuple[int, int]] = []
    row = 0

    def walk(node: Any) -> None:
        nonlocal row
        if node.is_leaf:
            row += 1
            return
        if all(child.is_leaf for child in node.children):
            out.append((row, len(node.children)))
        for child in node.children:
            walk(child)

    for node in table.rows:
        walk(node)
    return out


def _table(out: list[str], table: Table, cells: Mapping[str, str]) -> None:
    if table.layout == "blocks":
        rows, width, ends = _block_rows(table, cells)
        header_rows = 0
        keep = [i not in ends for i in range(len(rows))]  # a block stays on one page
    else:
        rows, header_rows = _grid_rows(table, cells)
        width = len(table.column_header_rows()) and sum(c.colspan for c in table.column_header_rows()[0])
        keep = [r < header_rows for r in range(len(rows))]  # the header stays with the first row
        for first, count in _leaf_groups(table):  # the rows of an innermost row group stay together
            for r in range(header_rows + first, header_rows + first + count - 1):
                keep[r] = True
    widths = _column_widths(table, rows, header_rows, width)
    grid = _place(rows, width)
    margin = _number_style(grid, widths)
    cell_margin = (
        f'<w:tblCellMar><w:left w:w="{margin}" w:type="dxa"/><w:right w:w="{margin}" w:type="dxa"/></w:tblCellMar>'
        if margin != CELL_MARGIN
        else ""
    )

    xml = [
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{STAT_TABLE_STYLE[0]}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
        f'<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>{cell_margin}'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>',
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
    ]
    for r, slots in enumerate(grid):
        xml.append(f"<w:tr><w:trPr><w:cantSplit/>{'<w:tblHeader/>' if r < header_rows else ''}</w:trPr>")
        c = 0
        while c < width:
            slot = slots[c]
            assert slot is not None
            cell, starts = slot
            span = cell.colspan
            merge = "" if cell.rowspan == 1 else ('<w:vMerge w:val="restart"/>' if starts else "<w:vMerge/>")
            xml.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{sum(widths[c : c + span])}" w:type="dxa"/>'
                f"{f'<w:gridSpan w:val={chr(34)}{span}{chr(34)}/>' if span > 1 else ''}{merge}"
                '<w:vAlign w:val="center"/></w:tcPr>'
            )
            _para(xml, cell.style, cell.text if starts else "", ppr="<w:keepNext/>" if keep[r] else "")
            xml.append("</w:tc>")
            c += span
        xml.append("</w:tr>")
    xml.append("</w:tbl>")
    out += xml
    # After a table, Word needs a paragraph; this one is the blank line the PDF leaves below a table.
    _para(out, "Normal")


def _body(doc: DocxDocument, parts: Iterable[Mapping[str, Any]]) -> str:
    """Write the parts into the document body (one XML fragment, parsed once); return the title."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from nianbao.format import get_format

    out: list[str] = []
    title = ""
    for part in parts:
        kind = part.get("part")
        if kind == "front":
            lines = [str(s) for s in part.get("title_lines", [])]
            title = "".join(lines)
            _para(out, "ReportTitle", lines=lines)
            for text in part.get("paragraphs", []):
                _para(out, "Normal", str(text))
        elif kind == "section":
            _para(out, "HeadingOne", str(part.get("heading", "")))
            for block in part.get("blocks", []):
                if "subhead" in block:
                    _para(out, "HeadingTwo", str(block["subhead"]))
                else:
                    _para(out, "Normal", str(block.get("text", "")))
            if part.get("table"):
                fmt = get_format(str(part.get("format")))
                _table(out, fmt.tables[str(part["table"])], part.get("cells") or {})
        elif kind == "signature":
            _signature(out, str(part.get("agency", "")), str(part.get("date", "")))
    fragment = parse_xml(f"<w:body {nsdecls('w')}>{''.join(out)}</w:body>")
    body = doc.element.body
    sect = body.find(_qn("w:sectPr"))
    for el in list(body):
        if el is not sect:
            body.remove(el)
    for el in list(fragment):
        sect.addprevious(el)
    return title


@cache
def _prepared() -> bytes:
    """python-docx's empty document with the report's styles, fonts, page and footers: set up once per
    process, then each report starts from these bytes. The template's sample thumbnail, custom XML
    and 2010 style copy (Word rebuilds it) are dropped."""
    from importlib import resources

    import docx

    doc = docx.Document(io.BytesIO((resources.files("docx") / "templates" / "default.docx").read_bytes()))
    _setup_styles(doc)
    _setup_fonts(doc)
    _setup_page(doc)
    for rels, ends in ((doc.part.package.rels, ("/thumbnail",)), (doc.part.rels, ("/customXml", "/stylesWithEffects"))):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(ends):
                rels.pop(rid)
    return _save(doc)


def build_docx(parts: Sequence[Mapping[str, Any]], meta: Mapping[str, Any]) -> bytes:
    """The report's parts as .docx bytes (deterministic for the same parts and metadata)."""
    import docx

    doc = docx.Document(io.BytesIO(_prepared()))
    title = _body(doc, parts)
    _core(doc, meta, str(meta.get("title") or title))
    return _save(doc)


class _FixedTimeZip:
    """python-docx's physical package writer, with a fixed timestamp on every entry (python-docx's own
    stamps them with the clock, so two builds would differ)."""

    def __init__(self, file: io.BytesIO) -> None:
        self._zip = zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED)

    def write(self, pack_uri: Any, blob: bytes) -> None:
        info = zipfile.ZipInfo(pack_uri.membername, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, blob)

    def close(self) -> None:
        self._zip.close()


def _save(doc: DocxDocument) -> bytes:
    """The document's package as bytes, written as ``OpcPackage.save`` does but through ``_FixedTimeZip``."""
    from docx.opc.pkgwriter import PackageWriter

    package = doc.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _FixedTimeZip(out)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return out.getvalue()


class ReportDocxExporter(Exporter):
    """The public report as an editable Word document (.docx) in official-document layout."""

    export_from_notebook = "nianbao report (Word)"
    output_mimetype = WORD_MIME

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".docx"

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[bytes, dict]:  # type: ignore[override]
        nb_copy, resources = super().from_notebook_node(nb, resources, **kw)
        return build_docx(report_parts(nb_copy), report_meta(nb_copy)), resources
