"""Write files atomically: a temporary file in the same folder, fsync, then rename into place.

A reader (or a killed build) never sees a half-written output; stray temporaries are named
``.<name>.tmp-*`` and removed by ``sweep``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

TMP_MARK = ".tmp-"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))


def write_files(folder: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write name → content into ``folder``, each file atomically. Callers render everything first,
    so a failing export never leaves a mixed set of old and new outputs."""
    written = []
    for name, data in files.items():
        write_bytes(Path(folder) / name, data)
        written.append(Path(folder) / name)
    return written


def sweep(folder: str | Path) -> int:
    """Remove temporaries a killed run left under ``folder``; return how many."""
    n = 0
    for p in Path(folder).rglob(f".*{TMP_MARK}*"):
        p.unlink(missing_ok=True)
        n += 1
    return n
