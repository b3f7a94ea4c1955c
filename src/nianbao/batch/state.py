"""The state record of one agency-year: what the last build or run made of it, and where that is kept.

A build writes one record per agency-year, ``build/.state/<year>/<agency-id>.json``, after its outputs
(so a killed build leaves the report stale). Everything that needs to know how a report stands reads
it through ``ReportState``: the skip logic, the build summary, the index page, the command line's
summary and the removal of orphans. A record that cannot be read, or was written in an older layout,
counts as no record: the report is rebuilt, the build never stops on it.

A record lists each output with its size, modification time and sha256 (``OutputFile``), so a build
sees an output that is missing, empty or changed on disk and makes it again; the time is compared first
and the file hashed only when it moved, so a no-op rebuild reads no output. A failed rebuild keeps the
outputs of the last good build: its record is ``failed`` and still lists them, with the time they were
made (``built_at``), and everything that shows it calls them stale ("上次成功生成于…，本次失败：…").

The steps a report goes through are defined here once, each with its Chinese label.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

from nianbao import atomic
from nianbao.project import Project

STATE_DIR = ".state"
# Bumped when the record's keys or their meaning change; records of another layout are not read.
LAYOUT = 3  # 1: the untyped dicts written before this module (no "layout" key); 2: no output digests

Status = Literal["built", "failed"]
Step = Literal["params", "validate", "execute", "export"]

STATUS_LABELS: dict[Status, str] = {"built": "已生成", "failed": "生成失败"}
# Every step, in order, with the label people see (the index page, the command line).
STEP_LABELS: dict[Step, str] = {
    "params": "参数文件",
    "validate": "校验",
    "execute": "执行笔记本",
    "export": "导出",
}
assert set(STATUS_LABELS) == set(get_args(Status)) and set(STEP_LABELS) == set(get_args(Step))


class StateUnreadable(ValueError):
    """A state record that is not valid JSON of the current layout."""


class OutputFile(NamedTuple):
    """One published file as the build wrote it: enough to tell when it was damaged or changed."""

    name: str
    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> OutputFile:
        st = path.stat()
        return cls(path.name, st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())

    def check(self, folder: str | Path) -> bool | None:
        """True when the file in ``folder`` is as written; False when it is missing, empty or changed;
        None when it is the same bytes with another modification time (the record should follow)."""
        path = f"{folder}/{self.name}"  # not pathlib nor os.path.join: a no-op build checks thousands
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != self.size or st.st_size == 0:
            return False
        if st.st_mtime_ns == self.mtime_ns:
            return True
        try:
            with open(path, "rb") as f:
                same = hashlib.sha256(f.read()).hexdigest() == self.sha256
        except OSError:
            return False
        return None if same else False


@dataclass(frozen=True)
class ReportState:
    """How one agency-year stands after the last build: built (with its outputs) or failed at a step."""

    params_file: str  # as shown to people: params/<agency-id>/<year>.yaml
    status: Status
    step: Step | None = None  # the step that failed; None when built
    message: str = ""  # why it failed
    agency_id: str = ""  # "" (and year None) when the params file is not laid out as params/<id>/<year>.yaml
    year: int | None = None
    agency: str = ""  # the agency's name
    title: str = ""
    key: str = ""  # the content key of the inputs it was made from (nianbao.batch.keys)
    errors: int = 0  # open error-severity findings (not decided by a reviewer)
    warnings: int = 0  # open warnings
    decided: int = 0  # findings a reviewer's decision covers (reviews/<agency-id>/<year>.yaml)
    needs_review: int = 0  # decisions made on values that have changed since (需复核)
    # (rule id, severity, Chinese title) of every rule with open findings, for the index's per-rule counts
    open_rules: tuple[tuple[str, str, str], ...] = ()
    outputs: tuple[str, ...] = ()  # file names in build/<year>/<agency-id>/ (of the last good build)
    seconds: float = 0.0
    files: tuple[OutputFile, ...] = ()  # each output's size, mtime and sha256
    built_at: str = ""  # when the outputs were made (UTC, ISO 8601); kept by a failed rebuild

    @property
    def stale(self) -> bool:
        """Failed now, but the outputs of an earlier good build are still published."""
        return self.failed and bool(self.outputs)

    @property
    def stale_note(self) -> str:
        """ "上次成功生成于…，本次失败：…" for a stale report, else ""."""
        if not self.stale:
            return ""
        when = self.built_at.replace("T", " ").removesuffix("Z") + " UTC" if self.built_at else "（时间不详）"
        return f"上次成功生成于 {when}，本次失败：{self.step_label}"

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABELS:
            raise ValueError(f"status must be one of {tuple(STATUS_LABELS)}, not {self.status!r}")
        if self.step is not None and self.step not in STEP_LABELS:
            raise ValueError(f"step must be one of {tuple(STEP_LABELS)}, not {self.step!r}")
        if (self.status == "failed") != (self.step is not None):
            raise ValueError(f"a {self.status} state {'needs' if self.status == 'failed' else 'has no'} failing step")
        object.__setattr__(self, "outputs", tuple(sorted(self.outputs)))
        object.__setattr__(self, "open_rules", tuple(tuple(r) for r in self.open_rules))
        files = self.files
        if not all(type(f) is OutputFile for f in files):  # from_dict already made them
            files = tuple(OutputFile(*f) for f in files)
        object.__setattr__(self, "files", tuple(sorted(files)))

    @classmethod
    def failure(cls, params_file: str, step: Step, message: str, **fields: Any) -> ReportState:
        return cls(params_file=params_file, status="failed", step=step, message=message, **fields)

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def step_label(self) -> str:
        """The failing step in Chinese ("" when built)."""
        return STEP_LABELS[self.step] if self.step else ""

    @property
    def agency_year(self) -> tuple[str, int] | None:
        """(agency id, year), or None when the params file did not say (it is not laid out as expected)."""
        return (self.agency_id, self.year) if self.agency_id and self.year is not None else None

    def with_outputs(self, outputs: tuple[str, ...] | list[str]) -> ReportState:
        return replace(self, outputs=tuple(outputs))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, with the layout it was written in."""
        return {
            "layout": LAYOUT,
            **asdict(self),
            "outputs": list(self.outputs),
            "open_rules": [list(r) for r in self.open_rules],
            "files": [f._asdict() for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportState:
        """The state ``to_dict`` wrote; ``StateUnreadable`` for anything else (another layout, bad values)."""
        if not isinstance(data, Mapping) or data.get("layout") != LAYOUT:
            raise StateUnreadable(f"not a state record of layout {LAYOUT}")
        try:
            year = data.get("year")
            return cls(
                params_file=str(data["params_file"]),
                status=data["status"],
                step=data.get("step"),
                message=str(data.get("message", "")),
                agency_id=str(data.get("agency_id", "")),
                year=None if year is None else int(year),
                agency=str(data.get("agency", "")),
                title=str(data.get("title", "")),
                key=str(data.get("key", "")),
                errors=int(data.get("errors", 0)),
                warnings=int(data.get("warnings", 0)),
                decided=int(data.get("decided", 0)),
                needs_review=int(data.get("needs_review", 0)),
                open_rules=tuple((str(a), str(b), str(c)) for a, b, c in data.get("open_rules", ())),
                outputs=tuple(str(name) for name in data.get("outputs", ())),
                seconds=float(data.get("seconds", 0.0)),
                files=tuple(
                    OutputFile(str(f["name"]), int(f["size"]), int(f["mtime_ns"]), str(f["sha256"]))
                    for f in data.get("files", ())
                ),  # a thousand records of a dozen files each: OutputFile made once, here
                built_at=str(data.get("built_at", "")),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise StateUnreadable(f"bad state record: {err}") from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> ReportState:
        try:
            data = json.loads(text)
        except ValueError as err:  # includes UnicodeDecodeError
            raise StateUnreadable(f"not JSON: {err}") from None
        return cls.from_dict(data)


# --- where the records live ------------------------------------------------------------------------------


def state_path(project: Project, agency_id: str, year: int) -> Path:
    return project.build_dir / STATE_DIR / str(year) / f"{agency_id}.json"


def read_state(path: Path) -> ReportState | None:
    """The record at ``path``; None when there is none or it cannot be read (the report is rebuilt)."""
    try:
        with open(path, "rb") as f:
            text = f.read()
        state = ReportState.from_json(text)
    except (OSError, StateUnreadable):
        return None
    object.__setattr__(state, "_digest", hashlib.sha256(text).hexdigest())  # what it was read from
    return state


def state_digest(state: ReportState) -> str:
    """sha256 of the record as written (``to_json``): of the bytes it was read from when it was read, so
    a no-op build that only compares records need not serialize a thousand of them again."""
    return getattr(state, "_digest", None) or hashlib.sha256(state.to_json().encode("utf-8")).hexdigest()


def write_state(project: Project, state: ReportState) -> None:
    """Write ``state`` atomically; a state without an agency-year has no place and is not kept."""
    where = state.agency_year
    if where is not None:
        atomic.write_text(state_path(project, *where), state.to_json())


def all_states(project: Project) -> list[ReportState]:
    """Every readable record under build/.state/."""
    root = project.build_dir / STATE_DIR
    try:
        years = sorted(e.path for e in os.scandir(root) if e.is_dir())
    except OSError:
        return []
    paths = []
    for year in years:  # os.scandir, not glob: a no-op build reads thousands of records
        with os.scandir(year) as found:
            paths += sorted(e.path for e in found if e.name.endswith(".json") and e.is_file())
    states = (read_state(Path(p)) for p in paths)
    return [s for s in states if s is not None]
