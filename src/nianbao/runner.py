"""Build one agency-year: check params, execute the notebook with papermill, publish its outputs."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from .execute import execute
from .params import ParamsError, load_params
from .project import Project, find_project
from .publish import DEFAULT_FORMATS, publish


@dataclass
class Result:
    params_file: Path
    status: str  # "built" | "failed"
    step: str = ""  # which step failed: params | execute | export
    message: str = ""
    out_dir: Path | None = None
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "built"


def run_one(
    params_file: str | Path, project: Project | None = None, formats: tuple[str, ...] = DEFAULT_FORMATS
) -> Result:
    """Build one report; never raises for a bad agency-year, returns a failed Result instead."""
    t0 = time.perf_counter()
    params_file = Path(params_file)
    project = project or find_project(params_file.parent)
    result = Result(params_file, "failed")
    try:
        params = load_params(params_file)
    except ParamsError as err:
        result.step, result.message = "params", str(err)
        return _done(result, t0)
    result.out_dir = project.out_dir(params.agency.id, params.year)
    try:
        nb = execute(project.notebook, params_file)
    except PapermillExecutionError as err:
        result.step = "execute"
        result.message = f"{params_file}: 第 {err.exec_count} 个代码单元格出错：{err.ename}: {err.evalue}"
        return _done(result, t0)
    except Exception as err:  # kernel died, notebook missing, …
        result.step, result.message = "execute", f"{params_file}: {type(err).__name__}: {err}"
        return _done(result, t0)
    try:
        result.outputs = publish(nb, result.out_dir, formats)
    except Exception as err:
        result.step = "export"
        result.message = f"{params_file}: 导出失败 {type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
        return _done(result, t0)
    result.status = "built"
    return _done(result, t0)


def _done(result: Result, t0: float) -> Result:
    result.seconds = time.perf_counter() - t0
    return result
