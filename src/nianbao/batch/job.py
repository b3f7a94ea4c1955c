"""The unit of work of a build, runnable in any process: a local pool worker or a Dask worker.

A ``Job`` carries everything a report needs as data (the params mapping, the findings, the notebook, the
provenance the parent gathered), so a worker needs the nianbao package but no access to the project's
files. It returns the rendered files as bytes; the caller writes them into build/ atomically.

When the job carries the 图解 notebook (``Job.graphic``), it is executed after the report's in the same
warm kernel, with the params of the agency's earlier years (``Job.years``) for the trends, and published
as graphic.html and its chart files; if it fails, the report fails as a whole (a report's files are
replaced only by a complete new set), with a message that names the 图解.

A job has a deadline (``Job.timeout``): in a process's main thread (pool workers, ``--jobs 1``) a timer
signal stops it and its warm kernel is replaced, so one runaway report fails alone; elsewhere (Dask
threads) papermill's per-cell timeout applies. ``NIANBAO_FAULT`` injects faults for the reliability
tests (``kill-worker:<agency-id>`` kills the worker running that report, ``hang:<agency-id>`` makes it
hang, ``enospc:<agency-id>`` makes writing its outputs find the disk full); it is never set in normal use.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
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
    timeout: float | None = None  # seconds for the whole report (execute and export)
    graphic: str | None = None  # the 图解 notebook (JSON text); None: no graphic.html
    years: tuple[dict[str, Any], ...] = ()  # the params of the agency's earlier years, for the 图解's trends


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


FAULT_ENV = "NIANBAO_FAULT"


def fault(kind: str, agency_id: str) -> bool:
    """Whether ``NIANBAO_FAULT`` (comma-separated ``kind:agency-id``) asks for ``kind`` on ``agency_id``."""
    return f"{kind}:{agency_id}" in os.environ.get(FAULT_ENV, "").split(",")


def disk_full(path: str) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def _inject_fault(job: Job) -> None:
    agency = str((job.params.get("agency") or {}).get("id", ""))
    if fault("kill-worker", agency):
        os.kill(os.getpid(), signal.SIGKILL)
    elif fault("hang", agency):
        time.sleep(3600)


class JobTimeout(BaseException):
    """The job's deadline passed (a BaseException, so no ``except Exception`` on the way swallows it)."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise ``JobTimeout`` in this thread after ``seconds`` (main thread only; elsewhere a no-op)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise JobTimeout()

    before = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


def timeout_message(name: str, seconds: float) -> str:
    return f"{name}: 超过 {seconds:g} 秒仍未完成，已停止（可用 --timeout 调整每份报告的时限）"


@cache
def _notebook(text: str) -> nbformat.NotebookNode:
    return nbformat.reads(text, as_version=4)


def _execute(job: Job, notebook: str, parameters: dict[str, Any], out: Outcome, what: str = "") -> Any:
    """The executed notebook, or None with ``out`` saying why (``what`` names a notebook other than the report's)."""
    from papermill.exceptions import PapermillExecutionError

    from nianbao.batch.execute import execute_node

    try:
        return execute_node(
            _notebook(notebook),
            parameters={"params_file": job.params_name, **job.params, **parameters},
            engine_name=job.engine,
            execution_timeout=int(job.timeout) if job.timeout else None,
        )
    except PapermillExecutionError as err:
        out.step = "execute"
        out.message = (
            f"{job.params_name}: {what}第 {err.exec_count} 个代码单元格出错：{err.ename}: {str(err.evalue)[:500]}"
        )
    except Exception as err:  # the kernel died, a timeout, …
        out.step, out.message = "execute", f"{job.params_name}: {what}{type(err).__name__}: {str(err)[:500]}"
    return None


def _run(job: Job, out: Outcome) -> None:
    from nianbao.batch.provenance import stamp
    from nianbao.publish.outputs import filename, render_all

    _inject_fault(job)
    nb = _execute(job, job.notebook, job.parameters, out)
    if nb is None:
        return
    graphic = None
    if job.graphic is not None:
        graphic = _execute(job, job.graphic, {"years": list(job.years)}, out, what="图解笔记本")
        if graphic is None:
            return
    try:
        stamp(nb, job.provenance)  # no clock readings; what made it, for report.ipynb and review.html
        out.files = render_all(nb, job.formats, review=True)
        if job.parameters.get("findings") is not None:
            out.files[filename("findings")] = findings_json(job)
        if graphic is not None:
            from nianbao.publish.graphic_page import render_graphic

            out.files.update(render_graphic(stamp(graphic, None)))
    except Exception as err:
        out.files = {}
        out.step = "export"
        out.message = (
            f"{job.params_name}: 导出失败 {type(err).__name__}: {str(err)[:500]}\n{traceback.format_exc(limit=3)}"
        )


def _warm_up(job: Job) -> None:
    """Start this process's warm kernel before the deadline runs: starting it has its own time-out, and
    the deadline is the report's, not the machine's start-up."""
    if job.engine != "nianbao_warm":
        return
    from nianbao.batch.execute import kernel_name
    from nianbao.batch.warm_kernel import warm_kernel

    try:
        warm_kernel(kernel_name())
    except Exception:  # reported by the run itself, with the report's name
        logging.getLogger("papermill").debug("warm kernel start failed", exc_info=True)


def run_job(job: Job) -> Outcome:
    """Execute and export one report; never raises for a failing report."""
    # The params' fields are injected as parameters the notebook does not declare: not worth a warning.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    t0 = time.perf_counter()
    out = Outcome(job.params_name)
    try:
        _warm_up(job)
        with deadline(job.timeout):
            _run(job, out)
    except JobTimeout:
        from nianbao.batch.warm_kernel import shutdown_all

        shutdown_all()  # the kernel may still be busy with the runaway cell
        out.files = {}
        out.step, out.message = "execute", timeout_message(job.params_name, job.timeout or 0)
    out.seconds = time.perf_counter() - t0
    return out
