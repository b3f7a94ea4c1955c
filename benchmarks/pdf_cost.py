"""Per-report cost of publishing the PDF and the Word file, in one process with the exporters reused (as a batch does).

Usage: .venv/bin/python benchmarks/pdf_cost.py [PARAMS.yaml] [ROUNDS]
Executes the report notebook once, then times the HTML, PDF and Word exports after a warm-up.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from nianbao.batch.execute import execute
from nianbao.project import find_project
from nianbao.publish.outputs import exporter


def main() -> None:
    params = Path(sys.argv[1] if len(sys.argv) > 1 else "params/wltzq-hailiutu/2023.yaml")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    nb = execute(find_project(params.parent).notebook, params)
    for name in ("html", "pdf", "docx"):
        exp = exporter(name)
        t0 = time.perf_counter()
        exp.from_notebook_node(nb)
        first = time.perf_counter() - t0
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            body, _ = exp.from_notebook_node(nb)
            times.append(time.perf_counter() - t0)
        print(
            f"{name:4}  first {first:.3f} s   then median {statistics.median(times):.3f} s"
            f"  (min {min(times):.3f}, max {max(times):.3f}, {rounds} rounds)  {len(body):,} bytes"
        )


if __name__ == "__main__":
    main()
