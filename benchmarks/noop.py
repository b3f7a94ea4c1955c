"""No-op rebuild of N agency-years without building N reports first.

    .venv/bin/python benchmarks/noop.py [--count 1000] [--repeat 5]

Builds the seed agency-year once (`nianbao run`), then lays out N-1 more agency-years that are copies of it:
the seed's params with its agency id replaced under params/seed-copy-NNNN/2023.yaml (a params file's
folder must be its agency id), its outputs hard-linked into build/2023/seed-copy-NNNN/ and its state
record with the agency id replaced and the content key a real build would give the copy (computed by
nianbao's own `report_key`), so `nianbao build` finds all N current and rebuilds nothing. Prints the
median wall time of that command (the whole process: Python start-up, imports, the check, the summary)
over REPEAT runs, with the load average beside it, two ways, run by turns: as a user's no-op build runs it
— answered from the proof the previous no-op build wrote (`nianbao.batch.noop`: every input and output
stat'ed) — and the whole way (the proof removed before the run: every params file hashed, every state
record read, and the proof written again).

The commands run with bytecode written (`PYTHONDONTWRITEBYTECODE` unset), as on a user's machine: with it
set, as on the development machine, every run compiles nianbao's modules again (≈ 0.05 s).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_ID = "wltzq-hailiutu"
NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def fan_out(project: Path, count: int) -> None:
    """N-1 copies of the built seed: params, hard-linked outputs, state records."""
    from nianbao.batch.keys import report_key, shared_key
    from nianbao.project import DEFAULT_FORMATS

    params = (project / "params" / SEED_ID / "2023.yaml").read_text(encoding="utf-8")
    out = project / "build" / "2023" / SEED_ID
    state = json.loads((project / "build" / ".state" / "2023" / f"{SEED_ID}.json").read_text(encoding="utf-8"))
    notebooks = project / "notebooks"
    shared = shared_key(notebooks / "annual_report.ipynb", project / "expectations", notebooks / "graphic.ipynb")
    for i in range(1, count):
        agency = f"seed-copy-{i:04d}"
        (project / "params" / agency).mkdir(parents=True)
        copy = project / "params" / agency / "2023.yaml"
        copy.write_text(params.replace(f"id: {SEED_ID}", f"id: {agency}", 1), encoding="utf-8")
        dest = project / "build" / "2023" / agency
        dest.mkdir(parents=True)
        for f in out.iterdir():
            os.link(f, dest / f.name)
        record = json.loads(json.dumps(state).replace(SEED_ID, agency))
        record["key"] = report_key(shared, copy, copy.with_name("2022.yaml"), DEFAULT_FORMATS, None)
        (project / "build" / ".state" / "2023" / f"{agency}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="lay the project out in this (new) folder and keep it, e.g. to profile")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = args.keep or Path(tmp)
        shutil.copytree(ROOT / "notebooks", project / "notebooks")
        shutil.copytree(ROOT / "expectations", project / "expectations")
        (project / "params" / SEED_ID).mkdir(parents=True)
        shutil.copyfile(ROOT / "params" / SEED_ID / "2023.yaml", project / "params" / SEED_ID / "2023.yaml")
        subprocess.run([NIANBAO, "run", f"params/{SEED_ID}/2023.yaml"], cwd=project, check=True, capture_output=True)
        fan_out(project, args.count)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        first = subprocess.run([NIANBAO, "build"], cwd=project, capture_output=True, text=True, env=env)
        assert f"生成 0 份，未变跳过 {args.count} 份" in first.stdout, first.stdout + first.stderr
        proof = project / "build" / ".noop.json"
        time.sleep(1.1)  # what the first build wrote is older than the proof's racy second
        subprocess.run([NIANBAO, "build"], cwd=project, check=True, capture_output=True, env=env)
        assert proof.is_file(), "the no-op build wrote no proof"
        # The two ways alternate, so that both see the same machine (its speed here varies 2-3x in minutes).
        times: dict[str, list[float]] = {"answered from the proof": [], "the whole way (no proof)": []}
        for _ in range(args.repeat):
            for how, runs in times.items():
                if how.startswith("the whole way"):
                    proof.unlink(missing_ok=True)
                t0 = time.perf_counter()
                subprocess.run([NIANBAO, "build"], cwd=project, check=True, capture_output=True, env=env)
                runs.append(time.perf_counter() - t0)
                assert proof.is_file(), "the no-op build wrote no proof"
        for how, runs in times.items():
            print(
                f"no-op rebuild of {args.count} agency-years, {how}: median {statistics.median(runs):.2f} s "
                f"(min {min(runs):.2f}, max {max(runs):.2f}, {args.repeat} runs); load average {loadavg()}"
            )


if __name__ == "__main__":
    main()
