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


def seed_as(agency_id: str) -> dict[str, Any]:
    """The seed's params as a complete agency-year (blanks made 0) of another agency, without its import
    record: the start of a multi-year chain (``seed_year``)."""
    import yaml

    d = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    d.pop("source", None)
    d["agency"]["id"] = agency_id
    d["tables"] = blanks_as_zero(d["tables"])
    return d


def seed_year(d: dict[str, Any], year: int) -> dict[str, Any]:
    """A copy of ``d`` (``seed_as``) for ``year``: the year, the title and an issue date in the January after."""
    import copy

    d = copy.deepcopy(d)
    d["year"], d["issued"] = year, f"{year + 1}年1月10日"
    d["title"] = d["title"].replace("2023", str(year))
    return d


# A county and the agencies under it, for the roll-up tests: (agency id, name) of the three children.
COUNTY_ID = "xian"
COUNTY_CHILDREN = (("xian-fgj", "某县发展和改革局"), ("xian-jyj", "某县教育局"), ("xian-zhen", "某县城关镇人民政府"))


def county_params(params_dir: Path, year: int = 2023, scope: str = "本级政府汇总") -> dict[str, Path]:
    """Write a parent (``scope``) and its three children into ``params_dir``: each child's tables are a
    different consistent synthetic set (``benchmarks/generate.py``), the parent's the cell-wise sums of
    theirs. Returns agency id → params file."""
    import copy
    import random

    import yaml

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import consistent_tables

    from nianbao.params import from_mapping
    from nianbao.values import TableValues

    seed = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    for key in ("source", "title"):
        seed.pop(key, None)

    def write(agency_id: str, name: str, **fields: Any) -> Path:
        data = {**copy.deepcopy(seed), "agency": {"id": agency_id, "name": name}, "signature": name, **fields}
        path = params_dir / agency_id / f"{year}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    files, kids = {}, []
    for n, (agency_id, name) in enumerate(COUNTY_CHILDREN):
        tables = consistent_tables(random.Random(n + 1), None, None)
        files[agency_id] = write(agency_id, name, year=year, parent=COUNTY_ID, scope="本机关", tables=tables)
        kids.append(from_mapping(yaml.safe_load(files[agency_id].read_text(encoding="utf-8"))))
    fmt = kids[0].fmt
    sums = {ref: sum(k.tables[ref] for k in kids) for ref in fmt.cell_refs()}
    tables = TableValues(fmt, sums).to_params()
    files[COUNTY_ID] = write(COUNTY_ID, "某县人民政府", year=year, scope=scope, tables=tables)
    return files


def edit_params(path: Path, change: Any) -> None:
    """Rewrite a params file with ``change(data)`` applied to its parsed mapping."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
