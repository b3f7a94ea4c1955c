"""The unit of work of a build, runnable in any process: a local pool worker or a Dask worker.

A ``Job`` carries everything a report needs as data (the params mapping, the findings, the notebook, the
provenance the parent gathered), so a worker needs the nianbao package but no access to the project's
files. It returns the rendered files as bytes; the caller writes them into build/ atomically.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import nbformat


@dataclass(frozen=True)
class Job:
    params_name: str  # params/<agency-id>/<year>.yaml, for messages and the notebook's record
    params: dict[str, Any]  # the params mapping, already checked by the parent
    notebook: str  # the report notebook (JSON text)
    formats: tuple[str, ...] = ("html",)
    parameters: dict[str, Any] = field(default_factory=dict)  # further papermill parameters (findings, …)
    engine: str | None = "nianbao_warm"
    provenance: dict[str, Any] = field(default_factory=dict)  # nianbao.batch.provenance.record(); {}: none


@dataclass
class Outcome:
    params_name: str
    files: dict[str, bytes] = field(default_factory=dict)
    step: str = ""  # "" when it worked; else execute | export
    message: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.step


def findings_json(job: Job) -> bytes:
    """``findings.json`` for the findings the parent computed and passed to the notebook."""
    from nianbao.validation.decisions import Review
    from nianbao.validation.findings import coerce, document, dumps

    agency = job.params.get("agency") or {}
    found = coerce(job.parameters["findings"])
    review = Review.from_dicts(found, job.parameters.get("decisions"))
    doc = document(
        agency.get("id", ""),
        int(job.params["year"]),
        found,
        format_version=job.params.get("format"),
        params_file=job.params_name,
        format=job.params.get("format"),
        review=review.counts(),
        decisions=job.parameters.get("decisions") or [],
        **({"provenance": job.provenance} if job.provenance else {}),
    )
    return dumps(doc)


@cache
def _notebook(text: str) -> nbformat.NotebookNode:
    return nbformat.reads(text, as_version=4)


def run_job(job: Job) -> Outcome:
    """Execute and export one report; never raises for a failing report."""
    from papermill.exceptions import PapermillExecutionError

    from nianbao.batch.execute import execute_node
    from nianbao.batch.provenance import stamp
    from nianbao.publish.outputs import filename, render_all

    # The params' fields are injected as parameters the notebook does not declare: not worth a warning.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    out = Outcome(job.params_name)
    try:
        nb = execute_node(
            _notebook(job.notebook),
            parameters={"params_file": job.params_name, **job.params, **job.parameters},
            engine_name=job.engine,
        )
    except PapermillExecutionError as err:
        out.step = "execute"
        out.message = f"{job.params_name}: 第 {err.exec_count} 个代码单元格出错：{err.ename}: {err.evalue}"
    except Exception as err:  # the kernel died, a timeout, …
        out.step, out.message = "execute", f"{job.params_name}: {type(err).__name__}: {err}"
    else:
        try:
            stamp(nb, job.provenance)  # no clock readings; what made it, for report.ipynb and review.html
            out.files = render_all(nb, job.formats, review=True)
            if job.parameters.get("findings") is not None:
                out.files[filename("findings")] = findings_json(job)
        except Exception as err:
            out.step = "export"
            out.message = f"{job.params_name}: 导出失败 {type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"
    out.seconds = time.perf_counter() - t0
    return out
