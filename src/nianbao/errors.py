"""The one base of every error a user can cause, and the exit code the command line ends with for it.

A ``NianbaoError`` carries a message written for people (Chinese, naming the file or folder at fault)
and an ``exit_code``; ``nianbao.cli`` turns any of them into that message on stderr and that exit code,
in one place, so no user mistake ends in a Python traceback. The errors that belong to one part live
there (``ParamsError`` in ``nianbao.params``, ``ValidationFailed`` in ``nianbao.validation.validator``,
…); the ones the command line's set-up raises are here.

Exit codes, the one table (the README repeats it):

====  =========================================================================================
0     done
1     error-severity findings (``--strict``, ``validate``, ``lint``), or a refusal (a file exists)
2     an input could not be used: no project, a missing file, a params file with problems, no
      params files, an agency-year that could not be built, or the batch overview
3     another build holds ``build/`` (``BuildLocked``)
4     the disk is full (``DiskFull``, ENOSPC/EDQUOT)
5     ``build/`` cannot be written: read-only or no permission (``NotWritable``, EROFS/EACCES/EPERM)
6     the Dask scheduler cannot be reached, or it has no worker (``SchedulerUnavailable``)
130   interrupted (Ctrl-C, SIGINT); 143: terminated (SIGTERM) — workers and kernels are shut down
====  =========================================================================================
"""

from __future__ import annotations

import errno
from typing import ClassVar


class NianbaoError(Exception):
    """An error caused by the input or the set-up, not by a bug; its message is shown as is."""

    exit_code: ClassVar[int] = 2
    # Printed before the message by the command line (e.g. "校验无法进行：").
    lead: ClassVar[str] = ""

    def __str__(self) -> str:
        # KeyError and friends quote their argument; a message for people is shown as written.
        return str(self.args[0]) if self.args else ""


class ProjectNotFound(NianbaoError):
    """No folder at or above the working folder holds the report notebook."""


class ParamsNotFound(NianbaoError):
    """A command that works on params files found none."""


class MissingFile(NianbaoError):
    """A file named on the command line does not exist."""


class FileExists(NianbaoError, FileExistsError):
    """The command would overwrite a file; ``--force`` allows it."""

    exit_code: ClassVar[int] = 1


class InvalidArgument(NianbaoError, ValueError):
    """A command-line value that cannot be used (an agency id with spaces, an unknown format, …)."""


class BuildLocked(NianbaoError):
    """Another build holds the lock on build/ (``nianbao.batch.lock``)."""

    exit_code: ClassVar[int] = 3


class DiskFull(NianbaoError, OSError):
    """No space left where outputs are written; what was published stays as it was."""

    exit_code: ClassVar[int] = 4


class NotWritable(NianbaoError, OSError):
    """build/ is on a read-only file system or not ours to write."""

    exit_code: ClassVar[int] = 5


class SchedulerUnavailable(NianbaoError):
    """The Dask scheduler cannot be reached, or no worker is alive to run the jobs."""

    exit_code: ClassVar[int] = 6


class Interrupted(NianbaoError):
    """The build was stopped by a signal (Ctrl-C, SIGTERM); workers and kernels were shut down."""

    exit_code: ClassVar[int] = 130


class Terminated(Interrupted):
    """The build was stopped by SIGTERM (``timeout``, CI cancelling a job)."""

    exit_code: ClassVar[int] = 143


STORAGE_ERRORS: dict[int, type[NianbaoError]] = {
    errno.ENOSPC: DiskFull,
    errno.EDQUOT: DiskFull,
    errno.EROFS: NotWritable,
    errno.EACCES: NotWritable,
    errno.EPERM: NotWritable,
}


def storage_error(err: OSError) -> NianbaoError | None:
    """The ``NianbaoError`` for a full or read-only disk (one Chinese line naming the path), else None."""
    kind = STORAGE_ERRORS.get(err.errno or 0)
    if kind is None:
        return None
    where = err.filename or "输出目录"
    if kind is DiskFull:
        text = f"磁盘已满，无法写入 {where}；已发布的报告未改动。请腾出空间后重新运行（No space left on device）"
    else:
        text = f"无法写入 {where}（只读文件系统或没有写权限）；已发布的报告未改动。请检查目录权限或挂载方式"
    return kind(text)
