"""Shared fixtures: the repo, the seed agency-year, and a project copy to build into."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED_ID = "wltzq-hailiutu"
SEED_PARAMS = ROOT / "params" / SEED_ID / "2023.yaml"
SEED_TEXT = SHARED / "seed" / "000_ae0143d6a302d7a8.txt"
NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def make_project(dest: Path) -> Path:
    """A throw-away copy of the project's notebook and params, so tests never touch build/."""
    shutil.copytree(ROOT / "notebooks", dest / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "params", dest / "params")
    if (ROOT / "expectations").is_dir():
        shutil.copytree(ROOT / "expectations", dest / "expectations")
    return dest


def nianbao(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NIANBAO, *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=600)


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed report built once by `nianbao run` in a project copy; returns its output folder."""
    project = make_project(tmp_path_factory.mktemp("project"))
    nianbao("run", f"params/{SEED_ID}/2023.yaml", cwd=project, check=True)
    return project / "build" / "2023" / SEED_ID
