"""The command line's one error handler: a user's mistake ends in a Chinese message naming what is
missing and exit code 2, never in a Python traceback."""

from __future__ import annotations

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
