"""The batch build: incremental, isolated failures, atomic outputs, the index page, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import yaml
from lxml import html as lhtml

from support import NIANBAO, ROOT, SEED_ID, make_project, nianbao

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate


def synthetic_project(tmp: Path, count: int, seed: int = 7) -> Path:
    project = make_project(tmp)
    generate(project, count, seed=seed, broken_share=0.0, invalid=0)
    return project


def states(project: Path) -> dict[str, dict]:
    return {
        f"{p.parent.name}/{p.stem}": json.loads(p.read_text(encoding="utf-8"))
        for p in (project / "build" / ".state").glob("*/*.json")
    }


def report_files(project: Path) -> list[Path]:
    return sorted(p for p in (project / "build").rglob("report.*"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Four agency-years (the seed and three synthetic ones) built once; one more made bad."""
    project = synthetic_project(tmp_path_factory.mktemp("batch"), 3)
    bad = project / "params" / "bad-agency" / "2023.yaml"
    bad.parent.mkdir()
    bad.write_text("agency: {id: bad-agency, name: 坏数据局}\nyear: 2023\ntables: [\n", encoding="utf-8")
    result = nianbao("build", "-j", "2", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    return project


def test_every_good_agency_year_is_built_and_the_bad_one_reported(built: Path):
    st = states(built)
    good = [k for k, s in st.items() if s["status"] == "built"]
    assert len(good) == 4 and f"2023/{SEED_ID}" in good
    for key in good:
        year, agency = key.split("/")
        out = built / "build" / year / agency
        page = lhtml.fromstring((out / "report.html").read_bytes())
        assert page.xpath("//table[@data-table='t3']")
        assert nbformat.read(out / "report.ipynb", as_version=4).cells
    bad = st["2023/bad-agency"]
    assert bad["status"] == "failed" and bad["step"] == "params" and "YAML 格式错误" in bad["message"]
    assert not (built / "build" / "2023" / "bad-agency").exists()


def test_second_build_skips_everything(built: Path):
    before = {p: p.stat().st_mtime_ns for p in report_files(built)}
    result = nianbao("build", cwd=built)
    assert "生成 0 份，未变跳过 4 份，失败 1 份" in result.stdout
    assert {p: p.stat().st_mtime_ns for p in report_files(built)} == before


def test_a_no_op_build_leaves_the_index_alone_but_remakes_it_when_damaged(built: Path):
    index = built / "build" / "index.html"
    before = index.read_bytes(), index.stat().st_mtime_ns
    nianbao("build", cwd=built)
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before  # not rendered again, not rewritten
    index.write_text("<p>改坏了</p>", encoding="utf-8")
    nianbao("build", cwd=built)
    assert index.read_bytes() == before[0]  # an edited page is made again from the records
    index.unlink()
    nianbao("build", cwd=built)
    assert index.read_bytes() == before[0]


def test_changed_params_rebuilds_only_that_report_and_removed_params_remove_outputs(tmp_path: Path):
    project = synthetic_project(tmp_path, 2, seed=3)
    nianbao("build", "-j", "1", cwd=project, check=True)
    files = sorted((project / "params").rglob("*.yaml"))
    target = next(f for f in files if SEED_ID not in str(f))
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["signature"] = data["signature"] + "办公室"
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = nianbao("build", "-j", "1", cwd=project, check=True)
    assert "生成 1 份，未变跳过 2 份" in result.stdout
    out = project / "build" / target.stem / target.parent.name
    assert "办公室" in (out / "report.html").read_text(encoding="utf-8")

    target.unlink()
    result = nianbao("build", cwd=project, check=True)
    assert "移除 1 份" in result.stdout and not out.exists()
    assert f"{target.stem}/{target.parent.name}" not in states(project)


def test_force_rebuilds_all(built: Path):
    result = nianbao("build", "--force", "-j", "2", cwd=built)
    assert "生成 4 份，未变跳过 0 份" in result.stdout


def test_a_killed_build_leaves_no_truncated_file_and_the_next_completes(tmp_path: Path):
    project = synthetic_project(tmp_path, 7, seed=11)
    proc = subprocess.Popen(
        [NIANBAO, "build", "-j", "1"],
        cwd=project,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(states(project)) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(states(project))
    assert 2 <= done < 8, "killed mid-batch"
    for f in report_files(project):
        if f.suffix == ".html":
            assert f.read_text(encoding="utf-8").rstrip().endswith("</html>"), f
        elif f.suffix == ".ipynb":
            nbformat.read(f, as_version=4)
    result = nianbao("build", "-j", "1", cwd=project, check=True)
    assert f"生成 {8 - done} 份" in result.stdout
    assert not list((project / "build").rglob("*.tmp-*")), "temporaries swept"
    assert len([s for s in states(project).values() if s["status"] == "built"]) == 8


def test_dask_cluster_builds_into_the_local_build_folder(tmp_path: Path):
    from distributed import LocalCluster

    project = synthetic_project(tmp_path, 1, seed=5)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = nianbao("build", "--scheduler", cluster.scheduler_address, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    built = [s for s in states(project).values() if s["status"] == "built"]
    assert len(built) == 2
    for s in built:
        assert (project / "build" / str(s["year"]) / s["agency_id"] / "report.html").is_file()


def test_strict_exits_1_on_error_findings_and_the_index_counts_them(tmp_path: Path):
    project = synthetic_project(tmp_path, 1, seed=9)
    target = next(f for f in (project / "params").rglob("*.yaml") if SEED_ID not in str(f))
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    data["tables"]["t4"]["review"][4] += 1  # 总计 no longer the sum of its parts: T4-sum, an error
    target.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert nianbao("build", "-j", "1", cwd=project).returncode == 0
    strict = nianbao("build", "--strict", cwd=project)  # a no-op rebuild still knows the findings
    assert strict.returncode == 1, strict.stdout
    st = states(project)[f"{target.stem}/{target.parent.name}"]
    assert st["errors"] == 1 and st["status"] == "built"
    page = lhtml.fromstring((project / "build" / "index.html").read_bytes())
    assert page.xpath("//*[@id='count-errors']")[0].text == "1"
    findings = json.loads((project / "build" / target.stem / target.parent.name / "findings.json").read_text("utf-8"))
    assert [f["rule_id"] for f in findings["findings"] if f["severity"] == "error"] == ["T4-sum"]


def test_no_params_found_is_an_error_not_an_empty_success(tmp_path: Path):
    project = make_project(tmp_path)
    for f in (project / "params").rglob("*.yaml"):
        f.unlink()
    result = nianbao("build", cwd=project)
    assert result.returncode == 2 and "没有找到参数文件" in result.stderr


def test_to_exports_only_the_formats_named_and_the_default_adds_the_rest(tmp_path: Path):
    project = make_project(tmp_path)
    out = project / "build" / "2023" / SEED_ID
    wrong = nianbao("build", "--to", "pdf,xlsx", cwd=project)
    assert wrong.returncode not in (0, 1) and "xlsx 不是可导出的格式" in wrong.stderr + wrong.stdout
    assert not (project / "build" / "2023").exists()  # nothing started
    nianbao("build", "--to", "html", cwd=project, check=True)
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "review.html", "report.ipynb", "findings.json"} <= names
    assert not {"report.pdf", "report.docx"} & names
    links = lhtml.fromstring((project / "build" / "index.html").read_bytes()).xpath("//a/@href")
    assert any(h.endswith("report.html") for h in links) and not any(h.endswith(".pdf") for h in links)
    result = nianbao("build", cwd=project, check=True)  # the formats are part of the content key
    assert "生成 1 份" in result.stdout
    assert {"report.pdf", "report.docx"} <= {p.name for p in out.iterdir()}
