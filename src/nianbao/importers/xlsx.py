"""The fill-in workbook (see nianbao.workbook) read back into params."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .assemble import ImportResult

FORM = "xlsx"
EXTENSIONS = (".xlsx",)


def sniff(path: Path, head: bytes) -> float:
    if not head.startswith(b"PK"):
        return 0.0
    try:
        with zipfile.ZipFile(path) as z:
            return 0.95 if "xl/workbook.xml" in z.namelist() else 0.0
    except zipfile.BadZipFile:
        return 0.0


def load(path: Path, agency_id: str | None = None) -> ImportResult:
    from ..workbook import read_workbook

    return read_workbook(path, agency_id)
