"""Publish an executed notebook: render every format in memory, then write each file atomically."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import nbformat
from nbconvert.exporters import Exporter

from . import atomic
from .exporters import EXPORTERS
from .project import DEFAULT_FORMATS

# What ``nianbao run`` publishes beside report.ipynb: the page and its A4 PDF.


@cache
def exporter(name: str) -> Exporter:
    """One exporter instance per process and format, reused (its template is compiled once)."""
    cls, _ = EXPORTERS[name]
    return cls()


def render_all(nb: nbformat.NotebookNode, formats: tuple[str, ...]) -> dict[str, bytes]:
    """File name → content for ``report.ipynb`` and each exported format."""
    files = {"report.ipynb": nbformat.writes(nb).encode("utf-8")}
    for name in formats:
        body, _ = exporter(name).from_notebook_node(nb)
        _, ext = EXPORTERS[name]
        files[f"report{ext}"] = body if isinstance(body, bytes) else body.encode("utf-8")
    return files


def publish(nb: nbformat.NotebookNode, out_dir: Path, formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[Path]:
    """Write ``report.ipynb`` and ``report.<ext>`` for each format into ``out_dir``.

    Everything is rendered before anything is written, so a failing export leaves the previous
    outputs untouched rather than a mixed set.
    """
    files = render_all(nb, formats)
    written = []
    for name, data in files.items():
        atomic.write_bytes(out_dir / name, data)
        written.append(out_dir / name)
    return written
