"""The published files: names defined once, exporters found through nbconvert's own lookup, and an HTML
export that does not pull in the kernel-side stack (pandas, IPython, the params model)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from nbconvert.exporters import get_exporter

from nianbao.publish.exporters import ReportHTMLExporter, ReviewHTMLExporter
from nianbao.publish.outputs import CHART_FORMATS, OUTPUTS, chart_output, exporter, filename, output


def test_every_exported_output_is_an_nbconvert_entry_point():
    exported = {o.key: get_exporter(o.exporter) for o in OUTPUTS if o.exporter}
    assert exported["html"] is ReportHTMLExporter
    assert exported["review"] is ReviewHTMLExporter
    assert exported["pdf"].__name__ == "ReportPDFExporter"
    assert exported["docx"].__name__ == "ReportDocxExporter"
    assert exported["graphic"].__name__ == "GraphicHTMLExporter"
    assert isinstance(exporter("review"), ReviewHTMLExporter)


def test_file_names_are_unique_and_known():
    names = [o.filename for o in OUTPUTS]
    assert len(set(names)) == len(names)
    assert filename("findings") == "findings.json" and filename("review") == "review.html"
    with pytest.raises(KeyError, match="未知的输出"):
        output("odt")


def test_a_built_report_holds_exactly_the_declared_outputs(seed_build: Path):
    present = {p.name for p in seed_build.iterdir() if not p.name.startswith(".")}
    # the seed has one year: its 图解 has no trend chart (the optional outputs are made when they show something)
    trend = {chart_output("trend", ext).filename for ext in CHART_FORMATS}
    assert present == {o.filename for o in OUTPUTS} - trend
    assert all(o.optional for o in OUTPUTS if o.filename in trend)


def test_html_export_does_not_import_the_kernel_side_stack(seed_build: Path):
    script = f"""
import json, sys, nbformat
from nianbao.publish.outputs import exporter
nb = nbformat.read({str(seed_build / "report.ipynb")!r}, as_version=4)
body, _ = exporter("html").from_notebook_node(nb)
review, _ = exporter("review").from_notebook_node(nb)
heavy = ["pandas", "IPython", "numpy", "nianbao.report.notebook", "nianbao.model", "great_expectations", "weasyprint"]
print(json.dumps({{"loaded": [m for m in heavy if m in sys.modules], "body": body, "review": review}}))
"""
    out = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout)
    assert out["loaded"] == []
    # The same bytes the build published: nothing of the page depends on the helpers being imported.
    assert out["body"] == (seed_build / "report.html").read_text(encoding="utf-8")
    assert out["review"] == (seed_build / "review.html").read_text(encoding="utf-8")
    assert "海流图" in out["body"]


def test_the_pdf_is_typeset_from_the_page_just_rendered(seed_build: Path, monkeypatch: pytest.MonkeyPatch):
    import nbformat

    from nianbao.publish.outputs import render_all

    nb = nbformat.read(seed_build / "report.ipynb", as_version=4)
    pdf = exporter("pdf")

    def render_again(*args: object, **kw: object) -> None:
        raise AssertionError("the report page was rendered a second time for the PDF")

    monkeypatch.setattr(pdf, "from_notebook_node", render_again)
    files = render_all(nb, ("html", "pdf"))
    # The same bytes as the PDF exporter on its own (nbconvert CLI) and as the build published.
    assert files[filename("pdf")] == (seed_build / "report.pdf").read_bytes()
    assert files[filename("html")] == (seed_build / "report.html").read_bytes()
