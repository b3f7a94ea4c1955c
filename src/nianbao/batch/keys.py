"""Content keys: a report is current when nothing that shapes it has changed.

The shared part hashes the notebook, the expectation suites, the package's own files (code, format
data, templates, CSS) and the versions of the packages that shape outputs; each report adds its params
file, the previous year's params it is checked against and its reviewers' decisions (reviews/).
Hashing bytes needs no YAML parsing, so a no-op rebuild of a thousand agency-years costs milliseconds.
"""

from __future__ import annotations

import hashlib
from importlib import metadata, resources
from pathlib import Path

from nianbao import __version__

# Packages whose version changes what a report looks like or says.
OUTPUT_PACKAGES = (
    "papermill",
    "nbconvert",
    "nbformat",
    "jinja2",
    "pandas",
    "pydantic",
    "great_expectations",
    "weasyprint",
)


def _versions() -> str:
    out = [f"nianbao={__version__}"]
    for name in OUTPUT_PACKAGES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return ";".join(out)


def _package_files() -> list[Path]:
    root = Path(str(resources.files("nianbao")))
    return sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def shared_key(notebook: Path, expectations: Path | None = None) -> str:
    """Hash of everything every report depends on."""
    h = hashlib.sha256(_versions().encode())
    root = Path(str(resources.files("nianbao")))
    for p in _package_files():
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    h.update(notebook.read_bytes())
    if expectations and expectations.is_dir():
        for p in sorted(expectations.glob("*.json")):
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def report_key(
    shared: str, params_file: Path, previous: Path | None, formats: tuple[str, ...], reviews: Path | None = None
) -> str:
    h = hashlib.sha256(shared.encode())
    h.update(",".join(formats).encode())
    h.update(params_file.read_bytes())
    if previous is not None and previous.is_file():
        h.update(b"previous")
        h.update(previous.read_bytes())
    if reviews is not None and reviews.is_file():  # a new decision rebuilds the report
        h.update(b"reviews")
        h.update(reviews.read_bytes())
    return h.hexdigest()
