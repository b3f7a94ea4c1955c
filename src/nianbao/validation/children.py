"""Who reports to whom: the children of an aggregate report, read from the params on disk.

A params file may say ``parent: <agency-id>``: its agency's report is summed into that agency's
aggregate report (``scope: 本级政府汇总`` or ``系统汇总``, ``format/scopes.yaml``). The children of
an agency in a year are the agencies whose params of that year name it; an agency whose params of
another year name it but that has no params of this year is a child **without a report** this year,
named as such, never silently dropped from the sum.

``scan(params_dir)`` finds every declaration without parsing YAML: a top-level ``parent:`` line is
read from the bytes, whose sha256 it keeps (``Tree.digests``: the build's content keys take them from
there, so a no-op rebuild reads each params file once), and the tree answers, for the build, each
agency's earlier years (``Tree.earlier``: the 图解's trends) and, per agency-year, which files a parent's
report depends on (``Tree.inputs``: they go into its content key and provenance, so a changed child
rebuilds the parent) and what is wrong with a declaration (a parent that has no params folder, a cycle).
``family(tree, agency_id, year)`` then loads the children (``Family``) for the ``rollup`` rule kind.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the build scans the tree for its content keys without loading the params schema
    from nianbao.model import AgencyYear

# A block-style top-level ``parent:`` line, as people and ``dump_params`` write it.
PARENT_LINE = re.compile(rb"^parent:[ \t]*(['\"]?)([a-z0-9][a-z0-9_-]{0,63})\1[ \t]*(?:#.*)?\r?$", re.M)
YEAR_FILE = re.compile(r"^[0-9]{4}\.ya?ml$", re.ASCII)
AGENCY_FOLDER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$", re.ASCII)

AgencyYearKey = tuple[str, int]


def declared_parent(data: bytes) -> str | None:
    """The ``parent:`` a params file's bytes declare (None: none). ``bytes.find`` skips to each candidate
    (a regular expression anchored at every line of a 20 KB file costs ten times more)."""
    at = data.find(b"parent:")
    while at >= 0:
        if at == 0 or data[at - 1] == 0x0A:
            m = PARENT_LINE.match(data, at)
            if m:
                return m.group(2).decode("ascii")
        at = data.find(b"parent:", at + 1)
    return None


@dataclass(frozen=True)
class Tree:
    """The ``parent:`` declarations of every params file of a project."""

    files: Mapping[AgencyYearKey, Path]  # every params/<agency-id>/<year>.yaml
    parents: Mapping[AgencyYearKey, str]  # (agency, year) → the parent its params declare
    digests: Mapping[str, str] = field(default_factory=dict)  # str(path) → sha256 of the bytes scanned

    @cached_property
    def _years(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for agency, year in sorted(self.files):
            out.setdefault(agency, []).append(year)
        return out

    def earlier(self, agency: str, year: int) -> tuple[Path, ...]:
        """The agency's params files of the years before ``year``, oldest first."""
        return tuple(self.files[(agency, y)] for y in self._years.get(agency, ()) if y < year)

    @cached_property
    def agencies(self) -> frozenset[str]:
        return frozenset(a for a, _ in self.files)

    @cached_property
    def _declaring(self) -> dict[str, list[AgencyYearKey]]:
        """Parent → the agency-years whose params name it, sorted."""
        out: dict[str, list[AgencyYearKey]] = {}
        for key, parent in sorted(self.parents.items()):
            out.setdefault(parent, []).append(key)
        return out

    def children(self, parent: str, year: int) -> list[str]:
        """Agencies whose params of ``year`` name ``parent``, sorted."""
        return [a for a, y in self._declaring.get(parent, ()) if y == year]

    def missing(self, parent: str, year: int) -> dict[str, list[int]]:
        """Agencies that name ``parent`` in other years' params but have no params of ``year``: the years
        that name it, by agency."""
        out: dict[str, list[int]] = {}
        for a, y in self._declaring.get(parent, ()):
            if y != year and (a, year) not in self.files:
                out.setdefault(a, []).append(y)
        return out

    def parent_problem(self, agency: str, year: int) -> str:
        """What is wrong with the ``parent:`` of ``agency``'s ``year`` params ("" when nothing is)."""
        parent = self.parents.get((agency, year))
        if parent is None:
            return ""
        if parent not in self.agencies:
            return f"上级机关 {parent} 在 params/ 中没有参数文件夹（params/{parent}/），请核对机关代码"
        seen = [agency]
        at = parent
        while at is not None and at not in seen:
            seen.append(at)
            at = self.parents.get((at, year))
        if at == agency:
            return "上级机关构成循环：" + " → ".join([*seen, agency])
        return ""

    def inputs(self, agency: str, year: int) -> tuple[tuple[str, Path | None], ...]:
        """What an agency-year's report depends on beyond its own files: each child's params of ``year``
        (None for a child without a report this year) and, for a child, whether its parent is sound."""
        out: list[tuple[str, Path | None]] = [(c, self.files[(c, year)]) for c in self.children(agency, year)]
        out += [(c, None) for c in self.missing(agency, year)]
        problem = self.parent_problem(agency, year)
        if problem:
            out.append((f"!{problem}", None))
        return tuple(out)


def scan(params_dir: Path) -> Tree:
    """Every ``params/<agency-id>/<year>.yaml``, the parent it declares (an unreadable file declares none) and
    the sha256 of its bytes."""
    files: dict[AgencyYearKey, Path] = {}
    parents: dict[AgencyYearKey, str] = {}
    digests: dict[str, str] = {}
    if not params_dir.is_dir():
        return Tree(files, parents)
    for folder in sorted(os.scandir(params_dir), key=lambda d: d.name):
        if not AGENCY_FOLDER.match(folder.name) or not folder.is_dir():
            continue
        for f in sorted(os.scandir(folder.path), key=lambda d: d.name):
            if not YEAR_FILE.match(f.name) or not f.is_file():
                continue
            key = (folder.name, int(f.name[:4]))
            path = params_dir / folder.name / f.name
            files.setdefault(key, path)
            try:
                with open(f.path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            digests[str(path)] = hashlib.sha256(data).hexdigest()
            parent = declared_parent(data)
            if parent is not None:
                parents[key] = parent
    return Tree(files, parents, digests)


# --- the children, loaded -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    """A child agency as the roll-up check reads it."""

    agency_id: str
    name: str  # its agency's name (from another year's params when it has none this year); else its id
    file: str  # its params file of the year, as shown (""  when it has none)
    params: AgencyYear | None = None  # None: no report this year, or one that cannot be read
    problem: str = ""  # why its params cannot be read
    years: tuple[int, ...] = ()  # for a child without a report: the years whose params name the parent

    @property
    def named(self) -> str:
        """名称（代码）."""
        return self.agency_id if self.name == self.agency_id else f"{self.name}（{self.agency_id}）"


@dataclass(frozen=True)
class Family:
    """An agency-year's place in the tree: its children of the year and what is wrong with its parent."""

    agency_id: str
    year: int
    children: tuple[Child, ...] = ()  # with params of the year (readable or not)
    missing: tuple[Child, ...] = ()  # without params of the year
    parent_problem: str = ""
    parent_file: str = ""  # the params file whose parent: is at fault

    @property
    def readable(self) -> list[Child]:
        return [c for c in self.children if c.params is not None]

    @property
    def unreadable(self) -> list[Child]:
        return [c for c in self.children if c.params is None]


def family(
    tree: Tree,
    agency_id: str,
    year: int,
    shown: Callable[[Path], str] = str,
    loaded: Mapping[AgencyYearKey, AgencyYear] | None = None,
) -> Family:
    """The children of ``agency_id`` in ``year``, loaded (``loaded``: agency-years already at hand)."""
    from nianbao.params import ParamsError, load_params

    loaded = loaded or {}

    def load(path: Path) -> tuple[AgencyYear | None, str]:
        try:
            return load_params(path, name=shown(path)), ""
        except ParamsError as err:
            return None, str(err)

    children = []
    for c in tree.children(agency_id, year):
        path = tree.files[(c, year)]
        params, problem = (loaded[(c, year)], "") if (c, year) in loaded else load(path)
        name = params.agency.name if params is not None else c
        children.append(Child(c, name, shown(path), params, problem))
    missing = []
    for c, years in tree.missing(agency_id, year).items():
        other = loaded.get((c, years[-1]))
        if other is None:
            other, _ = load(tree.files[(c, years[-1])])
        missing.append(Child(c, other.agency.name if other is not None else c, "", None, "", tuple(years)))
    own = tree.files.get((agency_id, year))
    return Family(
        agency_id,
        year,
        tuple(children),
        tuple(missing),
        tree.parent_problem(agency_id, year),
        shown(own) if own is not None else "",
    )
