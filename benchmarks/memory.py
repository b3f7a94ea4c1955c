"""How a build's memory grows with the number of agency-years — without rendering them all.

    .venv/bin/python benchmarks/memory.py [--count 1000] [--jobs 2]

Runs the real build pipeline (discovery, keys, params checking, one Great Expectations run for the batch in
a child process, the pool of workers, atomic writes, state records, the index) on COUNT generated
agency-years, with one thing replaced: each worker returns, at once, files of the seed report's sizes
(report.pdf 520 KB of random bytes, the pages, the notebook, findings.json) instead of executing and
rendering the report. What the parent keeps per report therefore shows up as it would in a real build of
that size. Prints the peak resident memory of the whole process tree and of the parent alone, sampled
every 50 ms, with the load average. A real worker adds its kernel and WeasyPrint with the CJK fonts
(about 300-400 MB per worker, independent of COUNT): see ``benchmarks/run.py`` on a small batch.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# File name -> bytes of the seed agency-year's outputs (close to every generated report's).
SIZES = {
    "report.pdf": 520_000,
    "report.html": 45_000,
    "review.html": 51_000,
    "report.ipynb": 88_000,
    "findings.json": 4_000,
}


def stand_in_job(job: Any) -> Any:
    """What a worker returns for ``job``, without a kernel or WeasyPrint (runs in the pool's workers)."""
    from nianbao.batch.job import Outcome

    return Outcome(job.params_name, files={name: os.urandom(size) for name, size in SIZES.items()})


def stand_in_marked(job: Any, mark: str) -> Any:
    """The pool's per-job function (``nianbao.batch.pool._run_marked``) with the stand-in in place of the report."""
    return stand_in_job(job)


class Peak:
    """Peak RSS of this process (``parent``) and of it with all its descendants (``tree``)."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.parent = self.tree = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            own = self.me.memory_info().rss
            total = own
            for child in self.me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.parent, self.tree = max(self.parent, own), max(self.tree, total)
            time.sleep(0.05)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    import shutil

    import memory  # this module under its importable name, so that workers can unpickle the stand-in
    from generate import ROOT, generate

    import nianbao.batch.pool as pool
    from nianbao.batch.pipeline import build
    from nianbao.project import Project

    # What the pool sends to its workers (by reference, so the workers run this module's stand-in).
    pool._run_marked = memory.stand_in_marked  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        shutil.copytree(ROOT / "expectations", root / "expectations")
        generate(root, args.count, seed=5, broken_share=0.0, invalid=0)
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        t0 = time.perf_counter()
        with Peak() as peak:
            summary = build(Project(root), [root / "params"], jobs=args.jobs, force=True)
        wall = time.perf_counter() - t0
    print(
        f"{args.count} agency-years, --jobs {args.jobs}, stand-in workers: built {len(summary.built)}, "
        f"failed {len(summary.failed)} in {wall:.1f} s; peak RSS parent {peak.parent / 2**20:.0f} MiB, "
        f"process tree {peak.tree / 2**20:.0f} MiB; load average {load}"
    )


if __name__ == "__main__":
    main()
