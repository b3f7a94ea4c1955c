"""Reliability: nothing published is ever lost, and a failure stays with what caused it (issue 15).

Each test reproduces one defect the issue measured, on a tiny project (the seed agency-year and two
copies under other agency ids, built once), and asserts what a user would notice: the exit code, a
message naming the file and the cell, and that every previously published output is still there,
byte for byte, unless a complete better one replaced it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from nianbao.batch.lock import build_lock
from nianbao.publish.outputs import CHART_FORMATS, OUTPUTS, chart_output
from support import NIANBAO, SEED_ID, make_project

AGENCIES = (SEED_ID, "b-one", "c-two")
# What a report of one year publishes: every output but the 图解's trend chart (a trend needs two years).
ONE_YEAR = {o.filename for o in OUTPUTS} - {chart_output("trend", ext).filename for ext in CHART_FORMATS}


def nb(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [NIANBAO, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def published(project: Path) -> dict[str, str]:
    """Every published output under build/<year>/ → its sha256."""
    return {
        str(p.relative_to(project / "build")): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((project / "build").glob("[0-9]*/*/*"))
        if p.is_file()
    }


def kept(project: Path, before: dict[str, str]) -> bool:
    """Every output published before is still there and the same, except a rebuilt report's executed
    notebook (papermill records run times in it): that one is present and not empty."""
    now = published(project)
    for name, digest in before.items():
        if name.endswith("report.ipynb"):
            if not (project / "build" / name).stat().st_size:
                return False
        elif now.get(name) != digest:
            return False
    return set(now) == set(before)


def state(project: Path, agency: str, year: int = 2023) -> dict:
    return json.loads((project / "build" / ".state" / str(year) / f"{agency}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = make_project(tmp_path_factory.mktemp("reliable"))
    seed = project / "params" / SEED_ID / "2023.yaml"
    for agency in AGENCIES[1:]:
        target = project / "params" / agency / "2023.yaml"
        target.parent.mkdir()
        target.write_text(seed.read_text(encoding="utf-8").replace(f"id: {SEED_ID}", f"id: {agency}"), "utf-8")
    result = nb("build", "-j", "2", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(published(project)) == len(AGENCIES) * len(ONE_YEAR)  # every output of every report
    return project


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project (times kept), for a test to damage."""
    copy = tmp_path / "project"
    shutil.copytree(built, copy, symlinks=True)
    return copy


def test_a_killed_worker_fails_only_its_report_and_keeps_its_outputs(project: Path):
    """As the OOM killer would: b-one's job SIGKILLs its own pool worker, every time it runs."""
    before = published(project)
    result = nb("build", "--force", "-j", "2", cwd=project, env={"NIANBAO_FAULT": "kill-worker:b-one"})
    assert result.returncode == 2, result.stdout + result.stderr
    # The innocent jobs, broken with the pool, were run again, not failed.
    assert state(project, SEED_ID)["status"] == "built" and state(project, "c-two")["status"] == "built"
    killed = state(project, "b-one")
    assert killed["status"] == "failed" and "工作进程异常退出" in killed["message"]
    assert kept(project, before)  # nothing lost; the rebuilt reports are byte-identical
    assert "生成 2 份" in result.stdout and "失败 1 份（其中 1 份保留上次成功生成的文件，已标为过期）" in result.stdout
    index = (project / "build" / "index.html").read_text(encoding="utf-8")
    assert index.count("上次成功生成于") == 1 and "本次失败：执行笔记本" in index
    assert 'href="2023/b-one/report.pdf"' in index  # the stale outputs stay linked


def test_a_runaway_report_times_out_alone(project: Path):
    before = published(project)
    result = nb(
        "run", "params/c-two/2023.yaml", f"params/{SEED_ID}/2023.yaml", "-j", "2", "--timeout", "90",
        cwd=project, env={"NIANBAO_FAULT": "hang:c-two"},
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert "超过 90 秒仍未完成" in state(project, "c-two")["message"]
    assert state(project, SEED_ID)["status"] == "built"
    assert kept(project, before)


def test_a_bad_value_fails_only_its_file_names_the_cell_and_keeps_the_outputs(project: Path):
    before = published(project)
    params = project / "params" / "b-one" / "2023.yaml"
    text = params.read_text(encoding="utf-8")
    params.write_text(text.replace("new: [0, 0, 0, 0, 0, 0, 0]", "new: [9223372036854775808, 0, 0, 0, 0, 0, 0]"))
    result = nb("build", cwd=project)
    assert result.returncode == 2
    assert "未变跳过 2 份，失败 1 份（其中 1 份保留上次成功生成的文件" in result.stdout
    message = state(project, "b-one")["message"]
    assert message.startswith("params/b-one/2023.yaml: 参数有误（1 处）")
    assert "「一、本年新收政府信息公开申请数量」行「自然人」列" in message and "不超过 10^12" in message
    assert published(project) == before


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_a_missing_or_empty_params_folder_is_an_error_and_removes_nothing(project: Path, how: str):
    before = published(project)
    shutil.rmtree(project / "params")
    if how == "empty":
        (project / "params").mkdir()
    result = nb("build", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert ("找不到参数文件夹" if how == "missing" else "没有找到参数文件") in result.stderr
    assert "未改动任何已发布的报告" in result.stderr and "Traceback" not in result.stderr
    assert published(project) == before


def test_duplicates_odd_names_nested_folders_and_symlinks_are_reported_and_the_rest_kept(project: Path):
    before = published(project)
    params = project / "params"
    text = (params / "b-one" / "2023.yaml").read_text(encoding="utf-8")
    odd = {
        "b-one/2023.yml": "重复",  # the same agency-year twice: b-one/2023.yaml is reported too
        "g/b-one/2023.yaml": "不能放在下级文件夹中",
        "c-two/²⁰²³.yaml": "文件名或文件夹名不合规则",
        "c-two/02023.yaml": "文件名或文件夹名不合规则",
        "Weird Name/2023.yaml": "文件名或文件夹名不合规则",
    }
    for rel in odd:
        (params / rel).parent.mkdir(parents=True, exist_ok=True)
        (params / rel).write_text(text, encoding="utf-8")
    (params / "linked").symlink_to(params / "c-two", target_is_directory=True)
    result = nb("build", cwd=project, env={"COLUMNS": "400"})
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for rel, why in odd.items():
        assert any(f"params/{rel}: " in line and why in line for line in lines), rel
    dup = state(project, "b-one")
    assert dup["status"] == "failed" and "重复" in dup["message"] and "params/b-one/2023.yml" in dup["message"]
    linked = state(project, "linked")  # the folder's name is the id, never the symlink's target
    assert linked["status"] == "failed" and "agency.id 为 'c-two'" in linked["message"]
    assert not (project / "build" / "2023" / "Weird Name").exists()
    assert state(project, SEED_ID)["status"] == "built" and state(project, "c-two")["status"] == "built"
    assert published(project) == before


def test_a_second_build_waits_then_names_the_holder_and_sweeps_nothing_of_it(project: Path):
    before = published(project)
    temporary = project / "build" / "2023" / "b-one" / ".report.pdf.tmp-running"
    with build_lock(project / "build"):
        temporary.write_bytes(b"a running build's half-written file")
        result = nb("build", "--wait", "1", cwd=project)
        assert result.returncode == 3, result.stdout + result.stderr
        assert f"pid {os.getpid()}" in result.stderr and "等待 1 秒后仍未释放" in result.stderr
        assert temporary.exists()  # the running build's temporaries are left alone
    # The holder is gone as a killed build goes: flock released with its process, its name left in the file.
    (project / "build" / ".lock").write_text(f"pid {os.getpid()} · 主机 test · 开始于 2026-01-01T00:00:00Z\n")
    result = nb("build", cwd=project)
    assert result.returncode == 0 and "未变跳过 3 份" in result.stdout
    assert not temporary.exists()  # now a dead build's temporary: swept
    assert published(project) == before


def _tagged(tag: str) -> list[int]:
    """Processes whose environment carries ``tag``: the build and everything it started."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if tag.encode() in (proc / "environ").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _kernels(pids: list[int]) -> list[int]:
    out = []
    for pid in pids:
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            continue
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stopping_the_build_leaves_no_process_and_loses_nothing(project: Path, sig: signal.Signals):
    before = published(project)
    tag = f"NIANBAO_TEST_TAG={uuid.uuid4().hex}"
    key, value = tag.split("=")
    proc = subprocess.Popen(
        [NIANBAO, "build", "--force", "-j", "2"],
        cwd=project,
        env={**os.environ, key: value},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not _kernels(_tagged(tag)) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        assert proc.poll() is None and _kernels(_tagged(tag)), "no kernel started"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "已终止（SIGTERM）" in err, err
    left: list[int] = []
    for _ in range(50):  # kernels poll their parent once a second
        left = [p for p in _tagged(tag) if p != os.getpid()]
        if not left:
            break
        time.sleep(0.2)
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes() for p in left if Path(f"/proc/{p}").exists()]
    assert kept(project, before)  # every report: its old outputs or an identical new set
    assert not list((project / "build").rglob("*.tmp-*")) or sig == signal.SIGKILL


def test_tampered_empty_and_missing_outputs_are_made_again(project: Path):
    before = published(project)
    seed_html = project / "build" / "2023" / SEED_ID / "report.html"
    os.utime(seed_html, ns=(time.time_ns(), time.time_ns()))  # touched, same bytes: still current
    result = nb("build", cwd=project)
    assert "未变跳过 3 份" in result.stdout
    (project / "build" / "2023" / "b-one" / "report.pdf").write_bytes(b"")
    review = project / "build" / "2023" / "c-two" / "review.html"
    data = bytearray(review.read_bytes())
    data[-20] = ord("X") if data[-20] != ord("X") else ord("Y")
    review.write_bytes(bytes(data))  # same size, other bytes
    (project / "build" / "2023" / "c-two" / "findings.json").unlink()
    result = nb("build", "-j", "2", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "生成 2 份，未变跳过 1 份" in result.stdout
    assert kept(project, before)
    record = state(project, "b-one")["files"]
    assert {f["name"] for f in record} == ONE_YEAR
    assert all(f["size"] > 0 and len(f["sha256"]) == 64 for f in record)


def _mount_tmpfs(where: Path, size: int) -> bool:
    where.mkdir(exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    return done.returncode == 0


def test_a_full_or_read_only_disk_is_one_line_its_own_exit_code_and_loses_nothing(project: Path):
    """On a real 2 MB-headroom tmpfs where the system lets us mount one (root in CI); elsewhere the
    full disk is injected (``NIANBAO_FAULT=enospc:…``) and the read-only case is not reproducible."""
    before = published(project)
    saved = project / "build-saved"
    shutil.move(project / "build", saved)
    used = sum(p.stat().st_size for p in saved.rglob("*") if p.is_file())
    mounted = _mount_tmpfs(project / "build", used + 200_000)
    try:
        shutil.copytree(saved, project / "build", dirs_exist_ok=True)
        env = {} if mounted else {"NIANBAO_FAULT": "enospc:b-one"}
        result = nb("run", "params/b-one/2023.yaml", "-j", "1", cwd=project, env=env)
        assert result.returncode == 4, result.stdout + result.stderr
        assert "磁盘已满" in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert published(project) == before
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(project / "build")], check=True)
            result = nb("build", "--force", cwd=project)
            assert result.returncode == 5, result.stdout + result.stderr
            assert "无法写入" in result.stderr and "只读" in result.stderr and "Traceback" not in result.stderr
            assert published(project) == before
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(project / "build")], check=False)


def test_an_unreachable_scheduler_is_one_line_and_exit_6(project: Path):
    before = published(project)
    result = nb("build", "--force", "--scheduler", "tcp://127.0.0.1:9", cwd=project)
    assert result.returncode == 6, result.stdout + result.stderr
    assert "无法连接 Dask 调度器 tcp://127.0.0.1:9" in result.stderr and "Traceback" not in result.stderr
    assert published(project) == before


def test_a_scheduler_without_workers_times_out_instead_of_waiting_forever(project: Path):
    from distributed import LocalCluster

    before = published(project)
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        result = nb(
            "build", "--force", "--scheduler", cluster.scheduler_address,
            cwd=project, env={"NIANBAO_DASK_WAIT": "3"}, timeout=300,
        )  # fmt: skip
    assert result.returncode == 6, result.stdout + result.stderr
    assert "在 3 秒内没有可用的工作进程" in result.stderr and "Traceback" not in result.stderr
    assert published(project) == before


def test_paths_and_params_text_are_never_read_as_rich_markup(project: Path, tmp_path: Path):
    odd = tmp_path / "odd[" / "]bold[/]" / "2023.yaml"
    odd.parent.mkdir(parents=True)
    odd.write_text("agency: {id: b-one, name: '[bold]x[/]'}\n", encoding="utf-8")
    result = nb("run", str(odd), cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and f"✗ {odd}" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scheduler_lost_mid_build_fails_its_jobs_and_loses_nothing(project: Path):
    """The Dask scheduler is killed while c-two's job runs (it hangs): the build ends, says which reports
    failed, and every output published before is still there; the reports built before the loss count."""
    before = published(project)
    dask = str(Path(NIANBAO).parent / "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet
    )
    worker = subprocess.Popen(
        [dask, "worker", address, "--nthreads", "2", "--no-dashboard", "--nworkers", "1"],
        env={**os.environ, "NIANBAO_FAULT": "hang:c-two"},
        **quiet,
    )
    build = None
    try:
        t0 = time.time()
        build = subprocess.Popen(
            [NIANBAO, "build", "--force", "--scheduler", address],
            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        others = [project / "build" / ".state" / "2023" / f"{a}.json" for a in AGENCIES if a != "c-two"]
        while time.time() - t0 < 400 and not all(p.stat().st_mtime > t0 for p in others):
            assert build.poll() is None, build.communicate()
            time.sleep(1)
        assert all(p.stat().st_mtime > t0 for p in others), "the innocent reports were not built in time"
        scheduler.kill()  # lost mid-build: c-two's job is still running
        out, err = build.communicate(timeout=300)
    finally:
        for proc in (build, worker, scheduler):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert build.returncode not in (0, 1), out + err
    assert "Traceback" not in err, err[-3000:]
    assert "c-two" in out + err  # the report that failed is named
    assert kept(project, before)  # nothing published was lost
    assert state(project, "c-two")["status"] == "failed" and state(project, "c-two")["outputs"]  # kept, stale


def _slow_unless_fast(job):  # stands in for run_job on an in-process Dask worker
    from nianbao.batch.job import Outcome

    if job.params_name != "fast":
        time.sleep(8)
    return Outcome(job.params_name)


def test_every_dask_worker_lost_mid_build_fails_each_job_left_by_name(monkeypatch: pytest.MonkeyPatch):
    """The scheduler stays but its only worker goes while two jobs run: the build does not wait forever,
    nor end as if the scheduler had never answered — each job not finished is an outcome naming it."""
    from distributed import LocalCluster

    from nianbao.batch import pool
    from nianbao.batch.job import Job

    monkeypatch.setattr(pool, "run_job", _slow_unless_fast)
    monkeypatch.setattr(pool, "DASK_NO_WORKER", 1.0)
    outcomes = []
    with LocalCluster(n_workers=1, processes=False, threads_per_worker=2, dashboard_address=None) as cluster:
        executor = pool.DaskExecutor(cluster.scheduler_address)
        try:
            for out in executor.run([Job(n, {}, "") for n in ("fast", "slow-a", "slow-b")]):
                outcomes.append(out)
                if out.params_name == "fast":
                    worker = next(iter(cluster.workers.values()))
                    cluster.sync(worker.close, executor_wait=False)
        finally:
            executor.close()
    assert [(o.params_name, o.ok) for o in outcomes] == [("fast", True), ("slow-a", False), ("slow-b", False)]
    for out in outcomes[1:]:
        assert out.message.startswith(f"{out.params_name}: 未完成：Dask 调度器") and "没有可用的工作进程" in out.message
