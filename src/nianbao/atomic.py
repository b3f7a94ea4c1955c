"""Write files atomically: a temporary file in the same folder, fsync, then rename into place.

A reader (or a killed build) never sees a half-written output; stray temporaries are named
``.<name>.tmp-*`` and removed by ``sweep``. ``replace_dir`` publishes a whole folder at once: the new
files are written into a staging folder beside it, which is then exchanged with the old one in one
``renameat2(RENAME_EXCHANGE)`` (Linux), so a reader sees either every old file or every new one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

TMP_MARK = ".tmp-"


@contextlib.contextmanager
def atomic_path(target: str | Path, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``. ``durable=False``: no
    fsync (a cache that may be lost in a crash, never seen half-written)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{TMP_MARK}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if durable:
            with open(tmp_path, "rb") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(target: str | Path, data: bytes, durable: bool = True) -> None:
    with atomic_path(target, durable) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | Path, text: str, durable: bool = True) -> None:
    write_bytes(target, text.encode("utf-8"), durable)


def write_files(folder: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write name → content into ``folder``, each file atomically. Callers render everything first,
    so a failing export never leaves a mixed set of old and new outputs."""
    written = []
    for name, data in files.items():
        write_bytes(Path(folder) / name, data)
        written.append(Path(folder) / name)
    return written


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False when the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: this file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), str(b))


def replace_dir(folder: str | Path, files: Mapping[str, bytes]) -> list[Path]:
    """Make ``folder`` hold exactly ``files`` (name → content), all at once.

    The files are written and synced into a staging folder beside ``folder`` first; on any error the
    staging folder is removed and ``folder`` is untouched, so a published set is replaced only by a
    complete new one."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}{TMP_MARK}", dir=folder.parent))
    try:
        for name, data in files.items():
            with open(staging / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(staging / name, 0o644)
        os.chmod(staging, 0o755)
        _fsync_dir(staging)
        if folder.is_dir() and not folder.is_symlink():
            if not _exchange(staging, folder):
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}{TMP_MARK}old-", dir=folder.parent))
                os.rename(folder, old / folder.name)
                os.rename(staging, folder)
                shutil.rmtree(old, ignore_errors=True)
        else:
            if folder.is_symlink() or folder.exists():
                folder.unlink()
            os.rename(staging, folder)
        _fsync_dir(folder.parent)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after an exchange: the old files
    return [folder / name for name in files]


def sweep(folder: str | Path) -> int:
    """Remove temporaries (files and staging folders) a killed run left under ``folder``; return how many.

    Only the holder of the build lock (``nianbao.batch.lock``) calls it, so no running build's
    temporaries are there to remove."""
    n = 0
    for p in sorted(Path(folder).rglob(f".*{TMP_MARK}*"), key=lambda q: len(q.parts), reverse=True):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        n += 1
    return n
