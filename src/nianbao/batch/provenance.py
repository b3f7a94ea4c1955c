"""Provenance: what a report was made from, written into the report itself.

Every built report records the sha256 of its params file (and of the previous year's file it was checked
against, and of every earlier year's its 图解 draws trends from), of the report notebook and the 图解 notebook, of
the expectation suites and of nianbao's own files (code, format data, templates), the versions of nianbao,
Python and the packages that shape outputs, the output formats, and the content key all of these add up to. It
goes into ``report.ipynb``'s metadata, ``findings.json`` and the colophon of ``review.html`` (生成依据) — never
into the public ``report.html`` / ``report.pdf``.

The content key (``nianbao.batch.keys``) is computed *from* these digests, so a provenance record always
names exactly what its key hashed: two reports with the same key have the same provenance, and a change
that changes the provenance changes the key (and rebuilds the report).

Deterministic: hashes of file contents, version strings and names relative to the package — no timestamps,
no absolute paths, nothing about the machine — so two builds of the same inputs give the same bytes.
``stamp`` also drops what papermill writes about the clock into an executed notebook.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import nianbao

# Packages whose version changes what a report looks like or says (hashed into the content key).
OUTPUT_PACKAGES = (
    "papermill",
    "nbconvert",
    "nbformat",
    "jinja2",
    "pandas",
    "pydantic",
    "great_expectations",
    "weasyprint",
    "matplotlib",
)
# Where the record lives in report.ipynb: notebook.metadata[METADATA_KEY]["provenance"].
METADATA_KEY = "nianbao"
# Bumped when the record's keys or their meaning change.
LAYOUT = 1


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    return sha256_bytes(path.read_bytes())


def _sha256_named(files: Iterable[tuple[str, Path]]) -> str:
    """One digest over (name, content) pairs: a renamed, added or removed file changes it too."""
    h = hashlib.sha256()
    for name, path in files:
        data = path.read_bytes()
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@cache
def _installed() -> dict[str, str]:
    """Installed distributions' versions, by normalized name, from the ``<name>-<version>.dist-info``
    folders on ``sys.path`` (the first one found wins, as for imports). Every build needs the versions for
    its content key; a directory listing costs a no-op rebuild milliseconds where ``importlib.metadata``
    (which imports the email package and parses each METADATA file) cost it 0.05 s."""
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                name, _, version = entry.removesuffix(".dist-info").partition("-")
                found.setdefault(_normalized(name), version)
    return found


def installed_version(name: str) -> str:
    """The installed version of ``name`` ("-" when it is not installed)."""
    listed = _installed().get(_normalized(name))
    if listed:
        return listed
    from importlib import metadata  # installed some other way (an .egg-info): ask the library

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def versions() -> dict[str, str]:
    """nianbao, Python and every output-shaping package, in that order ("-" when not installed)."""
    out = {"nianbao": nianbao.__version__, "python": platform.python_version()}
    for name in OUTPUT_PACKAGES:
        out[name] = installed_version(name)
    return out


def package_files() -> list[tuple[str, Path]]:
    """nianbao's own files (code, format data, templates, CSS), by their path inside the package."""
    root = Path(str(resources.files("nianbao")))
    files = (p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc")
    return sorted((p.relative_to(root).as_posix(), p) for p in files)


def suite_files(expectations: Path | None) -> list[tuple[str, Path]]:
    if expectations is None or not expectations.is_dir():
        return []
    return [(p.name, p) for p in sorted(expectations.glob("*.json"))]


@dataclass(frozen=True)
class SharedInputs:
    """What every report of a build depends on: computed once per build."""

    notebook: str  # sha256 of the report notebook
    expectations: str | None  # sha256 over the suites' names and contents; None: no expectations/ folder
    code: str  # sha256 over nianbao's own files
    versions: tuple[tuple[str, str], ...]
    graphic: str | None = None  # sha256 of the 图解 notebook; None: no graphic.html is made

    @property
    def key(self) -> str:
        """The shared part of every content key."""
        return sha256_bytes(_canonical({"layout": LAYOUT, **self.to_dict()}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "notebook": self.notebook,
            "expectations": self.expectations,
            "code": self.code,
            "versions": dict(self.versions),
            "graphic": self.graphic,
        }


def shared_inputs(notebook: Path, expectations: Path | None = None, graphic: Path | None = None) -> SharedInputs:
    """What every report depends on; ``graphic`` is the 图解 notebook (when the build makes graphic.html)."""
    suites = suite_files(expectations)
    return SharedInputs(
        notebook=sha256_file(notebook),
        expectations=_sha256_named(suites) if suites else None,
        code=_sha256_named(package_files()),
        versions=tuple(versions().items()),
        graphic=_digest(graphic),
    )


@dataclass(frozen=True)
class ReportInputs:
    """What one agency-year adds: its params file, the previous year's (when there is one), its formats and
    its reviewers' decisions (``reviews/<agency-id>/<year>.yaml``, when there is one: a new decision rebuilds it)."""

    params: str  # sha256
    previous: str | None  # sha256 of params/<agency-id>/<year-1>.yaml; None when there is none
    formats: tuple[str, ...]
    reviews: str | None = None  # sha256 of reviews/<agency-id>/<year>.yaml; None when there is none
    # The other agencies' files a roll-up reads (``nianbao.validation.children.Tree.inputs``): each child's
    # params of the year (sha256; None: the child has no report this year) and, for a child whose
    # ``parent:`` is at fault, "!<what is wrong>" → None. A changed or added child rebuilds its parent.
    family: tuple[tuple[str, str | None], ...] = ()
    # (file name, sha256) of every earlier year's params of the agency: the 图解's trends draw them, so a
    # changed, added or removed earlier year rebuilds the report
    earlier: tuple[tuple[str, str], ...] = ()

    def key(self, shared: str) -> str:
        return sha256_bytes(
            _canonical(
                {
                    "shared": shared,
                    "params": self.params,
                    "previous": self.previous,
                    "formats": self.formats,
                    "reviews": self.reviews,
                    "family": [list(pair) for pair in self.family],
                    "earlier": [list(e) for e in self.earlier],
                }
            )
        )


def _digest(path: Path | None, known: Mapping[str, str] = {}) -> str | None:
    if path is None:
        return None
    found = known.get(str(path))
    return found if found is not None else sha256_file(path) if os.path.isfile(path) else None


def report_inputs(
    params_file: Path,
    previous: Path | None,
    formats: Iterable[str],
    reviews: Path | None = None,
    *,
    family: Iterable[tuple[str, Path | None]] = (),
    earlier: Iterable[Path] = (),
    known: Mapping[str, str] = {},
) -> ReportInputs:
    """``known``: digests already taken of files' bytes, by path (``nianbao.validation.children.scan``
    keeps those of params/), so a build reads each params file once."""

    def required(path: Path) -> str:
        return known.get(str(path)) or sha256_file(path)

    return ReportInputs(
        required(params_file),
        _digest(previous, known),
        tuple(formats),
        _digest(reviews, known),
        tuple((name, _digest(path, known)) for name, path in family),
        tuple((p.name, required(p)) for p in sorted(earlier, key=lambda p: p.name)),
    )


def record(shared: SharedInputs, report: ReportInputs) -> dict[str, Any]:
    """The provenance of one report, as plain JSON-safe data (what the three outputs carry)."""
    return {
        "layout": LAYOUT,
        "content_key": report.key(shared.key),
        "sha256": {
            "params": report.params,
            "previous_params": report.previous,
            "reviews": report.reviews,
            "earlier_params": dict(report.earlier),
            "notebook": shared.notebook,
            "graphic_notebook": shared.graphic,
            "expectations": shared.expectations,
            "nianbao": shared.code,
        },
        "formats": list(report.formats),
        # The children whose params a roll-up summed (None: no report this year), by agency id.
        "children": {name: digest for name, digest in report.family if not name.startswith("!")},
        "versions": dict(sorted(shared.versions)),  # sorted, as report.ipynb stores them
    }


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


# --- the executed notebook ----------------------------------------------------------------------------------

# papermill's notebook-level and cell-level fields that say when and how long, not what.
_CLOCK_FIELDS = ("start_time", "end_time", "duration")
NOTEBOOK_SOURCE = "notebooks/annual_report.ipynb"  # the project's report notebook (nianbao.project.NOTEBOOK)
INJECTED_ID = "injected-parameters"


def stamp(nb: Any, provenance: Mapping[str, Any] | None) -> Any:
    """Make an executed notebook reproducible and say what made it; changes ``nb`` in place and returns it.

    Drops papermill's clock readings (start and end times, durations) and the kernel's execution
    timestamps, gives the cell papermill injected a fixed id instead of a random one, replaces papermill's
    ``input_path`` (the whole notebook when it was given in memory) with the project's notebook name, and
    puts ``provenance`` (when given) under ``metadata.nianbao.provenance``.
    """
    pm = nb.metadata.get("papermill")
    if pm is not None:
        for name in _CLOCK_FIELDS:
            pm.pop(name, None)
        if "input_path" in pm and not isinstance(pm["input_path"], str):
            pm["input_path"] = NOTEBOOK_SOURCE
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", ()):
            cell["id"] = INJECTED_ID  # papermill gives the cell it adds a random id
        cell.metadata.pop("execution", None)
        cell_pm = cell.metadata.get("papermill")
        if cell_pm is not None:
            for name in _CLOCK_FIELDS:
                cell_pm.pop(name, None)
    if provenance:
        nb.metadata.setdefault(METADATA_KEY, {})["provenance"] = dict(provenance)
    return nb


def of_notebook(nb: Any) -> dict[str, Any] | None:
    """The provenance ``stamp`` put into ``nb``, if any."""
    found = (nb.metadata.get(METADATA_KEY) or {}).get("provenance")
    return dict(found) if found else None
