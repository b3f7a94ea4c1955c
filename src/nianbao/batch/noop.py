"""The no-op proof: a build that changed nothing is answered again by ``stat`` alone.

Deciding that a report is current means hashing its inputs into a content key and reading its state record
(``nianbao.batch.keys``, ``nianbao.batch.state``): for a thousand agency-years, a thousand params files read
and hashed and a thousand records parsed — most of a no-op rebuild's time. So a build that built, removed and
retried nothing records, in ``build/.noop.json``, the question it was asked (the params files found, the
formats, the Python), the *signature* (size, modification time, inode, change time) of every file and folder
its answer rests on — params/ and reviews/ (every folder and file), the notebooks, expectations/, nianbao's
own files, the folders the installed packages are listed in, build/.state/ (every record), the index and
the overview — and the answer itself (the summary's records, which list every published output with its
size and time). The next build asked the same question stats those paths and every output; when each is as
recorded it gives the recorded answer without reading or hashing anything, as make and ninja decide from
modification times. Any difference — a file
edited, touched, added or removed, a package installed, ``--force`` — goes the whole way, and that build
records a new proof when it too changed nothing. The content keys stay the only judge of what is current;
the proof only says that nothing they were computed from has moved since.

A proof is not written when any path it rests on changed after the build began, or less than
``RACY_SECONDS`` before: the build may have read it before the change, and a file changed again within the
file system's clock tick could keep its signature (git's "racy" entries). The next no-op build writes it. A
proof that cannot be read, or was written by another layout, counts as none.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from nianbao import atomic
from nianbao.batch.overview import NOTEBOOK as OVERVIEW_NOTEBOOK
from nianbao.batch.overview import OverviewResult
from nianbao.batch.state import STATE_DIR, OutputFile, ReportState
from nianbao.project import Project

PROOF = ".noop.json"  # under build/, outside every folder the proof watches
LAYOUT = 1
RACY_SECONDS = 1.0

Signature = list[int] | None  # [size, mtime_ns, inode, ctime_ns]; None: the path does not exist
UNKNOWN: Signature = [-1]  # a path that exists but cannot be stat'ed


@dataclass(frozen=True)
class Answer:
    """What a no-op build answered: the records it reported, in the order it reported them."""

    skipped: list[ReportState]
    failed: list[ReportState]
    states: list[ReportState]
    overview: OverviewResult | None


def proof_path(project: Project) -> Path:
    return project.build_dir / PROOF


def forget(project: Project) -> None:
    """Remove the proof (a build that goes the whole way makes its own)."""
    with contextlib.suppress(OSError):
        proof_path(project).unlink(missing_ok=True)


def question(files: Iterable[Path], formats: tuple[str, ...]) -> dict[str, Any]:
    """What a build was asked, as the proof keeps it."""
    return {"files": [str(f) for f in files], "formats": list(formats), "python": sys.version, "path": sys.path}


def _signature(path: str) -> Signature:
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:  # cannot be looked at (permissions): never equal to a signature, vouches for nothing
        return UNKNOWN
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


Where = tuple[str, str]  # (folder, name): a path as the proof groups it


def _at(path: str | Path) -> Where:
    folder, name = os.path.split(str(path))
    return folder, name


def _tree(top: Path) -> Iterator[Where]:
    """``top`` and every folder and file under it (symlinked folders are stat'ed, not entered)."""
    yield _at(top)
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        yield from ((folder, d) for d in dirs)
        yield from ((folder, n) for n in names if not n.endswith(".pyc"))


def _watched(project: Project, files: Iterable[Path], overview: Any) -> Iterator[Where]:
    """Every path a no-op build's answer rests on, but the reports' outputs (their records list them)."""
    root = project.root
    yield from (_at(root / nb) for nb in (project.notebook, project.graphic_notebook, OVERVIEW_NOTEBOOK))
    yield from _tree(project.expectations_dir)
    yield from _tree(Path(str(resources.files("nianbao"))))  # code, format data, templates: the shared key
    yield from (_at(folder or ".") for folder in sys.path)  # a package installed or removed: the versions
    yield from _tree(project.params_dir)  # every params file: its own, the previous year's, children's
    for f in files:  # also those given outside params/, and their folders (earlier years)
        yield _at(f)
        yield _at(os.path.dirname(f))
    yield from _tree(project.reviews_dir)
    yield from _tree(project.build_dir / STATE_DIR)  # every record, the index's and the overview's
    yield _at(project.build_dir / "index.html")  # (each report's outputs: from its record, ``_outputs_kept``)
    yield from (_at(project.build_dir / f.name) for f in getattr(overview, "files", ()))


def _joined(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder and name else name or folder


_FIELDS = tuple(f.name for f in fields(ReportState))


def _compact(state: ReportState) -> dict[str, Any]:
    """The record's fields as JSON takes them (``asdict`` deep-copies: ten times slower)."""
    data = {name: getattr(state, name) for name in _FIELDS}
    data["files"] = [list(f) for f in state.files]
    return data


def _state(data: dict[str, Any]) -> ReportState:
    files = tuple(map(OutputFile._make, data.pop("files")))
    return ReportState(**data, files=files)


def record(project: Project, asked: dict[str, Any], files: Iterable[Path], answer: Answer, started: int) -> bool:
    """Write the proof for a build that changed nothing and began at ``started`` (``time.time_ns()``, before
    it read anything); False (and no proof) when a path it rests on changed after that or less than
    ``RACY_SECONDS`` before (the build may have read it before or after the change, or within one clock tick
    of it), or when a record of the answer is not among ``answer.states``."""
    forget(project)
    index = {id(s): i for i, s in enumerate(answer.states)}
    if not all(id(s) in index for s in (*answer.skipped, *answer.failed)):
        return False
    watched: dict[str, dict[str, Signature]] = {}
    newest = 0
    for folder, name in dict.fromkeys(_watched(project, files, answer.overview)):
        sig = _signature(_joined(folder, name))
        if sig == UNKNOWN:
            return False
        if sig is not None:
            newest = max(newest, sig[1], sig[3])
        watched.setdefault(folder, {})[name] = sig
    newest = max([newest, *(f.mtime_ns for s in answer.states for f in s.files)])
    if newest > started - RACY_SECONDS * 1e9:
        return False
    proof = {
        "layout": LAYOUT,
        "question": asked,
        "watched": watched,
        "states": [_compact(s) for s in answer.states],
        "skipped": [index[id(s)] for s in answer.skipped],
        "failed": [index[id(s)] for s in answer.failed],
        "overview": None if answer.overview is None else asdict(answer.overview),
    }
    try:  # a proof only saves time: a full disk or a read-only build/ must not fail the build for it
        text = json.dumps(proof, ensure_ascii=False, separators=(",", ":"), check_circular=False)
        atomic.write_text(proof_path(project), text, durable=False)  # lost in a crash: the whole way, once
    except OSError:
        return False
    return True


def _outputs_kept(project: Project, states: Iterable[ReportState]) -> bool:
    """Every report's outputs as its record lists them (``OutputFile.check``, as ``pipeline.is_current``; an
    output whose time alone moved is not: its record is to be brought up to date, the whole way)."""
    build = str(project.build_dir)
    for state in states:
        if state.agency_year is not None:
            out = f"{build}/{state.year}/{state.agency_id}"
            if not all(f.check(out) is True for f in state.files):
                return False
    return True


def answer(project: Project, asked: dict[str, Any]) -> Answer | None:
    """The recorded answer, when the proof was written for the same question and every path it rests on
    has the same signature; else None (the build goes the whole way)."""
    try:
        with open(proof_path(project), "rb") as f:
            proof = json.loads(f.read())
        if proof.get("layout") != LAYOUT or proof.get("question") != asked:
            return None
        for folder, names in proof["watched"].items():
            for name, sig in names.items():
                if _signature(_joined(folder, name)) != sig:
                    return None
        states = [_state(s) for s in proof["states"]]
        if not _outputs_kept(project, states):
            return None
        overview = proof["overview"]
        if overview is not None:
            overview = OverviewResult.from_dict(overview)
        return Answer(
            skipped=[states[i] for i in proof["skipped"]],
            failed=[states[i] for i in proof["failed"]],
            states=states,
            overview=overview,
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # no proof, or one that cannot be read: the whole way
