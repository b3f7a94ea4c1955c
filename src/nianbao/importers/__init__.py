"""Bring existing data in: a published report or a fill-in workbook → params + an import report.

``import_source(path)`` detects the form (extension and content), reads the source and returns an
``ImportResult`` (``.params`` is an ``AgencyYear``, or None with ``.report.errors`` saying why).
``save(result, path)`` writes the params YAML and ``<stem>.import.json`` beside it, atomically.

Forms are a registry: each module names its extensions, a ``sniff(path, head)`` that scores how
much the content looks like it, and a loader. Parsing is deterministic: no network, no model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nianbao import atomic
from nianbao.errors import FileExists, NianbaoError
from nianbao.importers import docx, html, markdown, text, xlsx
from nianbao.importers.assemble import ImportResult, UnsupportedFormat, assemble, derive_agency_id
from nianbao.importers.import_report import CellIssue, ImportReport, LabelDeviation
from nianbao.importers.sections import HeadingIssue
from nianbao.params import dump_params

__all__ = [
    "FORMS",
    "CellIssue",
    "Form",
    "HeadingIssue",
    "ImportReport",
    "ImportResult",
    "LabelDeviation",
    "UnrecognisedSource",
    "UnsupportedFormat",
    "derive_agency_id",
    "detect",
    "import_source",
    "report_path",
    "save",
]

EXTENSION_WEIGHT = 0.5
HEAD_BYTES = 8192


@dataclass(frozen=True)
class Form:
    name: str
    extensions: tuple[str, ...]
    sniff: Callable[[Path, bytes], float]
    load: Callable[[Path, str | None], ImportResult]


def _document_form(module) -> Form:
    return Form(
        module.FORM, module.EXTENSIONS, module.sniff, lambda path, agency_id: assemble(module.read(path), agency_id)
    )


FORMS: dict[str, Form] = {
    f.name: f
    for f in (
        _document_form(text),
        _document_form(html),
        _document_form(markdown),
        _document_form(docx),
        Form(xlsx.FORM, xlsx.EXTENSIONS, xlsx.sniff, xlsx.load),
    )
}


class UnrecognisedSource(NianbaoError, ValueError):
    """A file no importer recognises (not a published report nor a fill-in workbook)."""


def detect(path: Path) -> Form:
    """The form of ``path``: the best content sniff, with a bonus for a matching extension."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    suffix = path.suffix.lower()
    scored = [(f.sniff(path, head) + (EXTENSION_WEIGHT if suffix in f.extensions else 0.0), f) for f in FORMS.values()]
    score, form = max(scored, key=lambda s: s[0])
    if score <= 0:
        raise UnrecognisedSource(f"{path}：无法识别的文件类型（支持：{', '.join(FORMS)}）")
    return form


def import_source(path: str | Path, agency_id: str | None = None) -> ImportResult:
    path = Path(path)
    return detect(path).load(path, agency_id)


def report_path(params_path: Path) -> Path:
    """Where the import report of ``params/<id>/<year>.yaml`` goes: ``<year>.import.json``."""
    return params_path.with_name(f"{params_path.stem}.import.json")


def save(result: ImportResult, path: Path, force: bool = False) -> None:
    """Write the params and the import report beside them; refuse to overwrite unless ``force``."""
    if result.params is None:
        raise ValueError("没有可写入的参数：导入未成功")
    if path.exists() and not force:
        raise FileExists(f"{path} 已存在；如需覆盖请加 --force")
    atomic.write_text(path, dump_params(result.params))
    atomic.write_text(report_path(path), result.report.to_json())
