"""Content keys: a report is current when nothing that shapes it has changed.

The shared part hashes the notebook, the expectation suites, the package's own files (code, format data,
templates, CSS), the 图解 notebook and the versions of Python and the packages that shape outputs; each
report adds its params file, the previous year's params it is checked against, every earlier year's params
(the 图解's trends), its output formats, its reviewers' decisions (reviews/) and, for an aggregate report,
its children's params of the year (``nianbao.validation.children``). The digests come from
``nianbao.batch.provenance``, which writes the same digests into every report, so a report's provenance
names exactly what its key hashed. Hashing bytes needs no YAML parsing (a child's ``parent:`` is read from
the same bytes), so a no-op rebuild of a thousand agency-years costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from nianbao.batch.provenance import OUTPUT_PACKAGES, report_inputs, shared_inputs

__all__ = ["OUTPUT_PACKAGES", "report_key", "shared_key"]


def shared_key(notebook: Path, expectations: Path | None = None, graphic: Path | None = None) -> str:
    """Hash of everything every report depends on."""
    return shared_inputs(notebook, expectations, graphic).key


def report_key(
    shared: str,
    params_file: Path,
    previous: Path | None,
    formats: tuple[str, ...],
    reviews: Path | None = None,
    *,
    family: Iterable[tuple[str, Path | None]] = (),
    earlier: tuple[Path, ...] = (),
    known: Mapping[str, str] = {},
) -> str:
    """``known``: digests already taken, by path (``report_inputs``)."""
    return report_inputs(params_file, previous, formats, reviews, family=family, earlier=earlier, known=known).key(
        shared
    )
