"""Where a build's jobs run: in this process, a local process pool, or a Dask cluster.

Each executor maps ``nianbao.batch.job.run_job`` over jobs and yields outcomes as they complete.

Failures stay where they belong. A pool worker that dies (the OOM killer, a crash in C) breaks the
whole ``ProcessPoolExecutor``; the local executor then starts a new pool, runs again the jobs that had
not started, and runs each job that was running when it broke alone, one at a time: only a job that
kills its worker on its own fails ("工作进程异常退出"), the innocent ones are built. Each job marks its
start in a file, so the executor knows which were running; a job past its deadline (plus a grace) whose
worker no longer answers its own timer is killed from here. Workers die with the build (a thread
waits on the build's pidfd) and kernels with their worker (ipykernel watches its parent), and then the
forkserver (once no worker holds its pipe), so no process outlives a killed build.

On Dask: an unreachable scheduler or one without workers at the start is ``SchedulerUnavailable``
(exit 6); a scheduler lost mid-build (no worker again within the wait) fails each job not yet finished,
by name, and the build goes on to record them; a lost worker's jobs are retried by Dask (``retries``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import select
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Protocol, TypeVar

from nianbao.batch.job import Job, Outcome, run_job, timeout_message
from nianbao.batch.memory import release
from nianbao.errors import SchedulerUnavailable

IN_FLIGHT = 2  # jobs sent to the pool per worker at a time (one running, one waiting): the rest wait as inputs
GRACE = 30.0  # seconds past a job's deadline before its worker is killed from the parent
DASK_RETRIES = 2  # how often Dask runs a job again when the worker running it was lost
DASK_CONNECT = 10.0  # seconds to reach the scheduler
# Seconds without any worker before the build gives up (NIANBAO_DASK_WAIT overrides it).
DASK_NO_WORKER = float(os.environ.get("NIANBAO_DASK_WAIT") or 60.0)

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

    def abort(self) -> None: ...


class InlineExecutor:
    """Everything in this process (``--jobs 1``): one warm kernel."""

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        for job in jobs:
            yield run_job(job)

    def close(self) -> None:
        from nianbao.batch.warm_kernel import shutdown_all

        shutdown_all()

    def abort(self) -> None:
        self.close()


def process_context() -> multiprocessing.context.BaseContext:
    """The forkserver context every child of a build comes from, its server preloaded once."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def watch_build(build_pid: int) -> None:
    """End this worker when the build process ``build_pid`` ends, however it ends (SIGKILL included).

    Pool workers are children of the forkserver, not of the build, and each holds the forkserver's
    "alive" pipe, so neither goes away by itself when the build is killed: a daemon thread waits on the
    build's pidfd (Linux; elsewhere it polls) and exits the worker. The worker's kernels follow within a
    second (ipykernel ends when its parent does)."""

    def wait_then_exit() -> None:
        try:
            fd = os.pidfd_open(build_pid)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
        else:
            while True:
                try:
                    os.kill(build_pid, 0)
                except ProcessLookupError:
                    break
                except PermissionError:
                    pass
                time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=wait_then_exit, name="nianbao-watch-build", daemon=True).start()


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a short-lived child process, so what it imports and allocates (Great Expectations:
    ≈ 300 MB) is given back when it returns instead of staying in the parent for the whole build."""
    with ProcessPoolExecutor(
        max_workers=1, mp_context=process_context(), initializer=watch_build, initargs=(os.getpid(),)
    ) as pool:
        return pool.submit(fn, *args).result()


def _init_worker(build_pid: int) -> None:
    """Die with the build; shut the worker's warm kernel down when the pool ends the worker (atexit
    does not run there)."""
    from multiprocessing.util import Finalize

    from nianbao.batch.warm_kernel import shutdown_all

    watch_build(build_pid)
    Finalize(None, shutdown_all, exitpriority=10)


def _run_marked(job: Job, mark: str) -> Outcome:
    """``run_job`` in a pool worker, leaving "<pid> <start time>" in ``mark`` while it runs."""
    Path(mark).write_text(f"{os.getpid()} {time.time()}", encoding="ascii")
    try:
        return run_job(job)
    finally:
        Path(mark).unlink(missing_ok=True)
        release()  # what the report freed goes back to the system, not into this worker's high-water mark


def crashed_message(job: Job) -> str:
    return (
        f"{job.params_name}: 工作进程异常退出（可能是内存不足被系统终止，或被外部终止）；"
        "单独重试后仍然如此，其他报告不受影响"
    )


class LocalExecutor:
    """A pool of worker processes, each with its own warm kernel; a broken pool is replaced."""

    def __init__(self, workers: int):
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.size = 0
        self.marks = Path(tempfile.mkdtemp(prefix="nianbao-jobs-"))

    def _pool(self, size: int) -> ProcessPoolExecutor:
        if self.pool is None or self.size != size:
            self._drop_pool()
            self.pool = ProcessPoolExecutor(
                max_workers=size, mp_context=process_context(), initializer=_init_worker, initargs=(os.getpid(),)
            )
            self.size = size
        return self.pool

    def _drop_pool(self, kill: bool = False) -> None:
        pool, self.pool = self.pool, None
        if pool is None:
            return
        if kill:
            for proc in list(getattr(pool, "_processes", {}).values()):
                with contextlib.suppress(OSError):
                    proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def _started(self, i: int) -> tuple[int, float] | None:
        try:
            pid, start = (self.marks / str(i)).read_text(encoding="ascii").split()
            return int(pid), float(start)
        except (OSError, ValueError):
            return None

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        """Outcomes as jobs complete. ``jobs`` is taken lazily, ``IN_FLIGHT`` per worker at a time, and a job
        is forgotten once its outcome is yielded: the build's memory does not grow with the batch."""
        source = iter(enumerate(jobs))
        live: dict[int, Job] = {}  # taken from ``jobs`` and not finished
        queue: list[int] = []  # to run again in parallel (had not started when a pool broke)
        suspects: list[int] = []  # were running when a pool broke: run alone
        overdue: set[int] = set()
        breaks = 0
        exhausted = False

        def take() -> int | None:
            nonlocal exhausted
            if queue:
                return queue.pop(0)
            if exhausted:
                return None
            try:
                i, job = next(source)
            except StopIteration:
                exhausted = True
                return None
            live[i] = job
            return i

        while True:
            if queue or not exhausted:
                alone, size = False, self.workers if not exhausted else min(self.workers, len(queue))
            elif suspects:
                alone, size = True, 1
            else:
                return
            pool = self._pool(size)
            futures: dict[Future[Outcome], int] = {}
            broken: list[tuple[int, tuple[int, float] | None]] = []
            batch = [suspects.pop(0)] if alone else []

            limit = 1 if alone else IN_FLIGHT * size
            while True:
                while len(futures) < limit and not broken:  # nothing more goes to a broken pool
                    i = batch.pop() if batch else (None if alone else take())
                    if i is None:
                        break
                    futures[pool.submit(_run_marked, live[i], str(self.marks / str(i)))] = i
                if not futures:
                    break
                done, _ = wait(set(futures), timeout=1.0, return_when=FIRST_COMPLETED)
                for fut in done:
                    # Forget a finished future and its job: the future holds the report's files (≈ 0.7 MB)
                    i = futures.pop(fut)
                    try:
                        outcome = fut.result()
                    except BrokenProcessPool:
                        broken.append((i, self._started(i)))
                        continue
                    except Exception as err:  # the job could not be sent or its result not returned
                        name = live[i].params_name
                        outcome = Outcome(name, step="execute", message=f"{name}: 工作进程出错：{str(err)[:500]}")
                    breaks = 0  # the pool runs jobs: only breaks in a row say it cannot start
                    del live[i]
                    yield outcome
                self._kill_overdue(live, set(futures.values()), overdue)
            for i, _ in broken:
                (self.marks / str(i)).unlink(missing_ok=True)
            if not broken:
                continue
            breaks += 1
            self._drop_pool(kill=True)
            for i, started in broken:
                job = live[i]
                if alone and started is not None:  # it broke its worker on its own: the culprit
                    msg = timeout_message(job.params_name, job.timeout or 0) if i in overdue else None
                    del live[i]
                    yield Outcome(job.params_name, step="execute", message=msg or crashed_message(job))
                elif breaks > 2 * len(live) + 2:  # the pool itself cannot run (it never started a job)
                    del live[i]
                    yield Outcome(job.params_name, step="execute", message=f"{job.params_name}: 无法启动工作进程")
                elif started is not None:
                    suspects.append(i)
                else:
                    (suspects if alone else queue).append(i)

    def _kill_overdue(self, jobs: dict[int, Job], running: set[int], overdue: set[int]) -> None:
        now = time.time()
        for i in running:
            started, limit = self._started(i), jobs[i].timeout
            if started and limit and now - started[1] > limit + GRACE:
                overdue.add(i)
                with contextlib.suppress(OSError):
                    os.kill(started[0], signal.SIGKILL)

    def close(self) -> None:
        self._drop_pool()
        shutil.rmtree(self.marks, ignore_errors=True)

    def abort(self) -> None:
        """Stop now (the build was interrupted): kill the workers; their kernels follow them."""
        self._drop_pool(kill=True)
        shutil.rmtree(self.marks, ignore_errors=True)


class DaskExecutor:
    """Jobs sent to a Dask distributed scheduler; outputs come back as bytes and land in build/ here."""

    def __init__(self, address: str):
        from distributed import Client

        # distributed logs its own tracebacks when the scheduler goes away (reconnect attempts, cancelled
        # futures); the build says it in one line per report instead, so only its critical messages pass.
        for name in ("distributed", *(n for n in logging.root.manager.loggerDict if n.startswith("distributed."))):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self.client = Client(address, set_as_default=False, timeout=DASK_CONNECT)
        except (OSError, TimeoutError, ValueError) as err:
            raise SchedulerUnavailable(
                f"无法连接 Dask 调度器 {address}（{type(err).__name__}）；请确认地址正确、调度器已启动、网络可达"
            ) from None
        self.address = address

    def _wait_for_workers(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=DASK_NO_WORKER)
        except (OSError, TimeoutError) as err:
            raise SchedulerUnavailable(
                f"Dask 调度器 {self.address} 在 {DASK_NO_WORKER:g} 秒内没有可用的工作进程（{type(err).__name__}）；"
                "请先启动 dask worker"
            ) from None

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        from distributed import as_completed as dask_completed

        jobs = list(jobs)
        self._wait_for_workers()
        futures = self.client.map(run_job, jobs, pure=False, retries=DASK_RETRIES)
        by_key = {f.key: job for f, job in zip(futures, jobs, strict=True)}
        done = dask_completed(futures, loop=self.client.loop)
        left = set(by_key)
        while left:
            batch = done.next_batch(block=False)
            if not batch:
                if not self.client.scheduler_info().get("workers"):
                    try:
                        self._wait_for_workers()
                    except SchedulerUnavailable as err:  # lost mid-build: the jobs left fail, each by name
                        for key, job in by_key.items():
                            if key not in left:
                                continue
                            name = job.params_name
                            yield Outcome(name, step="execute", message=f"{name}: 未完成：{err}")
                        return
                time.sleep(0.2)
                continue
            for fut in batch:
                left.discard(fut.key)
                try:
                    yield fut.result()
                except (Exception, asyncio.CancelledError) as err:  # a lost scheduler cancels its futures
                    job = by_key[fut.key]
                    message = f"{job.params_name}: Dask 任务失败（已重试 {DASK_RETRIES} 次）：{str(err)[:500]}"
                    yield Outcome(job.params_name, step="execute", message=message)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()

    def abort(self) -> None:
        self.close()


def make_executor(jobs: int, scheduler: str | None = None) -> Executor:
    if scheduler:
        return DaskExecutor(scheduler)
    if jobs <= 1:
        return InlineExecutor()
    return LocalExecutor(jobs)
