"""Build one agency-year on its own (``nianbao run``): check params, validate with Great Expectations,
execute the notebook with papermill in a fresh kernel, publish its outputs (report, review copy, PDF,
findings.json). The batch build does the same through ``build.py`` with warm kernels.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nianbao.atomic import write_files
from nianbao.batch.job import Job, run_job
from nianbao.params import ParamsError, load_params
from nianbao.project import DEFAULT_FORMATS, Project, find_project
from nianbao.validation.findings import Finding


@dataclass
class Result:
    params_file: Path
    status: str  # "built" | "failed"
    step: str = ""  # which step failed: params | validate | execute | export
    message: str = ""
    out_dir: Path | None = None
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "built"


def validate_for_run(params_files: Sequence[str | Path], project: Project) -> dict[Path, list[Finding]]:
    """Findings of every loadable params file, from one Great Expectations run; files that fail to load
    are left out (``run_one`` reports them)."""
    from nianbao.validation.validator import validate_files

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

    ``findings``: precomputed for a batch; when None, this agency-year (with its previous year) is
    validated here, in the parent process, and the notebook receives the findings as a parameter.
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
    job = Job(
        params_name=str(params_file),
        params=params.to_params(),
        notebook=project.notebook.read_text(encoding="utf-8"),
        formats=formats,
        parameters={"findings": [f.to_dict() for f in result.findings]},
        engine=None,  # papermill's own engine: a fresh kernel, as an analyst's papermill run
    )
    outcome = run_job(job)
    if not outcome.ok:
        result.step, result.message = outcome.step, outcome.message
        return _done(result, t0)
    result.outputs = write_files(result.out_dir, outcome.files)
    result.status = "built"
    return _done(result, t0)


def _done(result: Result, t0: float) -> Result:
    result.seconds = time.perf_counter() - t0
    return result
