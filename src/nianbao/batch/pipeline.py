"""The build pipeline — ``nianbao build`` on every agency-year, ``nianbao run`` on the files it is given:
check params, validate (one Great Expectations run for the batch), execute the notebook, publish, record
the state, refresh build/index.html. Incremental, parallel, never stopped by one failure.

Per agency-year it keeps a state record (``nianbao.batch.state.ReportState``), written last, after the
outputs, so a killed build leaves the report stale and the next build redoes it. A report is current,
and skipped, when its content key (``nianbao.batch.keys``) and its outputs are unchanged.

Reviewers' decisions (``reviews/<agency-id>/<year>.yaml``, ``nianbao.validation.decisions``) are applied
here, once, to the batch's findings: the notebook, findings.json, the state's counts and the index all see
the same open and decided findings.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from nianbao import atomic
from nianbao.batch.keys import report_key, shared_key
from nianbao.batch.state import ReportState, Step, all_states, read_state, state_path, write_state
from nianbao.errors import ParamsNotFound
from nianbao.project import DEFAULT_FORMATS, Project

if TYPE_CHECKING:
    from nianbao.validation.decisions import Review


@dataclass
class Entry:
    """One agency-year found in params/."""

    params_file: Path
    rel: str  # as shown to people: params/<agency-id>/<year>.yaml
    agency_id: str
    year: int
    previous: Path  # params/<agency-id>/<year-1>.yaml (may not exist)
    key: str = ""

    @property
    def label(self) -> str:
        return f"{self.agency_id}/{self.year}"


def exit_code(states: Iterable[ReportState], strict: bool = False) -> int:
    """2 when an agency-year has no current report; else (``strict``) 1 when error findings exist; else 0."""
    states = list(states)
    if any(s.failed for s in states):
        return 2
    if strict and any(s.errors for s in states):
        return 1
    return 0


@dataclass
class Summary:
    built: list[ReportState] = field(default_factory=list)
    skipped: list[ReportState] = field(default_factory=list)
    failed: list[ReportState] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    states: list[ReportState] = field(default_factory=list)  # every agency-year of the project, after the build

    @property
    def selection(self) -> list[ReportState]:
        """The agency-years this build was asked about (built, skipped or failed now)."""
        return self.built + self.skipped + self.failed

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.states)

    @property
    def warnings(self) -> int:
        return sum(s.warnings for s in self.states)

    @property
    def failing(self) -> list[ReportState]:
        """Agency-years that have no current report, whether they failed in this run or before."""
        return [s for s in self.states if s.failed]

    def exit_code(self, strict: bool = False) -> int:
        return exit_code(self.states, strict)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Params files: params/<agency-id>/<year>.yaml under each folder; files are taken as given."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.yaml") if q.stem.isdigit() and not q.name.startswith("."))
        else:
            found.append(p)
    return sorted(dict.fromkeys(found))


def entries(project: Project, files: Iterable[Path]) -> tuple[list[Entry], list[ReportState]]:
    """Entries for files laid out as params/<agency-id>/<year>.yaml; failed states for the others."""
    out: list[Entry] = []
    bad: list[ReportState] = []
    for f in files:
        f = f.resolve()
        rel = _rel(project, f)
        if not f.is_file():
            bad.append(ReportState.failure(rel, "params", f"{rel}: 找不到此参数文件"))
        elif not f.stem.isdigit():
            bad.append(ReportState.failure(rel, "params", f"{rel}: 文件应命名为 params/<机关代码>/<年度>.yaml"))
        else:
            year = int(f.stem)
            out.append(Entry(f, rel, f.parent.name, year, f.with_name(f"{year - 1}.yaml")))
    return out, bad


def _rel(project: Project, f: Path) -> str:
    try:
        return str(f.relative_to(project.root))
    except ValueError:
        return str(f)


def is_current(project: Project, entry: Entry, state: ReportState | None) -> bool:
    """Same inputs as last time, and either its outputs are all there or its params were rejected.

    Execution and export failures are retried: they may not come from the inputs.
    """
    if state is None or state.key != entry.key:
        return False
    if state.failed:
        return state.step == "params"
    out = project.out_dir(entry.agency_id, entry.year)
    return all((out / name).is_file() for name in state.outputs)


def remove_orphans(project: Project, keep: set[tuple[str, int]]) -> list[str]:
    """Outputs and states of agency-years whose params file is gone."""
    removed = []
    for state in all_states(project):
        where = state.agency_year
        if where is None or where in keep or (project.root / state.params_file).is_file():
            continue
        shutil.rmtree(project.out_dir(*where), ignore_errors=True)
        state_path(project, *where).unlink(missing_ok=True)
        removed.append(state.params_file)
    return removed


Kind = Literal["built", "skipped", "failed"]
Callback = Callable[[Kind, ReportState], None]


def build(
    project: Project,
    paths: Iterable[Path],
    *,
    jobs: int = 1,
    force: bool = False,
    scheduler: str | None = None,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    on_plan: Callable[[int], None] | None = None,
    on_result: Callback | None = None,
) -> Summary:
    """Build what is stale under ``paths`` (everything there with ``force``); see the module docstring.

    Raises ``ParamsNotFound`` when there is nothing to build and no earlier build to show.
    """
    summary = Summary()
    report: Callback = on_result or (lambda kind, state: None)
    if project.build_dir.is_dir():
        atomic.sweep(project.build_dir)  # temporaries a killed build left behind
    found, bad = entries(project, discover(paths))
    shared = shared_key(project.notebook, project.root / "expectations")
    stale: list[Entry] = []
    for e in found:
        e.key = report_key(shared, e.params_file, e.previous, formats, project.reviews_file(e.agency_id, e.year))
        state = read_state(state_path(project, e.agency_id, e.year))
        if not force and state is not None and is_current(project, e, state):
            summary.skipped.append(state)
            report("skipped", state)
        else:
            stale.append(e)
    for state in bad:
        summary.failed.append(state)
        report("failed", state)
    if on_plan:
        on_plan(len(found) + len(bad))
    summary.removed = remove_orphans(project, {(e.agency_id, e.year) for e in found})
    if stale:
        _build_stale(project, stale, jobs, scheduler, formats, summary, report)
    summary.states = all_states(project) + bad
    if not summary.states:
        raise ParamsNotFound(
            f"没有找到参数文件：应为 {project.params_dir.name}/<机关代码>/<年度>.yaml（no params files found）"
        )
    write_index(project, summary.states)
    return summary


def _build_stale(
    project: Project,
    stale: list[Entry],
    jobs: int,
    scheduler: str | None,
    formats: tuple[str, ...],
    summary: Summary,
    report: Callback,
) -> None:
    from nianbao.batch.job import Job
    from nianbao.batch.pool import in_child, make_executor
    from nianbao.params import ParamsError, load_params

    notebook = project.notebook.read_text(encoding="utf-8")
    checked: dict[str, tuple[Entry, Any]] = {}

    def failed(e: Entry, step: Step, message: str, **fields: Any) -> None:
        state = ReportState.failure(e.rel, step, message, agency_id=e.agency_id, year=e.year, key=e.key, **fields)
        # Outputs of an earlier build no longer reflect the params: take them down.
        shutil.rmtree(project.out_dir(e.agency_id, e.year), ignore_errors=True)
        write_state(project, state)
        summary.failed.append(state)
        report("failed", state)

    for e in stale:
        try:
            checked[e.rel] = (e, load_params(e.params_file, name=e.rel))
        except ParamsError as err:
            failed(e, "params", str(err))
    try:
        findings = in_child(batch_findings, project, list(checked.values())) if checked else {}
    except Exception as err:  # GX itself failed (suites missing or unreadable): no report can be checked
        for rel, (e, _) in checked.items():
            failed(e, "validate", f"{rel}: 校验失败 {type(err).__name__}: {err}")
        return
    reviews = {
        rel: _review(project, params, findings.get((params.agency.id, params.year)))
        for rel, (_, params) in checked.items()
    }
    job_list = [
        Job(
            params_name=rel,
            params=params.to_params(),
            notebook=notebook,
            formats=formats,
            parameters={**_parameters(reviews[rel], params), "previous": _previous(project, e)},
        )
        for rel, (e, params) in checked.items()
    ]
    if not job_list:
        return
    executor = make_executor(min(jobs, len(job_list)), scheduler)
    try:
        for outcome in executor.run(job_list):
            entry, params = checked[outcome.params_name]
            about = {
                "agency": params.agency.name,
                "title": params.display_title,
                "seconds": round(outcome.seconds, 3),
                **_counts(reviews[outcome.params_name]),
            }
            if not outcome.ok:
                failed(entry, cast(Step, outcome.step), outcome.message, **about)
                continue
            state = ReportState(
                entry.rel,
                "built",
                agency_id=entry.agency_id,
                year=entry.year,
                key=entry.key,
                outputs=tuple(outcome.files),
                **about,
            )
            atomic.write_files(project.out_dir(entry.agency_id, entry.year), outcome.files)
            write_state(project, state)
            summary.built.append(state)
            report("built", state)
    finally:
        executor.close()


def batch_findings(project: Project, checked: list[tuple[Entry, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Findings (as dicts) for every agency-year of the batch, validated together in ONE Great Expectations
    run against the project's expectations/; previous years come from params/ on disk. The build calls it
    in a short-lived child process (``nianbao.batch.pool.in_child``) so the parent does not keep GX loaded.
    """
    from nianbao.params import ParamsError, load_params
    from nianbao.validation.validator import key_of, previous_unreadable, validate_batch

    if not checked:
        return {}
    items = [params for _, params in checked]
    pool = {key_of(p): p for p in items}
    unreadable: dict[tuple[str, int], ParamsError] = {}
    for entry, params in checked:
        prev_key = (params.agency.id, params.year - 1)
        if prev_key in pool or not entry.previous.is_file():
            continue
        try:
            pool[prev_key] = load_params(entry.previous, name=_rel(project, entry.previous))
        except ParamsError as err:
            unreadable[key_of(params)] = err
    suites_dir = project.expectations_dir if project.expectations_dir.is_dir() else None
    results = validate_batch(items, pool, suites_dir=suites_dir)
    for params in items:
        if key_of(params) in unreadable:
            results[key_of(params)] += previous_unreadable(params, unreadable[key_of(params)])
    return {key: [f.to_dict() for f in found] for key, found in results.items()}


def _review(project: Project, params: Any, findings: list[dict[str, Any]] | None) -> Review | None:
    """The agency-year's findings split into open and decided by its reviews file (None: not validated)."""
    from nianbao.validation.decisions import review_of
    from nianbao.validation.findings import coerce

    if findings is None:
        return None
    path = project.reviews_file(params.agency.id, params.year)
    return review_of(params, coerce(findings), path, _rel(project, path))


def _parameters(review: Review | None, params: Any) -> dict[str, Any]:
    """The notebook's parameters: every finding, and the decisions as applied to them."""
    from nianbao.validation.decisions import titles

    if review is None:
        return {}
    return {"findings": [f.to_dict() for f in review.findings], "decisions": review.to_dicts(titles(params.fmt))}


def _previous(project: Project, entry: Entry) -> dict[str, Any] | None:
    """Last year's params for the notebook's 与上年度比较 part (None: no such file, or one with problems,
    which the validation reports)."""
    from nianbao.params import ParamsError, load_params

    if not entry.previous.is_file():
        return None
    try:
        return load_params(entry.previous, name=_rel(project, entry.previous)).to_params()
    except ParamsError:
        return None


def _counts(review: Review | None) -> dict[str, Any]:
    if review is None:
        return {}
    n = review.counts()
    rules = {(f.rule_id, f.severity, f.title or f.rule_id): None for f in review.open}
    return {
        "errors": n["error"],
        "warnings": n["warning"],
        "decided": n["decided"],
        "needs_review": n["needs_review"],
        "open_rules": tuple(rules),
    }


def write_index(project: Project, states: list[ReportState]) -> Path:
    from nianbao.publish.index import render_index

    target = project.build_dir / "index.html"
    html = render_index(states)
    if not target.is_file() or target.read_text(encoding="utf-8") != html:
        atomic.write_text(target, html)
    return target
