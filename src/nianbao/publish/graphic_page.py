"""Publish the executed 图解 notebook: ``graphic.html`` and the chart files beside it.

``GraphicHTMLExporter`` (``jupyter nbconvert --to nianbao_graphic``, an ``nbconvert.exporters`` entry point)
renders the notebook's displayed parts with the report's stylesheet, no code; ``render_graphic`` adds every
chart's SVG and PNG, read from the notebook's outputs (the bundle ``nianbao.graphic.show`` displayed),
by the file names ``nianbao.publish.outputs`` defines. Nothing here imports matplotlib: the charts were
drawn in the kernel.
"""

from __future__ import annotations

import base64
from typing import Any

from traitlets import Unicode

from nianbao.publish.exporters import ReportHTMLExporter
from nianbao.publish.outputs import BY_KEY, chart_output, exporter, filename
from nianbao.report.meta import META_KEY

CHART_MIMES = {"svg": "image/svg+xml", "png": "image/png"}
# The links of graphic.html's header: the report page and its downloads (keys of OUTPUTS).
LINKS = {"html": ("报告全文", False), "pdf": ("PDF 版", True)}


def _links() -> list[dict[str, Any]]:
    return [{"href": BY_KEY[k].filename, "text": t, "key": k, "download": d} for k, (t, d) in LINKS.items()]


class GraphicHTMLExporter(ReportHTMLExporter):
    """graphic.html: the 图解's charts in the report's look, its header linking back to the report."""

    export_from_notebook = "nianbao graphic reading (HTML)"
    template_name = Unicode("nianbao_graphic").tag(config=True)

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any) -> tuple[str, dict]:
        return super().from_notebook_node(nb, {**(resources or {}), "graphic_links": _links()}, **kw)


def chart_files(nb: Any) -> dict[str, bytes]:
    """File name → bytes of every chart the notebook displayed, as SVG and PNG."""
    files: dict[str, bytes] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            key = (output.get("metadata", {}).get(META_KEY) or {}).get("chart")
            if not key:
                continue
            for ext, mime in CHART_MIMES.items():
                body = output.get("data", {}).get(mime)
                if body is None:
                    continue
                text = "".join(body) if isinstance(body, list) else body
                files[filename(chart_output(key, ext).key)] = (
                    base64.b64decode(text) if ext == "png" else text.encode("utf-8")
                )
    return files


def render_graphic(nb: Any) -> dict[str, bytes]:
    """``graphic.html`` and the chart files for an executed graphic notebook."""
    body, _ = exporter("graphic").from_notebook_node(nb)
    return {filename("graphic"): body.encode("utf-8"), **chart_files(nb)}
