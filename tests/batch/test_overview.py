"""The batch step after the reports: build/data/ (open data) and build/overview.html (the analysis notebook).

One small project — three agencies over two years, built once (HTML only, to keep it quick) — then what a
user would notice: the overview and the data are linked from the index, the overview's totals are the
params' cells summed, the long table has one row per cell with blanks marked blank (never 0), Parquet and
CSV agree, the schema accepts the params files, a no-op build does not run the notebook again, and a
broken notebook keeps the last good page while the build says why.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import nbformat
import pandas as pd
import pytest
import yaml
from lxml import html as lhtml

from nianbao.batch.pipeline import build
from nianbao.batch.state import all_states
from nianbao.format import get_format
from nianbao.project import Project
from nianbao.publish import open_data
from support import ROOT, SEED_PARAMS, blanks_as_zero

AGENCIES = {"a-office": "甲市人民政府办公室", "b-bureau": "乙县教育局", "c-town": "丙镇人民政府"}
YEARS = (2022, 2023)
BLANK = ("a-office", 2023)  # this agency-year leaves 本年新收申请's 自然人 and 总计 blank


def write_params(project: Path) -> None:
    seed = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    for i, (agency_id, name) in enumerate(AGENCIES.items()):
        for year in YEARS:
            data = json.loads(json.dumps(seed, default=str))
            data.pop("source", None)
            data["agency"] = {"id": agency_id, "name": name}
            data["year"] = year
            data["title"] = f"{name}{year}年政府信息公开工作年度报告"
            data["signature"] = name
            tables = blanks_as_zero(data["tables"])
            n = 10 * (i + 1) + year % 10  # requests received; all disclosed, so the sums hold
            tables["t3"]["new"] = [n, 0, 0, 0, 0, 0, n]
            tables["t3"]["outcome"]["disclosed"] = [n, 0, 0, 0, 0, 0, n]
            tables["t3"]["outcome"]["total"] = [n, 0, 0, 0, 0, 0, n]
            if (agency_id, year) == BLANK:
                tables["t3"]["new"] = [None, 0, 0, 0, 0, 0, None]
            data["tables"] = tables
            path = project / "params" / agency_id / f"{year}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run_build(project: Path):
    return build(Project(project), [project / "params"], jobs=2, formats=("html",))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("overview")
    shutil.copytree(ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "expectations", root / "expectations")
    write_params(root)  # not make_project: only these six agency-years, and the overview notebook with them
    summary = run_build(root)
    assert len(summary.built) == len(AGENCIES) * len(YEARS), [s.message for s in summary.failed]
    assert summary.overview is not None and summary.overview.status == "built", summary.overview
    return root


def page(path: Path):
    return lhtml.fromstring(path.read_bytes())


def test_the_index_links_the_overview_and_the_data_and_the_overview_links_back(project: Path):
    index = page(project / "build" / "index.html")
    links = set(index.xpath("//nav[@class='batch']/a/@href"))
    assert {"overview.html", "data/cells.csv"} <= links
    for href in links:
        assert (project / "build" / href).is_file(), href
    overview = page(project / "build" / "overview.html")
    assert "index.html" in overview.xpath("//nav[@class='back']/a/@href")
    assert overview.xpath("//h1")[0].text_content() == "政府信息公开工作年度报告 · 数据总览"
    assert not overview.xpath("//pre|//*[contains(@class,'input')]"), "the page shows no code"
    assert len(overview.xpath("//figure//svg")) >= 3, "the charts are inline SVG"


def test_the_overview_totals_are_the_params_cells_summed(project: Path):
    expected: dict[int, int] = {}
    left_out: dict[int, int] = {}
    for path in (project / "params").glob("*/*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        total = data["tables"]["t3"]["new"][-1]
        if total is None:
            left_out[data["year"]] = left_out.get(data["year"], 0) + 1
        else:
            expected[data["year"]] = expected.get(data["year"], 0) + total
    table = page(project / "build" / "overview.html").xpath("//h2[@id='totals']/following::table[1]")[0]
    header = [th.text_content() for th in table.xpath(".//thead//th")]
    row = next(tr for tr in table.xpath(".//tbody/tr") if tr[0].text_content() == "本年新收申请")
    for year in YEARS:
        cell = row[header.index(f"{year}年度")]
        shown = cell.text.strip().replace(",", "")
        assert int(shown) == expected[year], (year, cell.text_content())
        if year in left_out:
            assert f"（{left_out[year]} 份空白未计）" in cell.text_content()
        else:
            assert "空白" not in cell.text_content()


def test_cells_csv_has_one_row_per_cell_and_blank_cells_are_blank_never_zero(project: Path):
    path = project / "build" / "data" / "cells.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(df.columns) == list(open_data.COLUMNS)
    refs = get_format("2021").cell_refs()
    assert len(df) == len(AGENCIES) * len(YEARS) * len(refs)
    assert not df.duplicated(["agency", "year", "cell"]).any()
    blank = df[df["blank"] == "true"]
    assert (blank["value"] == "").all() and (df[df["blank"] == "false"]["value"] != "").all()
    agency, year = BLANK
    mine = df[(df["agency"] == agency) & (df["year"] == str(year))].set_index("cell")
    assert mine.loc["t3.new.total", "blank"] == "true" and mine.loc["t3.new.total", "value"] == ""
    assert mine.loc["t3.new.total", "row_label"] == "一、本年新收政府信息公开申请数量"
    assert mine.loc["t3.new.total", "column_label"] == "总计"
    assert mine.loc["t3.new.total", "agency_name"] == AGENCIES[agency]
    other = df[(df["agency"] == "b-bureau") & (df["year"] == "2022")].set_index("cell")
    assert other.loc["t3.new.total", "value"] == "22" and other.loc["t3.new.total", "blank"] == "false"


def test_parquet_reads_back_equal_to_the_csv(project: Path):
    data = project / "build" / "data"
    for csv_name, parquet_name in (("cells.csv", "cells.parquet"), ("findings.csv", "findings.parquet")):
        from_csv = open_data.read_csv(data / csv_name)
        from_parquet = pd.read_parquet(data / parquet_name)
        assert len(from_parquet) > 0
        pd.testing.assert_frame_equal(from_csv, from_parquet, check_dtype=True)


def test_the_data_export_is_deterministic(project: Path):
    data = project / "build" / "data"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in data.iterdir()}
    p = Project(project)
    open_data.export(p, all_states(p))
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in data.iterdir()}
    assert after == before


def test_the_schema_accepts_every_params_file_and_names_a_wrong_row(project: Path):
    schema = json.loads((project / "build" / "data" / "params.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted((project / "params").glob("*/*.yaml"))
    for path in files:
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        assert list(validator.iter_errors(data)) == [], path
    data["tables"]["t3"]["new"] = [1, 2]  # a row with two of its seven columns
    assert list(validator.iter_errors(data))
    assert "机关" in schema["properties"]["agency"]["description"]


def test_a_noop_build_does_not_run_the_overview_again(project: Path):
    html = project / "build" / "overview.html"
    before = (html.stat().st_mtime_ns, (project / "build" / "data" / "cells.csv").stat().st_mtime_ns)
    summary = run_build(project)
    assert summary.built == [] and summary.overview is not None
    assert summary.overview.status == "skipped"
    assert (html.stat().st_mtime_ns, (project / "build" / "data" / "cells.csv").stat().st_mtime_ns) == before


def test_an_analyst_runs_the_overview_notebook_as_committed_against_build_data(project: Path):
    """The JupyterLab path: no parameters, the kernel in notebooks/, data_dir's default ../build/data."""
    from nbclient import NotebookClient

    nb = nbformat.read(project / "notebooks" / "overview.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(project / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    shown = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "一、各年度合计" in shown and "五、校验结果按规则" in shown


def test_a_failing_overview_keeps_the_last_good_page_and_says_why(project: Path):
    notebook = project / "notebooks" / "overview.ipynb"
    good_nb = notebook.read_bytes()
    html = project / "build" / "overview.html"
    good = html.read_bytes()
    nb = nbformat.reads(good_nb.decode("utf-8"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("测试：故意失败")'))
    nbformat.write(nb, notebook)
    summary = run_build(project)
    assert summary.built == []  # the reports are not touched
    assert summary.overview is not None and summary.overview.failed
    assert "数据总览未能更新" in summary.overview.message and "故意失败" in summary.overview.message
    assert summary.exit_code() == 2
    assert html.read_bytes() == good
    note = page(project / "build" / "index.html").xpath("//p[@class='overview-failure']")
    assert note and "数据总览未能更新" in note[0].text_content()
    assert page(project / "build" / "index.html").xpath("//nav[@class='batch']/a[@href='overview.html']")

    notebook.write_bytes(good_nb)  # fixed: the next build makes the page again, byte for byte the same
    summary = run_build(project)
    assert summary.overview is not None and summary.overview.status == "built"
    assert html.read_bytes() == good
    assert summary.exit_code() == 0
    assert not page(project / "build" / "index.html").xpath("//p[@class='overview-failure']")
