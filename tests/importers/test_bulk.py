"""Importing many reports at once: a folder of the real examples plus a file that is no report
gives one params file per report, a summary table in Chinese, and exit 2 for the one failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from nianbao.importers import import_source, save
from nianbao.importers.bulk import import_many, sources
from support import EXAMPLES, make_project, nianbao

REPORTS = sorted(p for p in EXAMPLES.iterdir() if p.suffix in {".txt", ".html", ".md"})


def test_a_folder_imports_every_report_and_one_bad_file_stops_none(tmp_path):
    project = make_project(tmp_path / "proj")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in REPORTS:
        shutil.copy(p, inbox / p.name)
    (inbox / "broken.txt").write_text("这不是年度报告\n", encoding="utf-8")
    (inbox / "notes.pdf").write_bytes(b"%PDF")  # not a form any importer reads: not picked up
    before = set(project.glob("params/*/*.yaml"))
    proc = nianbao("import", str(inbox), cwd=project)
    assert proc.returncode == 2, proc.stderr
    written = sorted(set(project.glob("params/*/*.yaml")) - before)
    assert len(written) == len(REPORTS), proc.stdout
    assert len(list(project.glob("params/*/*.import.json"))) == len(REPORTS)
    years = sorted(yaml.safe_load(p.read_text(encoding="utf-8"))["year"] for p in written)
    assert years == [2019, 2019, 2023, 2023, 2024, 2025]
    out = proc.stdout
    for heading in ("报告", "读取", "空白", "无法确定", "未找到"):
        assert heading in out
    assert "broken.txt" in out and "notes.pdf" not in out
    assert f"导入 {len(REPORTS)} 份，失败 1 份" in out


def test_agency_id_is_refused_for_several_files(tmp_path):
    project = make_project(tmp_path / "proj")
    before = set(project.glob("params/*/*.yaml"))
    proc = nianbao("import", str(REPORTS[0]), str(REPORTS[1]), "--agency-id", "x", cwd=project)
    assert proc.returncode == 2
    assert "只能用于单个文件" in proc.stderr
    assert set(project.glob("params/*/*.yaml")) == before


def test_an_existing_params_file_fails_that_report_only(tmp_path):
    report = EXAMPLES / "shuyang-drc-2023.html"
    twin = tmp_path / "copy-of-drc.html"
    shutil.copy(report, twin)
    other = EXAMPLES / "shuyang-county-2025.md"
    files = sources([report, twin, other, tmp_path / "missing.md"], [".html", ".md"])
    outcomes = import_many(
        files,
        import_source,
        lambda r: tmp_path / "params" / r.params.agency.id / f"{r.params.year}.yaml",
        lambda r, target: save(r, target),
    )
    assert [o.ok for o in outcomes] == [True, False, True, False]
    assert "已存在" in (outcomes[1].error or "")
    assert "找不到文件" in (outcomes[3].error or "")
    assert outcomes[0].read == 75 and outcomes[0].count("空白") == 125
    assert outcomes[2].read == 200 and outcomes[2].count("未找到") == 0


def test_sources_expand_folders_by_extension(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.md").write_text("x", encoding="utf-8")
    (tmp_path / "a" / "y.PDF").write_text("y", encoding="utf-8")
    (tmp_path / "z.txt").write_text("z", encoding="utf-8")
    assert sources([tmp_path], [".md", ".txt"]) == [tmp_path / "a" / "x.md", tmp_path / "z.txt"]
