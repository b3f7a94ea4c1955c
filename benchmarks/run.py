"""Side-by-side benchmark: the naive papermill + nbconvert + WeasyPrint pipeline vs `nianbao build`.

On the same generated inputs, in one run:
  naive    per report: `papermill` CLI (Great Expectations inside the notebook), `jupyter nbconvert --to html`
           CLI, then WeasyPrint on that HTML — measured on a sample of the inputs;
  nianbao  `nianbao build` (warm kernels, one GX run per batch, exporters reused, PDF in the worker) on all
           of them; then a no-op rebuild; peak memory of the whole process tree (PSS and summed RSS).

    python benchmarks/run.py [--count 200] [--naive 10] [--noop-count 1000] [--jobs 2]

Prints a table; with --write appends it, dated, to benchmarks/RESULTS.md. `--noop-count 0` skips the big
set (benchmarks/noop.py and memory.py measure the no-op rebuild and memory of 1,000 more cheaply).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import NamedTuple

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ROOT, generate

BIN = Path(sys.executable).parent
# The naive pipeline's median per report on the day of the first table in RESULTS.md (when nianbao took
# 0.52 s per report). The machine's speed has since varied 2–3× from day to day; the naive pipeline, run
# beside nianbao, is the yardstick that puts a day's numbers on that first day's scale.
REFERENCE_NAIVE = 11.90


class Memory(NamedTuple):
    """Peak memory of a process tree, two ways (bytes; the PSS is sampled less often, see ``PeakMemory``).

    ``rss``: the sum of the processes' resident sizes — counts every shared page once per process that
    maps it (the forkserver's preloaded modules, the CJK fonts each worker maps), an upper bound.
    ``pss``: the sum of their proportional set sizes — a shared page split among its sharers, i.e. what
    the build occupies in the machine's memory."""

    rss: int = 0
    pss: int = 0

    def __str__(self) -> str:
        return f"{self.pss / 2**20:.0f} MiB PSS ({self.rss / 2**20:.0f} MiB summed RSS)"

    def most(self, other: Memory) -> Memory:
        return Memory(max(self.rss, other.rss), max(self.pss, other.pss))


class PeakMemory:
    """Peak memory of a process and all its descendants (``Memory``): the summed RSS sampled every 50 ms,
    the PSS at most once a second (reading a process's smaps costs the kernel milliseconds: sampled as
    often as the RSS, it took a core and slowed the build it measured by half)."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = Memory()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        last_pss = 0.0
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            rss = pss = 0
            with_pss = time.monotonic() - last_pss >= 1.0
            for p in procs:
                try:
                    if with_pss:
                        m = p.memory_full_info()
                        rss, pss = rss + m.rss, pss + m.pss
                    else:
                        rss += p.memory_info().rss
                except psutil.Error:
                    continue
            if with_pss:
                last_pss = time.monotonic()
            self.peak = self.peak.most(Memory(rss, pss))
            time.sleep(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def project(tmp: Path, count: int, seed: int) -> Path:
    shutil.copytree(ROOT / "notebooks", tmp / "notebooks")
    if (ROOT / "expectations").is_dir():
        shutil.copytree(ROOT / "expectations", tmp / "expectations")
    generate(tmp, count, seed=seed)
    return tmp


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, Memory]:
    """Wall seconds, exit code and peak memory of a command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with PeakMemory(proc.pid) as mem:
        rc = proc.wait()
    return time.perf_counter() - t0, rc, mem.peak


def naive(proj: Path, sample: int) -> tuple[list[float], int]:
    """Per-report seconds of the naive pipeline on the first `sample` valid params files, and the peak
    memory (bytes) of its biggest step's process tree (one report at a time)."""
    from nianbao.params import ParamsError, load_params

    files = []
    for f in sorted((proj / "params").rglob("*.yaml")):
        try:
            load_params(f)
        except ParamsError:
            continue
        files.append(f)
        if len(files) == sample:
            break
    out = proj / "naive"
    out.mkdir()
    times, peak = [], Memory()
    for i, f in enumerate(files):
        nb = out / f"{i}.ipynb"
        papermill = [str(BIN / "papermill"), "notebooks/annual_report.ipynb", str(nb), "-p", "params_file", str(f)]
        steps = [
            [*papermill, "--cwd", "notebooks"],
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", str(nb)],
            [str(BIN / "weasyprint"), str(nb.with_suffix(".html")), str(nb.with_suffix(".pdf"))],
        ]
        seconds = 0.0
        for cmd in steps:
            wall, rc, mem = timed(cmd, proj)
            if rc != 0:
                raise SystemExit(f"naive step failed ({rc}): {' '.join(cmd)}")
            seconds, peak = seconds + wall, peak.most(mem)
        times.append(seconds)
    return times, peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200, help="agency-years for the full rebuild")
    ap.add_argument("--naive", type=int, default=10, help="agency-years the naive pipeline runs (a sample)")
    ap.add_argument("--noop-count", type=int, default=1000, help="agency-years for the no-op rebuild and memory")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--write", action="store_true", help="append the table to benchmarks/RESULTS.md")
    args = ap.parse_args()
    nianbao = str(BIN / "nianbao")
    rows: list[tuple[str, str, str]] = []
    load_before = loadavg()
    with tempfile.TemporaryDirectory() as tmp:
        small = project(Path(tmp) / "small", args.count, seed=1)
        naive_times, naive_peak = naive(small, args.naive)
        naive_per = statistics.median(naive_times)
        # Without the Word file first (the same set, the same warm-up), then everything: the docx's share.
        lean = [nianbao, "build", "--force", "--jobs", str(args.jobs), "--to", "html,pdf"]
        wall_lean, _, _ = timed(lean, small)
        # The report alone: the same set without the 图解 and the batch overview notebooks (moved aside).
        extra = [small / "notebooks" / n for n in ("graphic.ipynb", "overview.ipynb")]
        for f in extra:
            f.rename(f.with_suffix(".aside"))
        try:
            bare = [nianbao, "build", "--force", "--jobs", str(args.jobs), "--to", "html,pdf"]
            wall_bare, _, _ = timed(bare, small)
        finally:
            for f in extra:
                f.with_suffix(".aside").rename(f)
        wall, rc, peak = timed([nianbao, "build", "--force", "--jobs", str(args.jobs)], small)
        per = wall / args.count
        noop_small = statistics.median(timed([nianbao, "build"], small)[0] for _ in range(3))
        wall_big = rc_big = peak_big = noop_big = None
        if args.noop_count:
            big = project(Path(tmp) / "big", args.noop_count, seed=2)
            wall_big, rc_big, peak_big = timed([nianbao, "build", "--jobs", str(args.jobs)], big)
            noop_big = statistics.median(timed([nianbao, "build"], big)[0] for _ in range(3))
    load_after = loadavg()
    rows += [
        (
            "per report",
            f"{naive_per:.2f} s (median of {len(naive_times)})",
            f"{per:.3f} s (wall / {args.count}, --jobs {args.jobs})",
        ),
        (
            "per report without report.docx (`--to html,pdf`)",
            "",
            f"{wall_lean / args.count:.3f} s (Word file: {(wall - wall_lean) / args.count:+.3f} s per report)",
        ),
        (
            "per report without report.docx, the 图解 and the overview notebook",
            "",
            f"{wall_bare / args.count:.3f} s "
            f"(图解 + overview: {(wall_lean - wall_bare) / args.count:+.3f} s per report)",
        ),
        (
            f"per report at the first table's machine speed (naive {REFERENCE_NAIVE:.2f} s there)",
            "",
            f"{per * REFERENCE_NAIVE / naive_per:.3f} s (× {REFERENCE_NAIVE:.2f} / {naive_per:.2f})",
        ),
        (
            f"batch wall time, {args.count} agency-years",
            f"{naive_per * args.count:.0f} s (extrapolated)",
            f"{wall:.1f} s (exit {rc})",
        ),
        (f"no-op rebuild, {args.count}", f"{naive_per * args.count:.0f} s (rebuilds all)", f"{noop_small:.2f} s"),
        (
            f"peak memory, {args.count}",
            f"{naive_peak} (one report at a time)",
            f"{peak} (process tree)",
        ),
    ]
    if wall_big is not None and noop_big is not None and peak_big is not None:
        n = args.noop_count
        rows += [
            (
                f"batch wall time, {n} agency-years",
                f"{naive_per * n:.0f} s (extrapolated)",
                f"{wall_big:.1f} s, {wall_big / n:.3f} s per report (exit {rc_big})",
            ),
            (f"no-op rebuild, {n}", f"{naive_per * n:.0f} s (rebuilds all)", f"{noop_big:.2f} s"),
            (f"peak memory, {n}", f"{naive_peak}", f"{peak_big} (process tree)"),
        ]
    rows.append(("ratio naive / nianbao per report", "", f"{naive_per / per:.1f}×"))
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}; load average {load_before} before, {load_after} after"
    )
    header = ("measure", "naive papermill + nbconvert + WeasyPrint CLIs", "nianbao build")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [header, *rows])
    print(machine)
    print(text)
    if args.write:
        table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as f:
            f.write(
                f"\n## `benchmarks/run.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n"
                f"Count {args.count}, naive sample {args.naive}, no-op count {args.noop_count or 'not run'} on "
                f"{machine}. The generated sets include three params files broken on purpose, hence exit 2; "
                "per-report cost is wall time over all of them, start-up included.\n\n"
                f"| measure | {header[1]} | {header[2]} |\n|---|---|---|\n{table}\n"
            )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


if __name__ == "__main__":
    main()
