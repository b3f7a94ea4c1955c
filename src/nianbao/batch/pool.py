"""Where a build's jobs run: in this process, a local process pool, or a Dask cluster.

Each executor maps ``nianbao.batch.job.run_job`` over jobs and yields outcomes as they complete.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Protocol, TypeVar

from nianbao.batch.job import Job, Outcome, run_job

T = TypeVar("T")

# Modules a pool worker imports once, before it forks per worker (forkserver preload).
PRELOAD = [
    "papermill",
    "nbconvert",
    "nianbao.batch.job",
    "nianbao.publish.outputs",
    "nianbao.batch.warm_kernel",
    "nianbao.report.notebook",
]


class Executor(Protocol):
    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Everything in this process (``--jobs 1``): one warm kernel."""

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            yield run_job(job)

    def close(self) -> None:
        from nianbao.batch.warm_kernel import shutdown_all

        shutdown_all()


def process_context() -> multiprocessing.context.BaseContext:
    """The forkserver context every child of a build comes from, its server preloaded once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a short-lived child process, so what it imports and allocates (Great Expectations:
    ≈ 300 MB) is given back when it returns instead of staying in the parent for the whole build."""
    with ProcessPoolExecutor(max_workers=1, mp_context=process_context()) as pool:
        return pool.submit(fn, *args).result()


def _init_worker() -> None:
    """Shut the worker's warm kernel down when the pool ends the worker (atexit does not run there)."""
    from multiprocessing.util import Finalize

    from nianbao.batch.warm_kernel import shutdown_all

    Finalize(None, shutdown_all, exitpriority=10)


class LocalExecutor:
    """A pool of worker processes, each with its own warm kernel."""

    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=process_context(), initializer=_init_worker)

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        futures = {self.pool.submit(run_job, job): job for job in jobs}
        for fut in as_completed(futures):
            # Forget the future once done: it holds the report's files (≈ 0.7 MB), which would otherwise stay
            # in this process until the whole batch ends (1000 reports: +0.7 GB at the peak).
            job = futures.pop(fut)
            try:
                yield fut.result()
            except Exception as err:  # a worker process died
                yield Outcome(job.params_name, step="execute", message=f"{job.params_name}: 工作进程异常退出：{err}")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Jobs sent to a Dask distributed scheduler; outputs come back as bytes and land in build/ here."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address, set_as_default=False)

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        from distributed import as_completed as dask_completed

        jobs = list(jobs)
        futures = self.client.map(run_job, jobs, pure=False)
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        for fut in dask_completed(futures, loop=self.client.loop):
            try:
                yield fut.result()
            except Exception as err:
                job = by_key[fut.key]
                yield Outcome(job.params_name, step="execute", message=f"{job.params_name}: Dask 任务失败：{err}")

    def close(self) -> None:
        self.client.close()


def make_executor(jobs: int, scheduler: str | None = None) -> Executor:
    if scheduler:
        return DaskExecutor(scheduler)
    if jobs <= 1:
        return InlineExecutor()
    return LocalExecutor(jobs)
