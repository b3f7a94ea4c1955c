"""PDF publishing: the report page (the same HTML as ``report.html``) typeset on A4 by WeasyPrint.

``ReportPDFExporter`` (``jupyter nbconvert --to nianbao_pdf``) renders the notebook with
``ReportHTMLExporter`` and hands that HTML to WeasyPrint; the print typography (GB/T 9704-2012)
lives in ``report.css`` under ``@page`` and ``@media print``. Nothing is fetched from the network,
no browser or LaTeX is involved, and the fonts are embedded as subsets.

One ``FontConfiguration`` and the PDF-only stylesheet are built once per process and reused, so a
batch pays the set-up once.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from importlib import resources
from typing import Any

from traitlets import default

from nianbao.publish.exporters import ReportHTMLExporter

# A family fontconfig offers for Simplified Chinese must exist, or every character would be a box.
CJK_LANG = "zh-cn"

NO_CJK_FONT = (
    "没有找到可用的中文字体，无法生成 PDF（否则正文会显示为方框）。"
    "请安装中文字体，例如：apt-get install fonts-noto-cjk（或运行 make setup），"
    "或安装方正小标宋简体、仿宋_GB2312、黑体、楷体_GB2312 等公文字体。\n"
    "No Chinese (CJK) font is available to fontconfig, so the PDF would show boxes instead of text. "
    "Install one, e.g. `apt-get install fonts-noto-cjk` (or run `make setup`)."
)


class NoCJKFontError(RuntimeError):
    """No font on this machine can show Chinese text."""


@cache
def cjk_font_families() -> tuple[str, ...]:
    """Font families fontconfig (the library WeasyPrint finds fonts with) offers for Simplified Chinese.

    Raises ``NoCJKFontError`` when there is none. Asked once per process.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise NoCJKFontError(NO_CJK_FONT + "\n(fc-list not found: apt-get install fontconfig)")
    out = subprocess.run(
        [fc_list, f":lang={CJK_LANG}", "family"], capture_output=True, text=True, check=False, timeout=60
    ).stdout
    families = sorted({name.strip() for line in out.splitlines() for name in line.split(",") if name.strip()})
    if not families:
        raise NoCJKFontError(NO_CJK_FONT)
    return tuple(families)


# Languages set solid, without spaces between words: justified lines spread between characters.
CJK_LANGS = ("zh", "ja")


@cache
def install_cjk_justification() -> bool:
    """Justify Chinese lines between characters, as browsers do and as the page shows on screen.

    WeasyPrint (up to 70 at least) justifies only by widening spaces, so a Chinese line without spaces
    stays ragged right. This wraps its ``justify_line`` so that, for ``lang="zh…"`` text, the line's
    missing width is shared out as extra letter-spacing over every character (CSS Text 3
    ``text-justify: inter-character``); other text keeps WeasyPrint's own behaviour. Returns whether
    it is installed: if WeasyPrint's internals change shape, the PDF is still made, only ragged right
    (and tests/test_pdf.py fails).
    """
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.layout import inline

        original = inline.justify_line
        text_box, line_box, inline_box = boxes.TextBox, boxes.LineBox, boxes.InlineBox
    except (ImportError, AttributeError):  # pragma: no cover - depends on the WeasyPrint release
        return False
    if getattr(original, "nianbao", False):
        return True

    def characters(box: Any) -> int:
        if isinstance(box, text_box):
            return len(box.text)
        if isinstance(box, (line_box, inline_box)):
            return sum(characters(child) for child in box.children if child.is_in_normal_flow())
        return 0

    def spread(box: Any, per_character: float, x: float) -> float:
        """Widen ``box`` by ``per_character`` after each character, shifted right by ``x``; return the new shift."""
        if isinstance(box, text_box):
            box.position_x += x
            style = box.style.copy()
            spacing = style["letter_spacing"]
            style["letter_spacing"] = (0 if spacing == "normal" else spacing) + per_character
            box.style = style  # the text is shaped again from its style when drawn
            added = per_character * len(box.text)
            box.width += added
            return x + added
        if isinstance(box, (line_box, inline_box)):
            box.position_x += x
            start = x
            for child in box.children:
                if child.is_in_normal_flow():
                    x = spread(child, per_character, x)
            box.width += x - start
            return x
        box.translate(x, 0)  # an atomic inline box moves along
        return x

    def justify_line(context: Any, line: Any, extra_width: float) -> None:
        lang = str(line.style["lang"] or "").lower()
        count = characters(line)
        if lang.startswith(CJK_LANGS) and count > 1:
            # Spacing follows every character; the last one's falls past the edge, so that the
            # line's last character ends at the right margin.
            spread(line, extra_width / (count - 1), 0.0)
        else:
            original(context, line, extra_width)

    justify_line.nianbao = True  # type: ignore[attr-defined]
    inline.justify_line = justify_line
    return True


@cache
def font_config() -> Any:
    """The process's WeasyPrint font configuration (fontconfig set-up is costly; reuse it)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@cache
def url_fetcher() -> Any:
    """A fetcher that reaches nothing outside the document: only ``data:`` URLs, never the network or files."""
    from weasyprint import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


@cache
def pdf_stylesheet() -> Any:
    """WeasyPrint-only additions (PDF outline), parsed once per process."""
    from weasyprint import CSS

    css = (resources.files("nianbao") / "templates" / "nbconvert" / "nianbao" / "pdf.css").read_text("utf-8")
    return CSS(string=css, font_config=font_config(), url_fetcher=url_fetcher())


@cache
def _serialized_once(cls: type) -> type:
    """``cls`` (a pydyf stream class) with its serialized, compressed ``data`` computed once and kept."""

    def data(self: Any) -> bytes:
        kept = self.__dict__.get("_nianbao_data")
        if kept is None:
            kept = self.__dict__["_nianbao_data"] = super(once, self).data
        return kept

    once = type(f"Once{cls.__name__}", (cls,), {"data": property(data), "__module__": __name__})
    return once


def serialize_streams_once(document: Any, pdf: Any) -> None:
    """A WeasyPrint ``finisher``: each stream of the PDF is compressed once instead of twice.

    For the file identifier (``pdf_identifier=True``), pydyf serializes every object a second time to
    hash it, and a stream's ``data`` is a property that compresses its content (zlib level 9) each time it
    is read: the fonts (several MB before compression) were compressed twice, about a tenth of writing the
    PDF. Keeping each stream's bytes after the first reading changes no byte of the file. Should pydyf's
    objects ever refuse the class change, the PDF is still made, only slower.
    """
    import pydyf

    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and not type(obj).__name__.startswith("Once"):
            try:
                obj.__class__ = _serialized_once(type(obj))
            except TypeError:  # pragma: no cover - depends on the pydyf release
                return


def html_to_pdf(html: str) -> bytes:
    """Typeset report HTML as PDF bytes.

    Deterministic: the metadata dates come from the HTML (the report's issue date, never the clock)
    and the file identifier is a hash of the content, so the same HTML gives the same bytes.
    """
    from weasyprint import HTML

    cjk_font_families()
    install_cjk_justification()
    document = HTML(string=html, url_fetcher=url_fetcher(), media_type="print").render(
        stylesheets=[pdf_stylesheet()], font_config=font_config()
    )
    return document.write_pdf(pdf_identifier=True, pdf_tags=True, finisher=serialize_streams_once)


class ReportPDFExporter(ReportHTMLExporter):
    """The public report as an A4 PDF for printing and posting."""

    export_from_notebook = "nianbao report (PDF)"
    output_mimetype = "application/pdf"
    # The output whose HTML this one typesets: a caller that has just rendered report.html passes it to
    # ``from_html`` instead of rendering the same page again (``nianbao.publish.outputs.render_all``).
    typeset_from = "html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    @default("template_extension")
    def _template_extension_default(self) -> str:
        return ".html.j2"  # the HTML template, not a ".pdf.j2" one

    @default("raw_mimetypes")
    def _raw_mimetypes_default(self) -> list[str]:
        return ["text/html", ""]  # raw cells as in the HTML page this PDF is typeset from

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[bytes, dict]:  # type: ignore[override]
        html, resources = super().from_notebook_node(nb, resources, **kw)
        return self.from_html(html), resources

    def from_html(self, html: str) -> bytes:
        """The PDF of the report page ``html`` (what ``ReportHTMLExporter`` made of the notebook)."""
        return html_to_pdf(html)
