"""The batch step's cost: build/data/ (the open data) and build/overview.html, for N agency-years.

    .venv/bin/python benchmarks/overview.py [--count 200] [--repeat 3]

Generates N synthetic agency-years (``generate.py``, no broken files), validates them in one Great
Expectations run and lays out what a build leaves behind for each — its state record and findings.json —
without executing N report notebooks (the overview reads only those and the params files). Then times,
in this process: the export of build/data/ (cells CSV and Parquet, findings, schema), the overview
notebook's execution and export (papermill, a fresh kernel, nbconvert), and the check a no-op build makes
(the key and the published files), each the median of REPEAT runs (the export once cold, every params
file read, then with the rows cached, as after a build that changed one report), with the load average. The per-report
cost beside it comes from ``RESULTS.md`` (the side-by-side benchmark).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nianbao import atomic
from nianbao.batch import overview
from nianbao.batch.state import ReportState, all_states, write_state
from nianbao.params import load_params
from nianbao.project import Project
from nianbao.publish import open_data
from nianbao.validation.validator import key_of, validate_batch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def lay_out(project: Project, count: int) -> None:
    """N agency-years as a build leaves them: state records (built) and findings.json."""
    generate(project.root, count, seed=11, invalid=0)
    files = sorted(project.params_dir.glob("*/*.yaml"))
    items = [load_params(f) for f in files]
    found = validate_batch(items, {key_of(p): p for p in items}, suites_dir=project.expectations_dir)
    for f, p in zip(files, items, strict=True):
        rel = str(f.relative_to(project.root))
        findings = [x.to_dict() for x in found[key_of(p)]]
        out = project.out_dir(p.agency.id, p.year)
        doc = {"format": p.fmt.version, "findings": findings, "decisions": []}
        atomic.write_text(out / "findings.json", json.dumps(doc, ensure_ascii=False))
        rules = tuple({(x["rule_id"], x["severity"], x["title"]): None for x in findings})
        write_state(
            project,
            ReportState(
                rel,
                "built",
                agency_id=p.agency.id,
                year=p.year,
                agency=p.agency.name,
                key=f"bench-{rel}",
                outputs=("findings.json",),
                errors=sum(x["severity"] == "error" for x in findings),
                warnings=sum(x["severity"] == "warning" for x in findings),
                open_rules=rules,
            ),
        )


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp))
        shutil.copytree(ROOT / "notebooks", project.root / "notebooks")
        shutil.copytree(ROOT / "expectations", project.root / "expectations")
        lay_out(project, args.count)
        states = all_states(project)
        t0 = time.perf_counter()
        open_data.export(project, states)  # cold: every params file read
        cold = time.perf_counter() - t0
        export = median(lambda: open_data.export(project, states), args.repeat)  # warm: rows from the cache
        notebook = median(lambda: overview.render(project), args.repeat)
        first = overview.refresh(project, states)
        assert first.status == "built", first.message
        noop = median(lambda: overview.refresh(project, states), max(args.repeat, 5))
        assert overview.refresh(project, states).status == "skipped"
        data = open_data.data_dir(project)
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:,.0f} KiB" for p in sorted(data.iterdir()))
        page = (project.build_dir / overview.PAGE).stat().st_size / 1024
        print(
            f"overview of {len(states)} agency-years ({first.cells:,} cells): export of build/data/ "
            f"{cold:.2f} s cold, {export:.2f} s with every report's rows cached, "
            f"notebook (papermill + nbconvert) {notebook:.2f} s, no-op check {noop * 1000:.0f} ms "
            f"(medians of {args.repeat}); overview.html {page:,.0f} KiB; {sizes}; load average {loadavg()}"
        )


if __name__ == "__main__":
    main()
