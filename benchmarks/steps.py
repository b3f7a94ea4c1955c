"""Where one report's time goes in a warm build worker: each step of ``nianbao.batch.job.run_job``, timed.

    .venv/bin/python benchmarks/steps.py [PARAMS.yaml] [--rounds 10] [--profile OUT.prof]

Runs the seed agency-year (or PARAMS) as a build worker does — the ``nianbao_warm`` kernel, the exporters
reused, the PDF from the report page — once to warm up, then ROUNDS times, and prints each step's median
wall time and the worker's CPU time beside it (the kernel's CPU for the execute step), the load average
of the machine before and after, and the notebooks' most costly cells. The 图解 (the second notebook,
``notebooks/graphic.ipynb``, executed in the same warm kernel, and its page and charts) is timed in steps of
its own; give a params file of an agency with earlier years (read from its folder, as the build does) to
include the trend chart. ``--profile`` also writes a
cProfile of the export steps (``python -m pstats OUT.prof``).

Wall times move with the machine's load; the CPU times move less, and the shares are what to compare.
"""

from __future__ import annotations

import argparse
import cProfile
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "wltzq-hailiutu" / "2023.yaml"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def kernel_process() -> psutil.Process | None:
    """The warm kernel of this process (a child process), for its CPU time."""
    from nianbao.batch.warm_kernel import _KERNELS

    for kernel in _KERNELS.values():
        provisioner = getattr(kernel.client.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is not None:
            return psutil.Process(process.pid)
    return None


def cpu(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    times = process.cpu_times()
    return times.user + times.system


class Steps:
    """Wall and CPU seconds per named step, over rounds."""

    def __init__(self) -> None:
        self.wall: dict[str, list[float]] = defaultdict(list)
        self.cpu: dict[str, list[float]] = defaultdict(list)

    def time(self, name: str, fn: Callable[[], Any], kernel: psutil.Process | None = None) -> Any:
        c0, k0, t0 = time.process_time(), cpu(kernel), time.perf_counter()
        result = fn()
        self.wall[name].append(time.perf_counter() - t0)
        self.cpu[name].append(time.process_time() - c0 + cpu(kernel) - k0)
        return result


def one_report(
    job: Any, steps: Steps | None, cells: dict[str, list[float]] | None, profile: cProfile.Profile | None
) -> None:
    from nianbao.batch.execute import execute_node
    from nianbao.batch.job import _notebook, findings_json
    from nianbao.batch.provenance import stamp
    from nianbao.publish.outputs import exporter

    s = steps or Steps()
    parameters = {"params_file": job.params_name, **job.params, **job.parameters}
    nb = s.time(
        "execute (papermill, warm kernel)",
        lambda: execute_node(_notebook(job.notebook), parameters=parameters, engine_name=job.engine),
        kernel_process(),
    )
    if cells is not None:
        for cell in nb.cells:
            duration = cell.metadata.get("papermill", {}).get("duration")
            if duration is not None:
                cells[cell.get("id", "?")].append(duration)
    s.time("stamp provenance", lambda: stamp(nb, job.provenance))
    s.time("report.ipynb (nbformat.writes)", lambda: nbformat.writes(nb).encode())
    if profile is not None:
        profile.enable()
    html, _ = s.time("report.html", lambda: exporter("html").from_notebook_node(nb))
    s.time("review.html", lambda: exporter("review").from_notebook_node(nb))
    pdf = exporter("pdf")
    if hasattr(pdf, "from_html"):  # as render_all does: the PDF typesets the page just rendered
        s.time("report.pdf", lambda: pdf.from_html(html))
    else:  # the code before it could
        s.time("report.pdf", lambda: pdf.from_notebook_node(nb))
    s.time("report.docx", lambda: exporter("docx").from_notebook_node(nb))
    if profile is not None:
        profile.disable()
    s.time("findings.json", lambda: findings_json(job))
    if job.graphic is None:
        return
    from nianbao.publish.graphic_page import chart_files

    graphic = s.time(
        "图解 execute (graphic.ipynb, warm kernel)",
        lambda: execute_node(
            _notebook(job.graphic),
            parameters={"params_file": job.params_name, **job.params, "years": list(job.years)},
            engine_name=job.engine,
        ),
        kernel_process(),
    )
    if cells is not None:
        for cell in graphic.cells:
            duration = cell.metadata.get("papermill", {}).get("duration")
            if duration is not None:
                cells[cell.get("id", "?")].append(duration)
    s.time("graphic.html", lambda: exporter("graphic").from_notebook_node(graphic))
    s.time("graphic-*.svg/.png (from the outputs)", lambda: chart_files(graphic))


def make_job(params_file: Path) -> Any:
    from nianbao.batch import provenance
    from nianbao.batch.job import Job
    from nianbao.batch.pipeline import earlier_years
    from nianbao.params import load_params
    from nianbao.project import DEFAULT_FORMATS, find_project
    from nianbao.validation.validator import previous_year, validate_one

    project = find_project(params_file.parent)
    params = load_params(params_file)
    findings = [f.to_dict() for f in validate_one(params, previous_year(params_file))]
    previous = params_file.with_name(f"{params.year - 1}.yaml")
    earlier = earlier_years(params_file.parent, params.year)
    graphic = project.graphic_notebook if project.graphic_notebook.is_file() else None
    record = provenance.record(
        provenance.shared_inputs(project.notebook, project.expectations_dir, graphic),
        provenance.report_inputs(params_file, previous, DEFAULT_FORMATS, None, earlier=earlier),
    )
    return Job(
        params_name=str(params_file),
        params=params.to_params(),
        notebook=project.notebook.read_text(encoding="utf-8"),
        formats=DEFAULT_FORMATS,
        parameters={"findings": findings},
        provenance=record,
        graphic=graphic.read_text(encoding="utf-8") if graphic else None,
        years=tuple(load_params(p).to_params() for p in earlier),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("params", nargs="?", type=Path, default=SEED)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--profile", type=Path, help="write a cProfile of the export steps here")
    args = ap.parse_args()
    import logging

    logging.getLogger("papermill").setLevel(logging.ERROR)
    job = make_job(args.params.resolve())
    before = loadavg()
    one_report(job, None, None, None)  # warm-up: kernel start, imports, template compile, fonts
    steps, cells = Steps(), defaultdict(list)
    profile = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    for _ in range(args.rounds):
        one_report(job, steps, cells, profile)
    total = time.perf_counter() - t0
    if profile is not None:
        profile.dump_stats(args.profile)
    width = max(map(len, steps.wall))
    print(f"{args.params.name}: {args.rounds} rounds after a warm-up; load average {before} -> {loadavg()}")
    print(f"{'step'.ljust(width)}  wall median   CPU median   CPU share")
    cpu_total = sum(statistics.median(v) for v in steps.cpu.values())
    for name in steps.wall:
        w, c = statistics.median(steps.wall[name]), statistics.median(steps.cpu[name])
        print(f"{name.ljust(width)}  {w:9.3f} s  {c:9.3f} s  {100 * c / cpu_total:7.1f} %")
    print(f"{'per report (wall, all steps)'.ljust(width)}  {total / args.rounds:9.3f} s  {cpu_total:9.3f} s")
    print("most costly notebook cells (papermill's duration, median):")
    for cell, durations in sorted(cells.items(), key=lambda kv: -statistics.median(kv[1]))[:5]:
        print(f"  {cell:24} {statistics.median(durations):.3f} s")
    from nianbao.batch.warm_kernel import shutdown_all

    shutdown_all()


if __name__ == "__main__":
    main()
