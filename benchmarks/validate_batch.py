"""Measure Great Expectations validation: import cost, one agency-year alone, and a batch of N in one run.

    .venv/bin/python benchmarks/validate_batch.py [N]      (default N = 200)

The batch holds N synthetic agency-years (the seed with varied numbers, half of them the previous
year of the other half so the cross-year rules run too, a few with broken sums); each figure is the
median of several runs in this process after a warm-up.
"""

from __future__ import annotations

import copy
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "params" / "wltzq-hailiutu" / "2023.yaml"


def gx_import_seconds(runs: int = 3) -> float:
    code = "import time; t = time.perf_counter(); import great_expectations; print(time.perf_counter() - t)"
    out = [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]
    return statistics.median(out)


def synthetic(n: int) -> list:
    from nianbao.params import from_mapping, load_params

    base = load_params(SEED).to_params()
    items = []
    for i in range(n):
        d = copy.deepcopy(base)
        d["agency"]["id"] = f"agency-{i // 2:04d}"
        d["year"] = 2022 + i % 2
        d["issued"] = f"{d['year'] + 1}年1月12日"
        k = i % 7
        t3 = d["tables"]["t3"]
        t3["new"] = [k, 1, 0, 0, 0, 0, k + 1]
        t3["outcome"]["disclosed"] = [k, 1, 0, 0, 0, 0, k + 1]
        t3["outcome"]["total"] = [k, 1, 0, 0, 0, 0, k + 1 + (1 if i % 10 == 0 else 0)]  # every tenth: a broken sum
        items.append(from_mapping(d))
    return items


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"import great_expectations (fresh process, median of 3): {gx_import_seconds():.2f} s")
    from nianbao.validation.validator import validate_batch, validate_one

    items = synthetic(n)
    validate_one(items[0])  # warm-up: imports GX, compiles metrics
    one = statistics.median(_time(lambda: validate_one(items[1])) for _ in range(5))
    batch = [_time(lambda: validate_batch(items)) for _ in range(3)]
    found = validate_batch(items)
    errors = sum(f.is_error for fs in found.values() for f in fs)
    print(f"one agency-year alone (one GX run): {one:.3f} s")
    print(
        f"{n} agency-years in one GX run: {statistics.median(batch):.2f} s "
        f"= {statistics.median(batch) / n * 1000:.1f} ms per agency-year ({errors} error findings)"
    )


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
