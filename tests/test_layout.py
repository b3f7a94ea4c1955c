"""The code's layout, as a newcomer meets it: every module opens with a docstring that says what it does,
no two modules share a name, and the README's layout table lists exactly the packages and modules there are.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

from support import ROOT

PACKAGE = ROOT / "src" / "nianbao"


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_opens_with_a_docstring():
    missing = [str(p.relative_to(ROOT)) for p in modules() if not ast.get_docstring(ast.parse(p.read_text("utf-8")))]
    assert missing == []


def test_no_two_modules_share_a_name():
    names = Counter(p.stem for p in modules() if p.name != "__init__.py")
    packages = {p.parent.name for p in modules() if p.name == "__init__.py"}
    assert [n for n, c in names.items() if c > 1] == []
    assert sorted(names.keys() & packages) == []  # e.g. no importers/report.py beside the report/ package


def _layout_paths() -> set[Path]:
    """Paths the README's layout table names: in each row's first cell, the first path with a slash
    sets the folder for the bare file names after it (`src/nianbao/batch/` `pipeline.py`, `keys.py`)."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Layout", 1)[1].split("\n## ", 1)[0]
    out: set[Path] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        base = ROOT
        for token in re.findall(r"`([^`]+)`", line.split("|")[1]):
            if "/" in token:
                path = ROOT / token
                base = path if token.endswith("/") else path.parent
            else:
                path = base / token
            out.add(path)
    return out


def test_readme_layout_table_matches_the_tree():
    listed = _layout_paths()
    assert sorted(str(p.relative_to(ROOT)) for p in listed if not p.exists()) == []
    wanted = {p for p in modules() if p.name != "__init__.py"}
    wanted |= {p.parent for p in modules() if p.name == "__init__.py"}
    wanted.discard(PACKAGE)
    # Every package folder and every module is named; a folder alone does not cover the modules in it.
    unlisted = sorted(str(p.relative_to(ROOT)) for p in wanted if p not in listed)
    assert unlisted == []
