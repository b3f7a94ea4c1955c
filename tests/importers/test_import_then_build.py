"""From a real published report to a built one: `nianbao import` each real example (both formats, every shape),
then one `nianbao build` publishes them all, and every value the import read is the value the report shows.

Together with test_examples.py (imported values = the hand-checked values) this is the whole chain a reviewer
uses: last year's published page → params → this year's checked report.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html as lhtml

from nianbao.params import load_params
from support import EXAMPLES, make_project, nianbao

SOURCES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".txt", ".html", ".md"})


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("imported"))
    shutil.rmtree(root / "params")  # only the imported agency-years
    for source in SOURCES:
        result = nianbao("import", str(source), cwd=root)
        assert result.returncode == 0, result.stdout + result.stderr
    built = nianbao("build", "-j", "2", cwd=root)
    assert built.returncode == 0, built.stdout + built.stderr
    return root


def test_every_example_is_imported_with_its_import_report(project: Path):
    params = sorted((project / "params").rglob("*.yaml"))
    assert len(params) == len(SOURCES)
    for p in params:
        report = json.loads(p.with_name(f"{p.stem}.import.json").read_text(encoding="utf-8"))
        assert report["ok"] and report["source"]


def test_every_imported_report_is_built_and_shows_the_imported_values(project: Path):
    for path in sorted((project / "params").rglob("*.yaml")):
        params = load_params(path)
        out = project / "build" / str(params.year) / params.agency.id
        page = lhtml.fromstring((out / "report.html").read_bytes())
        shown = {td.get("data-cell"): td.text_content().strip() for td in page.xpath("//td[@data-cell]")}
        cells = dict(params.tables.items())
        assert set(shown) == set(cells), path
        for ref, value in cells.items():
            if isinstance(value, int):
                assert shown[ref] == str(value), (path, ref)
            elif value is None:
                assert not re.search(r"\d", shown[ref]), (path, ref)
        assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")


def test_the_2019_examples_are_published_in_the_2019_layout(project: Path):
    reports = [load_params(p) for p in (project / "params").rglob("2019.yaml")]
    assert len(reports) == 2 and all(r.format == "2019" for r in reports)
    for r in reports:
        out = project / "build" / "2019" / r.agency.id
        text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
        assert "本年新制作数量" in text and "采购总金额（单位：元）" in text and "现行有效件数" not in text
