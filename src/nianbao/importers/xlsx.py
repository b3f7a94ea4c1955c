"""The fill-in workbook (see nianbao.workbook) read back into params."""

from __future__ import annotations

from pathlib import Path

from nianbao.importers.assemble import ImportResult
from nianbao.importers.document import sniff_zip

FORM = "xlsx"
EXTENSIONS = (".xlsx",)


def sniff(path: Path, head: bytes) -> float:
    return sniff_zip(path, head, "xl/workbook.xml")


def load(path: Path, agency_id: str | None = None) -> ImportResult:
    from nianbao.workbook.form import read_workbook

    return read_workbook(path, agency_id)
