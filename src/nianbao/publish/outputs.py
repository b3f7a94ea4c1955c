"""Render an executed notebook into every published file, in memory (callers write them atomically)."""

from __future__ import annotations

from functools import cache

import nbformat
from nbconvert.exporters import Exporter

from nianbao.publish.exporters import EXPORTERS, ReviewHTMLExporter

# What ``nianbao run`` publishes beside report.ipynb: the page and its A4 PDF (``DEFAULT_FORMATS``).
# The reviewer's copy: the report with the 校验结果 part and the failing cells highlighted.
REVIEW_FILE = "review.html"


@cache
def exporter(name: str) -> Exporter:
    """One exporter instance per process and format, reused (its template is compiled once)."""
    cls, _ = EXPORTERS[name]
    return cls()


@cache
def review_exporter() -> ReviewHTMLExporter:
    return ReviewHTMLExporter()


def render_all(nb: nbformat.NotebookNode, formats: tuple[str, ...], review: bool = False) -> dict[str, bytes]:
    """File name → content for ``report.ipynb``, each exported format and (``review``) ``review.html``."""
    files = {"report.ipynb": nbformat.writes(nb).encode("utf-8")}
    for name in formats:
        body, _ = exporter(name).from_notebook_node(nb)
        _, ext = EXPORTERS[name]
        files[f"report{ext}"] = body if isinstance(body, bytes) else body.encode("utf-8")
    if review:
        body, _ = review_exporter().from_notebook_node(nb)
        files[REVIEW_FILE] = body.encode("utf-8")
    return files
