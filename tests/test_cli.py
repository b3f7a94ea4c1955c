"""The command line's one error handler: a user's mistake ends in a Chinese message naming what is
missing and exit code 2, never in a Python traceback."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from nianbao.errors import FileExists, NianbaoError, ProjectNotFound
from nianbao.params import ParamsError
from nianbao.project import NOTEBOOK, find_project, project_or_none
from nianbao.validation.validator import ValidationFailed
from support import nianbao

NOTEBOOK_NAME = NOTEBOOK.as_posix()


OUTSIDE = [
    (["build"], ["不是 nianbao 项目", NOTEBOOK_NAME]),
    (["expectations"], ["不是 nianbao 项目", NOTEBOOK_NAME]),
    (["expectations", "--check"], ["不是 nianbao 项目", NOTEBOOK_NAME]),
    (["rollup", "xian", "2023"], ["不是 nianbao 项目", NOTEBOOK_NAME]),
    (["run", "params/town/2023.yaml"], ["找不到参数文件", "params/town/2023.yaml"]),
    (["validate", "params/town/2023.yaml"], ["找不到此参数文件", "params/town/2023.yaml"]),
    (["lint", "report.txt"], ["找不到文件", "report.txt"]),
    (["import", "report.txt"], ["找不到文件", "report.txt"]),
]


@pytest.mark.parametrize(("args", "names"), OUTSIDE, ids=[" ".join(args) for args, _ in OUTSIDE])
def test_a_command_outside_a_project_says_what_is_missing(tmp_path: Path, args: list[str], names: list[str]):
    result = nianbao(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for name in names:
        assert name in result.stderr
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_run_in_a_project_of_a_missing_file_names_it(tmp_path: Path):
    (tmp_path / NOTEBOOK).parent.mkdir(parents=True)
    (tmp_path / NOTEBOOK).write_text("{}", encoding="utf-8")
    result = nianbao("run", "params/town/2023.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "params/town/2023.yaml" in result.stderr and "找不到" in result.stderr


def test_find_project_raises_instead_of_guessing(tmp_path: Path):
    assert project_or_none(tmp_path) is None
    with pytest.raises(ProjectNotFound, match=NOTEBOOK_NAME):
        find_project(tmp_path)
    (tmp_path / NOTEBOOK).parent.mkdir(parents=True)
    (tmp_path / NOTEBOOK).write_text("{}", encoding="utf-8")
    (tmp_path / "params" / "town").mkdir(parents=True)
    assert find_project(tmp_path / "params" / "town").root == tmp_path.resolve()


def test_user_errors_share_one_base_with_an_exit_code():
    for cls in (ParamsError, ValidationFailed, ProjectNotFound, FileExists):
        assert issubclass(cls, NianbaoError)
    assert ProjectNotFound("x").exit_code == 2 and FileExists("x").exit_code == 1
    assert issubclass(FileExists, FileExistsError), "callers catching the built-in still catch it"


# --- findings for people: `nianbao lint` and `validate` print the grouped findings ---------------------

DRC = "shuyang-drc-2023.html"


def display_rows(text: str, width: int) -> int:
    """How many terminal rows ``text`` takes at ``width`` columns (a Han character takes two)."""
    from rich.cells import cell_len

    return sum(max(1, -(-cell_len(line) // width)) for line in text.splitlines())


def test_lint_of_a_real_report_fits_one_screen_and_names_every_defect(tmp_path: Path, monkeypatch):
    import yaml

    from support import EXAMPLES

    monkeypatch.setenv("COLUMNS", "80")
    result = nianbao("lint", str(EXAMPLES / DRC), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr  # warnings only
    out = result.stdout
    assert display_rows(out, 80) <= 30, out
    # expected.yaml's known defects of this page, each named
    defects = " ".join(yaml.safe_load((EXAMPLES / "expected.yaml").read_text(encoding="utf-8"))[DRC]["defects"])
    assert "法人或其他组织" in defects and "规范性文件" in defects and "存在的主要问题及整改措施" in defects
    assert "表三「法人或其他组织」5 列在全部 25 行均为空白（125 格）" in out  # blank cells in all five columns
    assert "因此无法校验" in out and "（25 处）" in out  # the sums they block, folded under them
    assert "规范性文件" in out and "行政规范性文件" in out  # the wrong label
    assert "存在的主要问题及整改措施" in out  # the non-standard heading of section 五
    assert "blank" not in out and "T3-rowsum" not in out, "Chinese rule titles, ids only in JSON"
    assert list(tmp_path.iterdir()) == [], "lint writes nothing"


def test_lint_never_splits_a_number_across_lines_at_a_narrow_terminal(tmp_path: Path, monkeypatch):
    from rich.cells import cell_len

    from support import EXAMPLES

    monkeypatch.setenv("COLUMNS", "36")
    out = nianbao("lint", str(EXAMPLES / DRC), cwd=tmp_path).stdout
    lines = out.splitlines()
    assert len(lines) > 30, "wrapped here, not by the terminal"
    assert all(cell_len(line) <= 36 for line in lines if "/" not in line), [x for x in lines if cell_len(x) > 36]
    for this, after in itertools.pairwise(lines):
        assert not (this[-1:].isdigit() and after.strip()[:1].isdigit()), (this, after)
        assert after.strip()[:1] not in set("，。、；：）」"), after


def test_lint_json_and_errors_only(tmp_path: Path):
    import json

    from support import EXAMPLES

    doc = json.loads(nianbao("lint", "--format", "json", str(EXAMPLES / DRC), cwd=tmp_path).stdout)
    assert len(doc["findings"]) == 161 and doc["counts"] == {"error": 0, "warning": 161}
    [block] = [i for g in doc["groups"] for i in g["items"] if i["status"] == "blank"]
    assert block["blocked"] and {b["rule_id"] for b in block["blocked"]} == {"T3-balance", "T3-rowsum", "T3-colsum"}
    assert doc["import"]["form"] == "html"
    quiet = nianbao("lint", "--format", "json", "--errors-only", str(EXAMPLES / DRC), cwd=tmp_path)
    assert quiet.returncode == 0 and json.loads(quiet.stdout)["findings"] == []
    bad = nianbao("lint", "--format", "xml", str(EXAMPLES / DRC), cwd=tmp_path)
    assert bad.returncode == 2 and "--format" in bad.stderr
