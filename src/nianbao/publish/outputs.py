"""What one agency-year is published as: each output file's name, its link text, and who makes it.

Every file name under ``build/<year>/<agency-id>/`` is defined here once (``OUTPUTS``) and read by the
batch job, the index page and the tests. Exported files name their nbconvert exporter by its entry-point
name and are found through nbconvert's own ``get_exporter`` (``jupyter nbconvert --to nianbao_pdf``
finds the same class). ``render_all`` renders an executed notebook into its files in memory (an exporter
that typesets another output's page, as the PDF does report.html, is handed that page rather than
rendering it again); callers write them atomically. nbconvert is imported only when something is
exported: the index page and the CLI read the names without paying for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

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


OUTPUTS: tuple[Output, ...] = (
    Output("html", "report.html", "报告", "nianbao_html"),
    Output("review", "review.html", "审核版", "nianbao_review"),
    Output("pdf", "report.pdf", "PDF", "nianbao_pdf"),
    Output("docx", "report.docx", "Word", "nianbao_docx"),
    Output("ipynb", "report.ipynb", "笔记本"),
    Output("findings", "findings.json", "校验结果"),
)
BY_KEY = {o.key: o for o in OUTPUTS}


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
