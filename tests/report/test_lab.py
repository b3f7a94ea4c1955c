"""The analyst's notebook in JupyterLab: the template's table look over JupyterLab's own CSS, a report
view without code, and a params mistake shown as its Chinese message instead of a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from jupyter_core.paths import jupyter_path

from nianbao.params import load_params
from nianbao.report import render, tables
from nianbao.report.notebook import lab_css
from support import NOTEBOOK, ROOT, SEED_PARAMS

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def _lab_stylesheet() -> str:
    """JupyterLab's own stylesheets as nbconvert's "lab" template ships them: the rules outputs get in
    Lab, with the dark theme's variables (its zebra rows are visible, the hardest case for our table)."""
    for root in jupyter_path("nbconvert", "templates", "lab", "static"):
        css, theme = Path(root) / "index.css", Path(root) / "theme-dark.css"
        if css.is_file() and theme.is_file() and ".jp-RenderedHTMLCommon td" in css.read_text(encoding="utf-8"):
            return theme.read_text(encoding="utf-8") + css.read_text(encoding="utf-8")
    raise AssertionError("JupyterLab's rendered-HTML stylesheet (nbconvert lab template) not found")


def _computed_styles(page_html: str) -> dict[str, dict[str, str]]:
    from playwright.sync_api import sync_playwright

    probe = """() => {
      const st = (sel, props) => {
        const el = document.querySelector(sel); const cs = getComputedStyle(el);
        return Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]));
      };
      const cell = ['text-align', 'border-top-style', 'border-top-width', 'border-left-style'];
      return {
        value: st('td[data-cell="t3.new.natural_person"]', cell),
        label: st('tbody th.row-head', cell),
        header: st('thead th[colspan]', cell),
        odd: st('table.stat-t3 tbody tr:nth-child(1)', ['background-color']),
        even: st('table.stat-t3 tbody tr:nth-child(2)', ['background-color']),
      };
    }"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_content(page_html)
        styles = page.evaluate(probe)
        browser.close()
    return styles


def _page(with_lab_css: bool) -> str:
    params = load_params(SEED_PARAMS)
    t3 = tables.to_html(tables.frame(params.tables, "t3"), params.fmt, "t3")
    section = render.section(params, "requests", t3)
    ours = f"<style>{lab_css()}</style>" if with_lab_css else ""
    lab = _lab_stylesheet()
    # The output area as JupyterLab renders a display_data HTML output.
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{lab}</style></head><body class='jp-ThemedContainer'>"
        f"<div class='jp-OutputArea-output jp-RenderedHTMLCommon jp-RenderedHTML'>{ours}{section}</div></body></html>"
    )


def test_tables_keep_the_template_look_over_jupyterlab_css():
    bare = _computed_styles(_page(with_lab_css=False))
    # JupyterLab's rules really apply here: right-aligned, borderless, zebra rows.
    assert bare["value"]["text-align"] == "right" and bare["value"]["border-top-style"] == "none"
    assert bare["odd"]["background-color"] != bare["even"]["background-color"]
    styled = _computed_styles(_page(with_lab_css=True))
    for part in ("value", "label", "header"):
        assert styled[part]["border-top-style"] == "solid" and styled[part]["border-left-style"] == "solid", part
        assert float(styled[part]["border-top-width"].removesuffix("px")) >= 1, part
    assert styled["value"]["text-align"] == "center"
    assert styled["header"]["text-align"] == "center"
    assert styled["label"]["text-align"] == "left"
    assert styled["odd"]["background-color"] == styled["even"]["background-color"]


def test_report_cells_hide_their_code_in_jupyterlab_and_nbconvert():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    report_cells = [c for c in nb.cells if c.cell_type == "code" and "nb.show_" in c.source]
    assert len(report_cells) >= 8
    for cell in report_cells:
        if "review-only" in cell.metadata.get("tags", []):
            continue
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, cell.source
        assert "remove_input" in cell.metadata.get("tags", []), cell.source
    loader = next(c for c in nb.cells if "analyst-only" in c.metadata.get("tags", []))
    assert "nb.show_style()" in loader.source and loader.metadata["jupyter"]["source_hidden"] is True


def _stock_html(notebook: Path, out: Path, *extra: str) -> str:
    jupyter = str(Path(sys.executable).with_name("jupyter"))
    subprocess.run(
        [jupyter, "nbconvert", "--to", "html", str(notebook), "--output-dir", str(out), *extra],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return (out / f"{notebook.stem}.html").read_text(encoding="utf-8")


def test_stock_nbconvert_report_view_has_no_code(seed_build: Path, tmp_path):
    executed = seed_build / "report.ipynb"
    with_code = _stock_html(executed, tmp_path / "a")
    assert "show_section" in with_code  # the control: plain nbconvert shows the inputs
    view = _stock_html(executed, tmp_path / "b", "--TagRemovePreprocessor.remove_input_tags=remove_input")
    for call in ("show_front", "show_section", "show_signature"):
        assert call not in view
    assert "三、收到和处理政府信息公开申请情况" in view and 'data-cell="t3.new.total"' in view


def test_executed_notebook_carries_the_lab_stylesheet_unpublished(seed_build: Path):
    nb = nbformat.read(seed_build / "report.ipynb", as_version=4)
    loader = next(c for c in nb.cells if "analyst-only" in c.metadata.get("tags", []))
    assert any(".report-section table.stat-table" in o.get("data", {}).get("text/html", "") for o in loader.outputs)
    published = (seed_build / "report.html").read_text(encoding="utf-8")
    assert "jp-RenderedHTMLCommon" not in published


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    tmp = tmp_path_factory.mktemp("broken")
    data = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    data["tables"]["t3"]["new"][0] = -1
    bad = tmp / "2023.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp / "out.ipynb"
    papermill = str(Path(sys.executable).with_name("papermill"))
    run = subprocess.run(
        [papermill, "notebooks/annual_report.ipynb", str(out), "-p", "params_file", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return run, out


def test_params_mistake_shows_the_chinese_message_without_a_traceback(broken_run):
    run, out = broken_run
    assert run.returncode != 0, "papermill must still fail so a batch records the failure"
    nb = nbformat.read(out, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert len(errors) == 1
    shown = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(errors[0].traceback))
    assert "报告无法生成" in shown and "参数有误" in shown
    assert "「一、本年新收政府信息公开申请数量」行「自然人」列" in shown
    assert "Traceback" not in shown and "File " not in shown and "site-packages" not in shown
    assert len(shown.splitlines()) <= 4
