"""The 图解 notebook as an analyst meets it: committed without outputs, and run as is in JupyterLab's way
(nbclient, the kernel in notebooks/, no parameters) it draws the seed's charts, each shown with its table."""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from nianbao.report.meta import META_KEY
from support import make_project


def test_graphic_notebook_runs_as_is_with_nbclient(tmp_path):
    project = make_project(tmp_path)
    nb = nbformat.read(project / "notebooks" / "graphic.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), "committed without outputs"
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(project / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert [o for o in outputs if o.output_type == "error"] == []
    charts = {o.metadata[META_KEY]["chart"]: o for o in outputs if "chart" in o.get("metadata", {}).get(META_KEY, {})}
    assert list(charts) == ["applicants", "outcomes", "appeals", "trend"]
    for key in ("applicants", "outcomes", "appeals"):
        data = charts[key].data
        assert "<svg" in data["text/html"] and "chart-data" in data["text/html"]  # what JupyterLab shows
        assert data["image/svg+xml"].startswith("<?xml") and data["image/png"]
    assert "image/svg+xml" not in charts["trend"].data  # the seed has one year: said, not drawn
    assert "目前只有2023年度一个年度的数据" in charts["trend"].data["text/html"]
