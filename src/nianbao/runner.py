"""Build one agency-year: check params, validate (Great Expectations), execute the notebook with
papermill, publish its outputs (report, review copy, findings.json)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from papermill.exceptions import PapermillExecutionError

from . import findings as findings_mod
from .execute import execute
from .findings import Finding
from .params import ParamsError, load_params
from .project import Project, find_project
from .publish import DEFAULT_FORMATS, publish

FINDINGS_FILE = "findings.json"


@dataclass
class Result:
    params_file: Path
    status: str  # "built" | "failed"
    step: str = ""  # which step failed: params | execute | export
    message: str = ""
    out_dir: Path | None = None
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "built"


def validate_for_run(params_files: Sequence[str | Path], project: Project) -> dict[Path, list[Finding]]:
    """Findings of every loadable params file, from ONE Great Expectations run (for a batch build).

    Pass each file's findings to ``run_one(…, findings=…)``; files that fail to load are left out
    (``run_one`` reports them).
    """
    from .validate import validate_files

    suites_dir = project.expectations_dir if project.expectations_dir.is_dir() else None
    results = validate_files(params_files, suites_dir=suites_dir)
    return {path: fv.findings for path, fv in results.items() if fv.findings is not None}


def run_one(
    params_file: str | Path,
    project: Project | None = None,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    findings: Sequence[Finding] | None = None,
) -> Result:
    """Build one report; never raises for a bad agency-year, returns a failed Result instead.

    ``findings``: precomputed by ``validate_for_run`` for a whole batch; when None, this agency-year
    (with its previous year) is validated here, in the parent process, before the notebook runs.
    The notebook receives the findings as a parameter and shows them in the review copy.
    """
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
    if findings is None:
        try:
            findings = validate_for_run([params_file], project)[params_file]
        except Exception as err:  # GX set-up broken, suites unreadable, …
            result.step = "validate"
            result.message = f"{params_file}: 校验失败 {type(err).__name__}: {err}"
            return _done(result, t0)
    result.findings = list(findings)
    try:
        nb = execute(project.notebook, params_file, parameters={"findings": [f.to_dict() for f in result.findings]})
    except PapermillExecutionError as err:
        result.step = "execute"
        result.message = f"{params_file}: 第 {err.exec_count} 个代码单元格出错：{err.ename}: {err.evalue}"
        return _done(result, t0)
    except Exception as err:  # kernel died, notebook missing, …
        result.step, result.message = "execute", f"{params_file}: {type(err).__name__}: {err}"
        return _done(result, t0)
    doc = findings_mod.document(params.agency.id, params.year, result.findings, params_file=str(params_file))
    try:
        extra = {FINDINGS_FILE: findings_mod.dumps(doc)}
        result.outputs = publish(nb, result.out_dir, formats, review=True, extra=extra)
    except Exception as err:
        result.step = "export"
        result.message = f"{params_file}: 导出失败 {type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
        return _done(result, t0)
    result.status = "built"
    return _done(result, t0)


def _done(result: Result, t0: float) -> Result:
    result.seconds = time.perf_counter() - t0
    return result
