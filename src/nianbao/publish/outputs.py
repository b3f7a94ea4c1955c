"""What one agency-year is published as: each output file's name, its link text, and who makes it.

Every file name under ``build/<year>/<agency-id>/`` is defined here once (``OUTPUTS``) and read by the
batch job, the index page and the tests. Exported files name their nbconvert exporter by its entry-point
name and are found through nbconvert's own ``get_exporter`` (``jupyter nbconvert --to nianbao_pdf``
finds the same class). ``render_all`` renders an executed notebook into its files in memory (an exporter
that typesets another output's page, as the PDF does report.html, is handed that page rather than
rendering it again); callers write them atomically. nbconvert is imported only when something is
exported: the index page and the CLI read the names without paying for it.

The 图解 (``graphic.html``, from the second notebook) is published beside the report with its charts as
flat files ``graphic-<key>.svg`` and ``.png`` (one per chart of ``nianbao/graphic/charts.yaml``), so the
report's folder is still swapped in as one set of files; the charts are not linked from the index
(``linked``), and a chart with nothing to draw (a trend of one year) is not made (``optional``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from nianbao.graphic import chart_keys

# Each chart of the 图解 is published in these formats.
CHART_FORMATS = ("svg", "png")

if TYPE_CHECKING:
    import nbformat
    from nbconvert.exporters import Exporter


@dataclass(frozen=True)
class Output:
    """One published file of an agency-year."""

    key: str  # short name used in options and state records: html, pdf, docx, review, ipynb, findings
    filename: str  # in build/<year>/<agency-id>/
    label: str  # link text on build/index.html, as reviewers read it
    exporter: str | None = None  # nbconvert exporter (entry-point name), None when not exported
    linked: bool = True  # linked from build/index.html
    optional: bool = False  # made only when there is something to show (a trend needs two years)


OUTPUTS: tuple[Output, ...] = (
    Output("html", "report.html", "报告", "nianbao_html"),
    Output("review", "review.html", "审核版", "nianbao_review"),
    Output("pdf", "report.pdf", "PDF", "nianbao_pdf"),
    Output("docx", "report.docx", "Word", "nianbao_docx"),
    Output("ipynb", "report.ipynb", "笔记本"),
    Output("findings", "findings.json", "校验结果"),
    Output("graphic", "graphic.html", "图解", "nianbao_graphic"),
    *(
        Output(f"chart-{key}-{ext}", f"graphic-{key}.{ext}", f"图解 {key} {ext.upper()}", linked=False, optional=True)
        for key in chart_keys()
        for ext in CHART_FORMATS
    ),
)
BY_KEY = {o.key: o for o in OUTPUTS}


def chart_output(chart: str, ext: str) -> Output:
    """The file a chart of the 图解 is published as (``ext``: svg or png)."""
    return output(f"chart-{chart}-{ext}")


def output(key: str) -> Output:
    """The output named ``key``; KeyError lists the names there are."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"未知的输出 {key!r}；可用：{', '.join(BY_KEY)}") from None


def filename(key: str) -> str:
    return output(key).filename


@cache
def exporter(key: str) -> Exporter:
    """One exporter instance per process and output, reused (its template is compiled once)."""
    from nbconvert.exporters import get_exporter

    name = output(key).exporter
    if name is None:
        raise KeyError(f"输出 {key!r} 不由 nbconvert 导出")
    return get_exporter(name)()


def _bytes(body: Any) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8")


def render_all(nb: nbformat.NotebookNode, formats: tuple[str, ...], review: bool = False) -> dict[str, bytes]:
    """File name → content for ``report.ipynb``, each exported format and (``review``) ``review.html``."""
    import nbformat

    files = {filename("ipynb"): nbformat.writes(nb).encode("utf-8")}
    for key in (*formats, *(("review",) if review else ())):
        exp = exporter(key)
        source = getattr(exp, "typeset_from", None)  # the PDF typesets report.html: not rendered twice
        if source is not None and filename(source) in files:
            body = exp.from_html(files[filename(source)].decode("utf-8"))  # type: ignore[attr-defined]
        else:
            body, _ = exp.from_notebook_node(nb)
        files[filename(key)] = _bytes(body)
    return files
