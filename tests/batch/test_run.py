"""`nianbao run`: the build pipeline on the files it is given — counts of findings, exit codes, and
reports that the next `nianbao build` finds current."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from lxml import html as lhtml

from support import SEED_ID, make_project, nianbao

SEED = f"params/{SEED_ID}/2023.yaml"


def outputs(project: Path) -> dict[Path, int]:
    """Every file under build/ (outputs, states, the index) with its modification time; not the build
    lock, which each build takes and marks with its pid (``nianbao.batch.lock``), nor the proof a no-op
    build leaves for the next (``nianbao.batch.noop``)."""
    skip = {".lock", ".noop.json"}
    return {p: p.stat().st_mtime_ns for p in (project / "build").rglob("*") if p.is_file() and p.name not in skip}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory):
    """The seed built by `nianbao run` in a project copy; returns the project and the command's result."""
    project = make_project(tmp_path_factory.mktemp("run"))
    result = nianbao("run", SEED, cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    return project, result


def test_run_prints_each_reports_finding_counts(ran):
    project, result = ran
    doc = json.loads((project / "build" / "2023" / SEED_ID / "findings.json").read_text(encoding="utf-8"))
    counts = doc["counts"]
    assert counts["warning"] > 0
    line = f"✓ {SEED} → build/2023/{SEED_ID}/review.html（错误 {counts['error']} 项，警告 {counts['warning']} 项）"
    assert line in result.stdout.splitlines()


def test_a_report_built_by_run_is_current_for_the_next_build(ran):
    project, _ = ran
    state_file = project / "build" / ".state" / "2023" / f"{SEED_ID}.json"
    state = state_file.read_bytes()
    before = outputs(project)
    result = nianbao("build", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "生成 0 份，未变跳过 1 份" in result.stdout
    assert state_file.read_bytes() == state
    assert outputs(project) == before, "no file rewritten, not even the index"
    page = lhtml.fromstring((project / "build" / "index.html").read_bytes())
    [row] = page.xpath("//table[@id='reports']/tbody/tr")
    [cell] = row.xpath(".//td[@data-status]")
    assert (cell.get("data-params"), cell.get("data-status")) == (SEED, "built")
    assert f"2023/{SEED_ID}/review.html" in row.xpath(".//a/@href")


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed, an agency-year with an error finding (T4-sum) and one whose params file is broken."""
    project = make_project(tmp_path_factory.mktemp("run-mixed"))
    data = yaml.safe_load((project / SEED).read_text(encoding="utf-8"))
    wrong = copy.deepcopy(data)
    wrong["agency"]["id"] = "wrong-sum"
    wrong["tables"]["t4"]["review"][4] += 1  # 总计 no longer the sum of its parts
    (project / "params" / "wrong-sum").mkdir()
    (project / "params" / "wrong-sum" / "2023.yaml").write_text(yaml.safe_dump(wrong, allow_unicode=True), "utf-8")
    (project / "params" / "broken").mkdir()
    (project / "params" / "broken" / "2023.yaml").write_text("agency: {id: broken}\ntables: [\n", "utf-8")
    return project


def test_run_strict_exits_1_on_an_error_finding(mixed: Path):
    result = nianbao("run", "--strict", "params/wrong-sum/2023.yaml", cwd=mixed)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✓ params/wrong-sum/2023.yaml → build/2023/wrong-sum/review.html（错误 1 项，" in result.stdout
    assert (mixed / "build" / "2023" / "wrong-sum" / "report.html").is_file()


def test_run_exits_2_on_a_failing_params_file_and_builds_the_others(mixed: Path):
    result = nianbao("run", "params/broken/2023.yaml", SEED, "params/missing/2023.yaml", cwd=mixed)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"✓ {SEED} → build/2023/{SEED_ID}/review.html" in result.stdout
    assert "✗ params/broken/2023.yaml [参数文件]" in result.stderr and "YAML 格式错误" in result.stderr
    assert "✗ params/missing/2023.yaml [参数文件]" in result.stderr and "找不到此参数文件" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert (mixed / "build" / "2023" / SEED_ID / "report.html").is_file()
    assert not (mixed / "build" / "2023" / "broken").exists()
    state = json.loads((mixed / "build" / ".state" / "2023" / "broken.json").read_text(encoding="utf-8"))
    assert (state["status"], state["step"]) == ("failed", "params")
    page = lhtml.fromstring((mixed / "build" / "index.html").read_bytes())
    statuses = {c.get("data-params"): c.get("data-status") for c in page.xpath("//tbody//*[@data-params]")}
    assert statuses["params/broken/2023.yaml"] == "failed" and statuses[SEED] == "built"
