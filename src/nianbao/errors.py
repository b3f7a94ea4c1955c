"""The one base of every error a user can cause, and the exit code the command line ends with for it.

A ``NianbaoError`` carries a message written for people (Chinese, naming the file or folder at fault)
and an ``exit_code``; ``nianbao.cli`` turns any of them into that message on stderr and that exit code,
in one place, so no user mistake ends in a Python traceback. The errors that belong to one part live
there (``ParamsError`` in ``nianbao.params``, ``ValidationFailed`` in ``nianbao.validation.validator``,
…); the ones the command line's set-up raises are here.

Exit codes: 2 when the input cannot be used (a missing file or folder, a params file with problems,
a broken set-up), 1 when the command refused to do something harmful (overwrite a file).
"""

from __future__ import annotations

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
