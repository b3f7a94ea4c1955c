"""Provenance: every built report says what made it (params, notebook, suites, nianbao, versions, content
key) in report.ipynb, findings.json and review.html's colophon — and two builds give the same bytes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml
from lxml import html as lhtml

from nianbao.batch import provenance
from nianbao.batch.keys import report_key, shared_key
from nianbao.project import DEFAULT_FORMATS
from support import EXPECTATIONS, NOTEBOOK, SEED_ID, SEED_PARAMS, make_project, nianbao

SEED = f"params/{SEED_ID}/2023.yaml"
OUTPUT_FILES = ("report.html", "review.html", "report.pdf", "report.ipynb", "findings.json")


def record_for(notebook: Path, expectations: Path | None, params: Path) -> dict:
    previous = params.with_name(f"{int(params.stem) - 1}.yaml")
    return provenance.record(
        provenance.shared_inputs(notebook, expectations),
        provenance.report_inputs(params, previous, DEFAULT_FORMATS),
    )


# --- the record itself ----------------------------------------------------------------------------------------


def test_the_record_names_what_the_content_key_hashes():
    rec = record_for(NOTEBOOK, EXPECTATIONS, SEED_PARAMS)
    previous = SEED_PARAMS.with_name("2022.yaml")
    key = report_key(shared_key(NOTEBOOK, EXPECTATIONS), SEED_PARAMS, previous, DEFAULT_FORMATS)
    assert rec["content_key"] == key
    assert rec["sha256"]["params"] == provenance.sha256_file(SEED_PARAMS)
    assert rec["sha256"]["notebook"] == provenance.sha256_file(NOTEBOOK)
    assert rec["versions"]["nianbao"] and rec["versions"]["python"].count(".") == 2
    for name in ("papermill", "nbconvert", "great_expectations", "weasyprint", "pandas"):
        assert rec["versions"][name] not in ("", "-"), name


def _copy_inputs(tmp_path: Path) -> tuple[Path, Path, Path]:
    notebook = tmp_path / "annual_report.ipynb"
    shutil.copy(NOTEBOOK, notebook)
    suites = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS, suites)
    params = tmp_path / "params" / SEED_ID / "2023.yaml"
    params.parent.mkdir(parents=True)
    shutil.copy(SEED_PARAMS, params)
    return notebook, suites, params


def test_the_record_changes_with_each_input_and_with_nothing_else(tmp_path: Path):
    notebook, suites, params = _copy_inputs(tmp_path)
    base = record_for(notebook, suites, params)
    assert record_for(notebook, suites, params) == base, "the same inputs give the same record"
    assert str(tmp_path) not in json.dumps(base), "no absolute path"

    params.write_bytes(params.read_bytes() + b"\n# edited\n")
    changed = record_for(notebook, suites, params)
    assert changed["sha256"]["params"] != base["sha256"]["params"]
    assert changed["content_key"] != base["content_key"]

    params.with_name("2022.yaml").write_bytes(SEED_PARAMS.read_bytes())
    with_previous = record_for(notebook, suites, params)
    assert base["sha256"]["previous_params"] is None and with_previous["sha256"]["previous_params"]
    assert with_previous["content_key"] != changed["content_key"]

    notebook.write_bytes(notebook.read_bytes().replace(b"Run All", b"Run all"))
    edited_nb = record_for(notebook, suites, params)
    assert edited_nb["sha256"]["notebook"] != with_previous["sha256"]["notebook"]
    assert edited_nb["content_key"] != with_previous["content_key"]

    suite = sorted(suites.glob("*.json"))[0]
    suite.write_bytes(suite.read_bytes() + b"\n")
    edited_suite = record_for(notebook, suites, params)
    assert edited_suite["sha256"]["expectations"] != edited_nb["sha256"]["expectations"]
    assert edited_suite["content_key"] != edited_nb["content_key"]

    assert record_for(notebook, None, params)["sha256"]["expectations"] is None


def test_stamp_drops_the_clock_and_the_random_cell_id():
    nb = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell("x = 1", id="a1b2c3d4")
    injected.metadata.update(
        tags=["injected-parameters"],
        papermill={"start_time": "2026-01-01T00:00:00", "end_time": "x", "duration": 0.1, "status": "completed"},
        execution={"iopub.status.busy": "2026-01-01T00:00:00Z"},
    )
    nb.cells.append(injected)
    nb.metadata["papermill"] = {"duration": 1.5, "start_time": "t", "end_time": "t", "input_path": {"cells": []}}
    provenance.stamp(nb, {"content_key": "k"})
    assert nb.metadata["papermill"] == {"input_path": provenance.NOTEBOOK_SOURCE}
    assert injected.id == provenance.INJECTED_ID
    assert injected.metadata["papermill"] == {"status": "completed"} and "execution" not in injected.metadata
    assert provenance.of_notebook(nb) == {"content_key": "k"}
    nbformat.validate(nb)


# --- in the built outputs -------------------------------------------------------------------------------------


def _state_key(project: Path) -> str:
    state = json.loads((project / "build" / ".state" / "2023" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    return state["key"]


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The seed built by `nianbao run` in two project copies at different paths."""
    projects = []
    for name in ("first", "second-build"):
        project = make_project(tmp_path_factory.mktemp(name))
        result = nianbao("run", SEED, cwd=project)
        assert result.returncode == 0, result.stdout + result.stderr
        projects.append(project)
    return projects[0], projects[1]


def out(project: Path) -> Path:
    return project / "build" / "2023" / SEED_ID


def test_provenance_is_in_the_notebook_the_findings_and_the_review_colophon(two_builds):
    project, _ = two_builds
    key = _state_key(project)
    params_sha = provenance.sha256_file(project / SEED)

    nb = nbformat.read(out(project) / "report.ipynb", as_version=4)
    rec = provenance.of_notebook(nb)
    assert rec is not None and rec["content_key"] == key and rec["sha256"]["params"] == params_sha
    assert rec["sha256"]["notebook"] == provenance.sha256_file(project / "notebooks" / "annual_report.ipynb")

    findings = json.loads((out(project) / "findings.json").read_text(encoding="utf-8"))
    assert findings["provenance"] == rec

    review = lhtml.fromstring((out(project) / "review.html").read_bytes())
    [colophon] = review.xpath("//footer[@class='colophon']")
    text = colophon.text_content()
    assert "生成依据" in text and "参数文件 sha256" in text and "内容键" in text
    assert params_sha in text and key in text and rec["sha256"]["expectations"] in text
    assert f"nianbao {rec['versions']['nianbao']}" in text and f"weasyprint {rec['versions']['weasyprint']}" in text
    assert colophon.get("data-content-key") == key


def test_the_public_report_carries_no_provenance(two_builds):
    project, _ = two_builds
    key = _state_key(project)
    page = (out(project) / "report.html").read_text(encoding="utf-8")
    assert "colophon" not in page and "生成依据" not in page and key not in page


def test_two_builds_give_identical_bytes(two_builds):
    first, second = two_builds
    for name in OUTPUT_FILES:
        assert (out(first) / name).read_bytes() == (out(second) / name).read_bytes(), name
    nb = (out(first) / "report.ipynb").read_text(encoding="utf-8")
    assert str(first) not in nb and "start_time" not in nb and "iopub" not in nb


def test_edited_params_change_the_provenance(two_builds):
    first, second = two_builds
    params = second / SEED
    data = yaml.safe_load(params.read_text(encoding="utf-8"))
    data["sections"]["other"] = ["本年度无其他需要报告的事项。"]
    params.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = nianbao("run", SEED, cwd=second)
    assert result.returncode == 0, result.stdout + result.stderr
    old = json.loads((out(first) / "findings.json").read_text(encoding="utf-8"))["provenance"]
    new = json.loads((out(second) / "findings.json").read_text(encoding="utf-8"))["provenance"]
    assert new["sha256"]["params"] == provenance.sha256_file(params) != old["sha256"]["params"]
    assert new["content_key"] == _state_key(second) != old["content_key"]
    assert {k: v for k, v in new["sha256"].items() if k != "params"} == {
        k: v for k, v in old["sha256"].items() if k != "params"
    }
    review = (out(second) / "review.html").read_text(encoding="utf-8")
    assert new["content_key"] in review and old["content_key"] not in review


def test_an_earlier_year_and_the_graphic_notebook_are_in_the_key(tmp_path: Path):
    """The 图解 draws every earlier year's params and comes from its own notebook: editing, adding or
    removing either changes the content key (and so rebuilds the report)."""
    notebook, suites, params = _copy_inputs(tmp_path)
    graphic = tmp_path / "graphic.ipynb"
    shutil.copy(NOTEBOOK.with_name("graphic.ipynb"), graphic)
    older = params.with_name("2021.yaml")

    def key(*earlier: Path) -> str:
        shared = shared_key(notebook, suites, graphic)
        return report_key(shared, params, None, DEFAULT_FORMATS, None, earlier=earlier)

    alone = key()
    older.write_bytes(SEED_PARAMS.read_bytes().replace(b"year: 2023", b"year: 2021"))
    with_older = key(older)
    assert with_older != alone
    older.write_bytes(older.read_bytes() + b"\n# edited\n")
    assert key(older) not in (alone, with_older)
    edited = key(older)
    graphic.write_bytes(graphic.read_bytes().replace(b"Run All", b"Run all"))
    assert key(older) != edited
    record = provenance.record(
        provenance.shared_inputs(notebook, suites, graphic),
        provenance.report_inputs(params, None, DEFAULT_FORMATS, None, earlier=(older,)),
    )
    assert record["content_key"] == key(older)
    assert record["sha256"]["earlier_params"] == {"2021.yaml": provenance.sha256_file(older)}
    assert record["sha256"]["graphic_notebook"] == provenance.sha256_file(graphic)


def test_the_versions_in_the_key_are_the_installed_ones():
    """Read from the dist-info folders' names (cheap), they must say what importlib.metadata says."""
    from importlib import metadata

    import nianbao
    from nianbao.batch.provenance import OUTPUT_PACKAGES, versions

    found = versions()
    assert found["nianbao"] == nianbao.__version__
    for name in OUTPUT_PACKAGES:
        assert found[name] == metadata.version(name), name
