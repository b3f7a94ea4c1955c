"""Helpers every test module shares: where the repository and its fixtures are, the seed agency-year,
a throw-away project copy to build into, and the ``nianbao`` command line of this venv.

Tests read only files inside the repository: the seed report's published text and the real example
reports are copied under ``tests/fixtures/`` (from the project's shared context folder), so a clone of
the repository alone passes ``make test``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
EXAMPLES = FIXTURES / "examples"
SEED_ID = "wltzq-hailiutu"
SEED_PARAMS = ROOT / "params" / SEED_ID / "2023.yaml"
SEED_TEXT = FIXTURES / "seed" / "000_ae0143d6a302d7a8.txt"
# A 2019-format agency-year: the Shanghai general office's 2019 page, imported (tests/fixtures/examples).
V2019_ID = "shanghai-office"
V2019_PARAMS = FIXTURES / "v2019" / "params" / V2019_ID / "2019.yaml"
NOTEBOOK = ROOT / "notebooks" / "annual_report.ipynb"
EXPECTATIONS = ROOT / "expectations"
NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def make_project(dest: Path, overview: bool = False) -> Path:
    """A throw-away copy of the project's notebook, params and suites, so tests never touch build/.

    Without ``overview`` the copy has no ``notebooks/overview.ipynb``, so its builds skip the batch overview
    (as a project without that notebook does): it costs a kernel start per build, and its own tests
    (``tests/batch/test_overview.py``) build a project with it."""
    skip = (".ipynb_checkpoints",) if overview else (".ipynb_checkpoints", "overview.ipynb")
    shutil.copytree(ROOT / "notebooks", dest / "notebooks", ignore=shutil.ignore_patterns(*skip))
    shutil.copytree(ROOT / "params", dest / "params")
    if EXPECTATIONS.is_dir():
        shutil.copytree(EXPECTATIONS, dest / "expectations")
    return dest


def nianbao(*args: str, cwd: Path, check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run this venv's ``nianbao`` command in ``cwd``."""
    return subprocess.run([NIANBAO, *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=600)


def blanks_as_zero(tables: Any) -> Any:
    """A params ``tables`` mapping with every blank cell (None) made 0: a complete agency-year."""
    if isinstance(tables, dict):
        return {k: blanks_as_zero(v) for k, v in tables.items()}
    if isinstance(tables, list):
        return [0 if v is None else v for v in tables]
    return 0 if tables is None else tables
