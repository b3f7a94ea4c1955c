"""Publish an executed notebook: render every format in memory, then write each file atomically."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import nbformat
from nbconvert.exporters import Exporter

from . import atomic
from .exporters import EXPORTERS, ReviewHTMLExporter
from .project import DEFAULT_FORMATS

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


def publish(
    nb: nbformat.NotebookNode,
    out_dir: Path,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    *,
    review: bool = False,
    extra: Mapping[str, bytes] | None = None,
) -> list[Path]:
    """Write ``report.ipynb`` and ``report.<ext>`` for each format into ``out_dir``, plus ``review.html``
    (when ``review``) and ``extra`` files (name → content, e.g. ``findings.json``).

    Everything is rendered before anything is written, so a failing export leaves the previous
    outputs untouched rather than a mixed set.
    """
    files = {**render_all(nb, formats, review), **(extra or {})}
    written = []
    for name, data in files.items():
        atomic.write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written
