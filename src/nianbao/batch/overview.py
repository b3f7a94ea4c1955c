"""The batch step after the per-report builds: build/data/ (the open data) and build/overview.html.

``refresh`` runs once per build, after every agency-year was built or skipped. It is keyed like a report:
the hash of every agency-year's state (params file, status, content key), the overview notebook and the
package's code (``nianbao.batch.provenance``). When the key and the published files are as the last
successful run left them (``build/.state/overview.json``), nothing runs: a no-op build reads one small
JSON file and stats a few outputs. Otherwise it exports build/data/ (``nianbao.publish.open_data``), then
executes ``notebooks/overview.ipynb`` with papermill over that data and publishes the page with the
``nianbao_overview`` exporter (``nianbao.publish.overview_page``).

A failure never fails the reports: the last good overview.html stays published, the record says 生成失败
with why (in Chinese), the build's summary and the index say so, and the next build tries again (an
execution failure may not come from the inputs). Every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from nianbao import atomic
from nianbao.batch.provenance import sha256_bytes, sha256_file, shared_inputs
from nianbao.batch.state import STATE_DIR, OutputFile, ReportState
from nianbao.errors import storage_error
from nianbao.project import Project

NOTEBOOK = Path("notebooks") / "overview.ipynb"
PAGE = "overview.html"
RECORD = "overview.json"
TIMEOUT = 600  # seconds one cell of the overview may take
LAYOUT = 1

Status = Literal["built", "skipped", "failed", "absent"]


@dataclass(frozen=True)
class OverviewResult:
    """What the overview step did in this build (``absent``: the project has no overview notebook)."""

    status: Status
    message: str = ""  # why it failed (Chinese)
    key: str = ""
    built_at: str = ""  # when the published overview was made (kept by a failed run)
    files: tuple[OutputFile, ...] = ()  # paths relative to build/ as names: overview.html, data/cells.csv, …
    export_seconds: float = 0.0
    notebook_seconds: float = 0.0
    cells: int = 0  # rows of data/cells.csv
    skipped: tuple[str, ...] = field(default=())  # params files of built reports that could not be read

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def published(self) -> bool:
        """An overview.html is there (made now or by an earlier run)."""
        return any(f.name == PAGE for f in self.files)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OverviewResult:
        """The result ``asdict`` made, back from JSON; ``TypeError``/``ValueError`` for anything else."""
        files = tuple(OutputFile(*f) for f in data.get("files", ()))
        return cls(**{**data, "files": files, "skipped": tuple(data.get("skipped", ()))})


def record_path(project: Project) -> Path:
    return project.build_dir / STATE_DIR / RECORD


def read_record(project: Project) -> OverviewResult | None:
    try:
        data = json.loads(record_path(project).read_text(encoding="utf-8"))
        if data.pop("layout", None) != LAYOUT:
            return None
        return OverviewResult.from_dict(data)
    except (OSError, ValueError, TypeError):
        return None


def write_record(project: Project, result: OverviewResult) -> None:
    data = {"layout": LAYOUT, **asdict(result)}
    atomic.write_text(record_path(project), json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def overview_key(project: Project, states: Iterable[ReportState], shared: str | None = None) -> str:
    """What the overview is made from: every agency-year's state, the notebook and the package's code
    (``shared``: the build's shared key, which already hashes the code and the package versions)."""
    reports = sorted((s.params_file, s.status, s.key) for s in states)
    notebook = project.root / NOTEBOOK
    base = shared_inputs(notebook).key if shared is None else f"{shared}:{sha256_file(notebook)}"
    return sha256_bytes(json.dumps({"shared": base, "reports": reports}, ensure_ascii=False).encode("utf-8"))


def _current(project: Project, record: OverviewResult | None, key: str) -> bool:
    if record is None or record.status != "built" or record.key != key or not record.files:
        return False
    return all(f.check(project.build_dir) is not False for f in record.files)  # names relative to build/


def _files(project: Project) -> tuple[OutputFile, ...]:
    from nianbao.publish import open_data

    names = [PAGE, *(f"{open_data.DATA_DIR}/{n}" for n in open_data.FILES)]
    out = []
    for name in names:
        f = OutputFile.of(project.build_dir / name)
        out.append(f._replace(name=name))
    return tuple(out)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def refresh(
    project: Project, states: list[ReportState], force: bool = False, shared: str | None = None
) -> OverviewResult:
    """Bring build/data/ and build/overview.html up to date with ``states``; see the module docstring.
    ``shared``: the build's shared key (``nianbao.batch.keys``), so the package is not hashed twice."""
    notebook = project.root / NOTEBOOK
    if not notebook.is_file():
        return OverviewResult("absent")
    key = overview_key(project, states, shared)
    before = read_record(project)
    if not force and _current(project, before, key):
        assert before is not None
        return OverviewResult(**{**asdict(before), "status": "skipped", "files": before.files})
    kept = before.files if before is not None and before.built_at else ()
    kept_at = before.built_at if before is not None else ""
    start = time.perf_counter()
    try:
        from nianbao.publish import open_data  # pandas, pyarrow: only when the overview is redone

        exported = open_data.export(project, states)
        export_seconds = time.perf_counter() - start
        start = time.perf_counter()
        html = render(project)
        atomic.write_text(project.build_dir / PAGE, html)
        notebook_seconds = time.perf_counter() - start
    except Exception as err:  # a failing overview never fails the reports: keep the last good page
        if isinstance(err, OSError) and storage_error(err) is not None:
            raise  # build/ is full or read-only: the build says so with its own exit code (4, 5)
        message = _failure(err)
        result = OverviewResult("failed", message, key, kept_at, tuple(kept))
        write_record(project, result)
        return result
    result = OverviewResult(
        "built",
        key=key,
        built_at=_now(),
        files=_files(project),
        export_seconds=round(export_seconds, 3),
        notebook_seconds=round(notebook_seconds, 3),
        cells=exported.cells,
        skipped=exported.skipped,
    )
    write_record(project, result)
    return result


def render(project: Project) -> str:
    """Execute the overview notebook over build/data/ and export it as the published page."""
    from nianbao.batch.execute import execute_node
    from nianbao.publish import open_data
    from nianbao.publish.overview_page import export_html

    notebook = project.root / NOTEBOOK
    nb = execute_node(
        notebook,
        {"data_dir": str(open_data.data_dir(project).absolute())},
        cwd=notebook.parent,
        execution_timeout=TIMEOUT,
    )
    return export_html(nb)


def _failure(err: BaseException) -> str:
    """A one-paragraph Chinese message: which step, and the error's last line (a cell's traceback ends there)."""
    text = str(err).strip().splitlines()
    last = next((line for line in reversed(text) if line.strip()), type(err).__name__)
    return f"数据总览未能更新（{type(err).__name__}）：{last[:300]}；已保留上次生成的 overview.html 和 data/"
