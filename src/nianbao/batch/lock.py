"""One build at a time: an exclusive lock on ``build/.lock`` held for the whole of a build or run.

Two builds writing the same ``build/`` would sweep each other's temporaries and interleave outputs.
The lock is ``fcntl.flock`` on ``build/.lock``: the kernel releases it when its holder dies, however
it dies, so a lock left by a killed build is recovered by the next one without any clean-up. The file
holds who has it (pid, host, start time) so a second build can say whom it waits for; it waits a
bounded time (``wait`` seconds), then stops with ``BuildLocked`` (exit code 3) naming the holder.

A holder empties the file when it ends, whatever the exception; a file that still names someone when the
lock is taken was left by a build that was killed. ``Held.unclean`` says so: only then can temporaries of
a half-done write be lying in ``build/``, and only then does the build sweep them (walking the outputs of
a thousand reports costs a no-op rebuild a tenth of a second).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nianbao.errors import BuildLocked

LOCK_NAME = ".lock"
DEFAULT_WAIT = 10.0  # seconds a second build waits before it gives up


def _holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text[:200] or "未知进程"


@dataclass(frozen=True)
class Held:
    """The build lock, held."""

    path: Path
    unclean: bool  # the last holder was killed (its name is still in the file), or there was no lock file


@contextlib.contextmanager
def build_lock(build_dir: Path, wait: float = DEFAULT_WAIT, on_wait: object = None) -> Iterator[Held]:
    """Hold the build lock of ``build_dir`` inside the ``with`` block.

    ``on_wait(holder)`` is called once when the lock is taken by another build and we wait for it.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK_NAME
    new = not path.exists()  # no lock file beside existing outputs: nothing says how the last build ended
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BuildLocked(
                        f"{build_dir} 正由另一次生成使用（{_holder(path)}），等待 {wait:g} 秒后仍未释放；"
                        "请等它结束后再试（或用 --wait 延长等待）"
                    ) from None
                if not told and callable(on_wait):
                    on_wait(_holder(path))
                    told = True
                time.sleep(0.2)
        unclean = new or bool(os.pread(fd, 1, 0).strip())
        import socket  # here, not at the top: every command's start-up would pay for it

        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} · 主机 {socket.gethostname()} · 开始于 {started}\n".encode(), 0)
        try:
            yield Held(path, unclean)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
