"""The build pipeline — ``nianbao build`` on every agency-year, ``nianbao run`` on the files it is given:
check params, validate (one Great Expectations run for the batch), execute the notebook, publish, record
the state, refresh build/index.html. Incremental, parallel, never stopped by one failure.

Per agency-year it keeps a state record (``nianbao.batch.state.ReportState``), written last, after the
outputs, so a killed build leaves the report stale and the next build redoes it. A report is current,
and skipped, when its content key (``nianbao.batch.keys``) and its outputs are unchanged (size and time,
the sha256 when the time moved); a missing, empty or changed output is made again. A build that changed
nothing leaves a proof of it (``nianbao.batch.noop``): the next one, when no file it rests on has moved,
gives the same answer by ``stat`` alone.

Nothing published is lost: a report's outputs are replaced all at once by a complete new set
(``nianbao.atomic.replace_dir``) and only after the report was built; a failed rebuild keeps them and
marks them stale. They are removed only when the params file was deleted, and never when ``params/`` is
missing or empty (that is an error). One build at a time holds ``build/.lock`` (``nianbao.batch.lock``); it
sweeps the temporaries a killed build left, when the lock says the last build was killed.

Where a report goes follows one rule: ``params/<agency-id>/<year>.yaml`` — the folder directly under
``params/`` is the agency id (a safe folder name, equal to the file's ``agency.id``; the path as found,
never a symlink's target), the file name is the four-digit year. Every other ``*.yaml``/``*.yml`` file
under ``params/`` is reported, never skipped silently, and two files of one agency-year are both
reported as duplicates while the rest is built.

Reviewers' decisions (``reviews/<agency-id>/<year>.yaml``, ``nianbao.validation.decisions``) are applied
here, once, to the batch's findings: the notebook, findings.json, the state's counts and the index all see
the same open and decided findings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from nianbao import atomic
from nianbao.batch import noop, provenance
from nianbao.batch.lock import DEFAULT_WAIT, build_lock
from nianbao.batch.state import (
    STATE_DIR,
    OutputFile,
    ReportState,
    Step,
    all_states,
    state_digest,
    state_path,
    write_state,
)
from nianbao.errors import Interrupted, ParamsNotFound, Terminated, storage_error
from nianbao.project import DEFAULT_FORMATS, Project
from nianbao.validation import children

if TYPE_CHECKING:
    from nianbao.batch.overview import OverviewResult
    from nianbao.validation.decisions import Review
# What a params file's name and folder must look like (ASCII only: "²⁰²³".isdigit() is True).
YEAR_NAME = re.compile(r"[0-9]{4}", re.ASCII)
AGENCY_FOLDER = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}", re.ASCII)
PARAMS_SUFFIXES = (".yaml", ".yml")
STOPPED = "工作进程和内核已停止；已发布的报告未改动，下次生成会补做未完成的部分"
DEFAULT_TIMEOUT = 300.0  # seconds one report may take in a worker before it fails alone


@dataclass
class Entry:
    """One agency-year found in params/."""

    params_file: Path
    rel: str  # as shown to people: params/<agency-id>/<year>.yaml
    agency_id: str
    year: int
    previous: Path  # params/<agency-id>/<year-1>.yaml (may not exist)
    key: str = ""
    state: ReportState | None = None  # the record of the last build, if any
    family: tuple[tuple[str, Path | None], ...] = ()  # the other agencies' files a roll-up reads (children)
    earlier: tuple[Path, ...] = ()  # every earlier year's params of the agency (the 图解's trends)
    inputs: provenance.ReportInputs | None = None  # the digests its key and its provenance are made of

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
    overview: OverviewResult | None = None  # the batch step: build/data/ and build/overview.html

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
    def stale(self) -> list[ReportState]:
        """Failed agency-years whose last good outputs are still published (marked stale)."""
        return [s for s in self.states if s.stale]

    @property
    def failing(self) -> list[ReportState]:
        """Agency-years that have no current report, whether they failed in this run or before."""
        return [s for s in self.states if s.failed]

    def exit_code(self, strict: bool = False) -> int:
        """As ``exit_code``; 2 too when the overview failed (its last good page is kept)."""
        code = exit_code(self.states, strict)
        return 2 if code == 0 and self.overview is not None and self.overview.failed else code


def discover(paths: Iterable[Path]) -> list[Path]:
    """Every file under each folder that looks like params (``*.yaml``, ``*.yml``, any name), so that a
    misnamed one is reported instead of skipped; an agency folder that is a symlink is looked into (one
    level), no other symlink is followed. Files are taken as given. A folder that does not exist raises
    ``ParamsNotFound`` (an unmounted share must not look like "no reports")."""
    found: list[str] = []  # strings and os, not pathlib: a no-op build lists thousands
    for p in paths:
        if p.is_dir():
            with os.scandir(p) as listing:
                tops = [str(p), *sorted(e.path for e in listing if e.is_symlink() and e.is_dir())]
            for top in tops:
                for folder, dirs, names in os.walk(top):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    found += (
                        os.path.join(folder, n)
                        for n in sorted(names)
                        if os.path.splitext(n)[1].lower() in PARAMS_SUFFIXES and not n.startswith(".")
                    )
        elif p.suffix.lower() in PARAMS_SUFFIXES or p.exists():
            found.append(str(p))
        else:
            raise ParamsNotFound(f"找不到参数文件夹或文件：{p}（未改动任何已发布的报告）")
    cwd = os.getcwd()
    unique = dict.fromkeys(os.path.join(cwd, f) for f in found)
    return [Path(f) for f in sorted(unique, key=lambda f: f.split(os.sep))]  # in pathlib's order


def entries(
    project: Project, files: Iterable[Path], tree: children.Tree | None = None
) -> tuple[list[Entry], list[ReportState]]:
    """Entries for files laid out as params/<agency-id>/<year>.yaml; failed states for the others
    (with the agency-year when it can be told, so earlier outputs stay listed as stale). ``tree``, the scan
    of params/ (``children.scan``), names the earlier years of the files in it without listing each
    agency's folder again."""
    out: list[Entry] = []
    bad: list[ReportState] = []
    params_dir = str(project.params_dir.absolute())
    root = str(project.root)
    layout = "应为 params/<机关代码>/<年度>.yaml（机关代码为小写英文字母、数字、- 和 _，年度为四位数字）"
    # Plain strings and os.path below, not pathlib: a no-op build of thousands spends its time here.
    for f in files:
        f = f.absolute()  # not resolve(): a symlink's target never names a report
        name = str(f)
        folder, base = os.path.split(name)
        stem, suffix = os.path.splitext(base)
        rel = name[len(root) + 1 :] if name.startswith(root + os.sep) else name  # os.path.relpath, cheaper
        agency_id = os.path.basename(folder)
        inside = os.path.dirname(folder) == params_dir
        where = (agency_id, int(stem)) if AGENCY_FOLDER.fullmatch(agency_id) and YEAR_NAME.fullmatch(stem) else None
        fields: dict[str, Any] = {"agency_id": where[0], "year": where[1]} if where else {}
        if not os.path.isfile(name):
            bad.append(ReportState.failure(rel, "params", f"{rel}: 找不到此参数文件"))
        elif name.startswith(params_dir + os.sep) and not inside:
            bad.append(ReportState.failure(rel, "params", f"{rel}: 不能放在下级文件夹中，{layout}"))
        elif suffix not in PARAMS_SUFFIXES:
            bad.append(ReportState.failure(rel, "params", f"{rel}: 扩展名应为 .yaml，未生成；{layout}", **fields))
        elif where is None:
            bad.append(ReportState.failure(rel, "params", f"{rel}: 文件名或文件夹名不合规则，未生成；{layout}"))
        else:
            year = where[1]
            if inside and tree is not None:
                earlier = tree.earlier(where[0], year)
                previous = tree.files.get((where[0], year - 1)) or Path(folder, f"{year - 1}{suffix}")
            else:
                earlier = earlier_years(f.parent, year)
                before = [os.path.join(folder, f"{year - 1}{s}") for s in (suffix, *PARAMS_SUFFIXES)]
                previous = Path(next((b for b in before if os.path.isfile(b)), before[0]))
            out.append(Entry(f, rel, where[0], year, previous, earlier=earlier))
    by_year: dict[tuple[str, int], list[Entry]] = {}
    for e in out:
        by_year.setdefault((e.agency_id, e.year), []).append(e)
    for (agency_id, year), same in by_year.items():
        if len(same) > 1:
            names = "、".join(e.rel for e in same)
            for e in same:
                out.remove(e)
                message = f"{e.rel}: 重复：{names} 是同一机关（{agency_id}）同一年度（{year}）的参数文件，请只保留一个"
                bad.append(ReportState.failure(e.rel, "params", message, agency_id=agency_id, year=year))
    return out, bad


def earlier_years(folder: Path, year: int) -> tuple[Path, ...]:
    """The params files of the agency's years before ``year`` in its folder, laid out by the same rule."""
    found = []
    for name in sorted(os.listdir(folder)):  # os, not pathlib: a no-op build lists every agency's folder
        stem, suffix = os.path.splitext(name)
        if suffix in PARAMS_SUFFIXES and YEAR_NAME.fullmatch(stem) and int(stem) < year:
            if os.path.isfile(os.path.join(folder, name)):
                found.append(folder / name)
    return tuple(found)


def _rel(project: Project, f: Path) -> str:
    try:
        return str(f.absolute().relative_to(project.root))
    except ValueError:
        return str(f)


def is_current(project: Project, entry: Entry, state: ReportState | None) -> bool:
    """Same inputs as last time, and either its outputs are all there as written or its params were rejected.

    Execution and export failures are retried: they may not come from the inputs. An output that is
    missing, empty or changed makes the report stale; one whose time alone moved (same bytes) does not,
    and its record (and ``entry.state``) is brought up to date so the next check need not hash it again.
    """
    if state is None or state.key != entry.key:
        return False
    if state.failed:
        return state.step == "params"
    if not state.files or {f.name for f in state.files} != set(state.outputs):
        return False
    out = os.path.join(project.build_dir, str(entry.year), entry.agency_id)  # project.out_dir, without pathlib
    checks = [f.check(out) for f in state.files]
    if False in checks:
        return False
    if None in checks:  # same bytes, touched: remember the new times (and so does the entry)
        entry.state = replace(state, files=tuple(OutputFile.of(Path(out, f.name)) for f in state.files))
        write_state(project, entry.state)
    return True


def remove_orphans(project: Project, keep: set[tuple[str, int]], states: list[ReportState] | None = None) -> list[str]:
    """Outputs and states of agency-years whose params file was deleted (the only way outputs go)."""
    removed = []
    for state in all_states(project) if states is None else states:
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
    timeout: float = DEFAULT_TIMEOUT,
    wait: float = DEFAULT_WAIT,
    on_wait: Callable[[str], None] | None = None,
    on_plan: Callable[[int], None] | None = None,
    on_result: Callback | None = None,
) -> Summary:
    """Build what is stale under ``paths`` (everything there with ``force``); see the module docstring.

    Raises ``ParamsNotFound`` when a folder to build is missing or holds no params file (nothing is
    removed then), ``BuildLocked`` when another build holds build/ longer than ``wait`` seconds,
    ``DiskFull`` / ``NotWritable`` when build/ cannot be written (published outputs stay as they were).
    """
    started = time.time_ns()  # before anything is read: a file changed since cannot be vouched for
    paths = list(paths)
    files = discover(paths)
    if not files:
        where = "、".join(_rel(project, p) for p in paths) or project.params_dir.name
        raise ParamsNotFound(
            f"没有找到参数文件：{where} 中没有 <机关代码>/<年度>.yaml（no params files found）；"
            "未改动任何已发布的报告。请检查参数文件夹是否存在、是否已挂载"
        )
    try:
        with _signals_stop_the_build(), build_lock(project.build_dir, wait, on_wait) as held:
            if held.unclean:  # a killed build's temporaries may be there (we hold the lock: no running one's)
                atomic.sweep(project.build_dir)
            return _build(project, files, jobs, force, scheduler, formats, timeout, on_plan, on_result, started)
    except KeyboardInterrupt:
        raise Interrupted(f"已中断（Ctrl-C）：{STOPPED}") from None
    except OSError as err:
        mapped = storage_error(err)
        if mapped is None:
            raise
        raise mapped from None


@contextlib.contextmanager
def _signals_stop_the_build() -> Iterator[None]:
    """SIGTERM (``timeout``, CI cancelling) raises ``Terminated`` in the build, so its ``finally`` blocks
    stop the workers and kernels instead of leaving them running; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise Terminated(f"已终止（SIGTERM）：{STOPPED}")

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _build(
    project: Project,
    files: list[Path],
    jobs: int,
    force: bool,
    scheduler: str | None,
    formats: tuple[str, ...],
    timeout: float,
    on_plan: Callable[[int], None] | None,
    on_result: Callback | None,
    started: int,
) -> Summary:
    summary = Summary()
    report: Callback = on_result or (lambda kind, state: None)
    asked = noop.question(files, formats)
    if not force:
        done = noop.answer(project, asked)  # nothing changed since a build that changed nothing: its answer
        if done is not None:
            return _replay(done, on_plan, report)
    # Every params file read once: who reports to whom (a changed child rebuilds its parent), the digests.
    tree = children.scan(project.params_dir)
    found, bad = entries(project, files, tree)
    inputs = provenance.shared_inputs(project.notebook, project.expectations_dir, _graphic(project))
    shared = inputs.key
    stale: list[Entry] = []
    # Every record, read once: the skip check, the orphans and the summary all use these.
    known = {s.agency_year: s for s in all_states(project) if s.agency_year is not None}
    for e in found:
        e.family = tree.inputs(e.agency_id, e.year)
        reviews = project.reviews_file(e.agency_id, e.year)
        e.inputs = provenance.report_inputs(
            e.params_file, e.previous, formats, reviews, family=e.family, earlier=e.earlier, known=tree.digests
        )
        e.key = e.inputs.key(shared)
        e.state = known.get((e.agency_id, e.year))
        if not force and e.state is not None and is_current(project, e, e.state):
            known[(e.agency_id, e.year)] = e.state  # with the outputs' new times, when only they moved
            summary.skipped.append(e.state)
            report("skipped", e.state)
        else:
            stale.append(e)
    for i, state in enumerate(bad):
        before = known.get(state.agency_year) if state.agency_year else None
        state = bad[i] = _keep_outputs(project, state, before)
        if before is None or state_digest(before) != state_digest(state):  # the same failure: left as it is
            write_state(project, state)
        summary.failed.append(state)
        report("failed", state)
    if on_plan:
        on_plan(len(found) + len(bad))
    keep = {(e.agency_id, e.year) for e in found} | {s.agency_year for s in bad if s.agency_year is not None}
    summary.removed = remove_orphans(project, keep, list(known.values()))
    if stale:
        _build_stale(project, stale, inputs, jobs, scheduler, formats, timeout, summary, report)
    for state in summary.built + summary.failed:
        if state.agency_year is not None:
            known[state.agency_year] = state
    gone = set(summary.removed)
    current = sorted((s for s in known.values() if s.params_file not in gone), key=lambda s: (s.year or 0, s.agency_id))
    summary.states = current + [s for s in bad if s.agency_year is None]
    # The batch step, once, after every report: skipped when no report (nor its own inputs) changed.
    summary.overview = refresh_overview(project, summary.states, shared)
    write_index(project, summary.states, summary.overview, shared)
    changed_nothing = not (summary.built or summary.removed or any(s.step != "params" for s in summary.failed))
    overview_kept = summary.overview is None or summary.overview.status in ("skipped", "absent")
    if not force and changed_nothing and overview_kept:
        answer = noop.Answer(summary.skipped, summary.failed, summary.states, summary.overview)
        noop.record(project, asked, files, answer, started)
    else:
        noop.forget(project)
    return summary


def _replay(done: noop.Answer, on_plan: Callable[[int], None] | None, report: Callback) -> Summary:
    """The summary of a no-op build, from its proof, reported as that build reported it."""
    for state in done.skipped:
        report("skipped", state)
    for state in done.failed:
        report("failed", state)
    if on_plan:
        on_plan(len(done.skipped) + len(done.failed))
    return Summary(skipped=done.skipped, failed=done.failed, states=done.states, overview=done.overview)


def _keep_outputs(project: Project, failure: ReportState, previous: ReportState | None) -> ReportState:
    """``failure``, still listing the outputs the last good build published (now stale), if they are there."""
    if previous is None or not previous.outputs or failure.agency_year is None:
        return failure
    out = project.out_dir(*failure.agency_year)
    kept = [f for f in previous.files if (out / f.name).is_file()]
    if not kept:
        return failure
    return replace(
        failure,
        outputs=tuple(f.name for f in kept),
        files=tuple(kept),
        built_at=previous.built_at,
        agency=failure.agency or previous.agency,
        title=failure.title or previous.title,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _build_stale(
    project: Project,
    stale: list[Entry],
    inputs: provenance.SharedInputs,
    jobs: int,
    scheduler: str | None,
    formats: tuple[str, ...],
    timeout: float,
    summary: Summary,
    report: Callback,
) -> None:
    from nianbao.batch.job import Job, disk_full, fault
    from nianbao.batch.pool import in_child, make_executor
    from nianbao.params import ParamsError, load_params

    notebook = project.notebook.read_text(encoding="utf-8")
    graphic_path = _graphic(project)
    graphic = graphic_path.read_text(encoding="utf-8") if graphic_path else None
    checked: dict[str, tuple[Entry, Any]] = {}

    def failed(e: Entry, step: Step, message: str, **fields: Any) -> None:
        state = ReportState.failure(e.rel, step, message, agency_id=e.agency_id, year=e.year, key=e.key, **fields)
        # The outputs of the last good build stay published, marked stale: never lost to a failure.
        state = _keep_outputs(project, state, e.state)
        write_state(project, state)
        summary.failed.append(state)
        report("failed", state)

    for e in stale:
        try:
            params = load_params(e.params_file, name=e.rel)
        except ParamsError as err:
            failed(e, "params", str(err))
            continue
        if params.agency.id != e.agency_id:
            failed(e, "params", f"{e.rel}: 文件位于 {e.agency_id}/ 文件夹，但 agency.id 为 {params.agency.id[:64]!r}")
            continue
        checked[e.rel] = (e, params)
    if not checked:
        return
    # Before the validation: an unreachable scheduler is said at once (SchedulerUnavailable).
    executor = make_executor(min(jobs, len(checked)), scheduler)
    try:
        findings = in_child(batch_findings, project, list(checked.values()))
    except Exception as err:  # GX itself failed (suites missing or unreadable): no report can be checked
        executor.close()
        for rel, (e, _) in checked.items():
            failed(e, "validate", f"{rel}: 校验失败 {type(err).__name__}: {str(err)[:500]}")
        return
    except BaseException:
        executor.abort()
        raise
    reviews = {
        rel: _review(project, params, findings.get((params.agency.id, params.year)))
        for rel, (_, params) in checked.items()
    }
    loaded = {e.params_file: params for e, params in checked.values()}
    # Made one at a time as the executor takes them: a batch of thousands never holds them all.
    jobs = (
        Job(
            params_name=rel,
            params=params.to_params(),
            notebook=notebook,
            formats=formats,
            parameters={**_parameters(reviews[rel], params), "previous": _previous(project, e)},
            provenance=provenance.record(inputs, cast(provenance.ReportInputs, e.inputs)),
            timeout=timeout,
            graphic=graphic,
            years=_years(project, e, loaded) if graphic else (),
        )
        for rel, (e, params) in checked.items()
    )
    try:
        for outcome in executor.run(jobs):
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
            out = project.out_dir(entry.agency_id, entry.year)
            if fault("enospc", entry.agency_id):
                raise disk_full(str(out))
            atomic.replace_dir(out, outcome.files)
            state = ReportState(
                entry.rel,
                "built",
                agency_id=entry.agency_id,
                year=entry.year,
                key=entry.key,
                outputs=tuple(outcome.files),
                files=tuple(OutputFile.of(out / name) for name in outcome.files),
                built_at=_now(),
                **about,
            )
            write_state(project, state)
            summary.built.append(state)
            report("built", state)
    except BaseException:
        executor.abort()  # interrupted, or build/ cannot be written: stop the workers now
        raise
    else:
        executor.close()


def batch_findings(project: Project, checked: list[tuple[Entry, Any]]) -> dict[tuple[str, int], list[dict[str, Any]]]:
    """Findings (as dicts) for every agency-year of the batch, validated together in ONE Great Expectations
    run against the project's expectations/; previous years, and an aggregate report's children, come from
    params/ on disk. The build calls it in a short-lived child process (``nianbao.batch.pool.in_child``) so
    the parent does not keep GX loaded.
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
    tree = children.scan(project.params_dir)
    families = {key_of(p): children.family(tree, p.agency.id, p.year, lambda f: _rel(project, f), pool) for p in items}
    suites_dir = project.expectations_dir if project.expectations_dir.is_dir() else None
    results = validate_batch(items, pool, suites_dir=suites_dir, families=families)
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


def _graphic(project: Project) -> Path | None:
    """The 图解 notebook, when the project has one (graphic.html and its charts are made from it)."""
    return project.graphic_notebook if project.graphic_notebook.is_file() else None


def _years(project: Project, entry: Entry, loaded: dict[Path, Any]) -> tuple[dict[str, Any], ...]:
    """The params of the agency's earlier years for the 图解's trends, each file read once per build
    (``loaded``); a year with problems is left out (its own build reports them)."""
    from nianbao.params import ParamsError, load_params

    years = []
    for path in entry.earlier:
        if path not in loaded:
            try:
                loaded[path] = load_params(path, name=_rel(project, path))
            except ParamsError:
                loaded[path] = None
        if loaded[path] is not None:
            years.append(loaded[path].to_params())
    return tuple(years)


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


def refresh_overview(project: Project, states: list[ReportState], shared: str | None = None) -> OverviewResult:
    from nianbao.batch.overview import refresh

    return refresh(project, states, shared=shared)


INDEX_KEY = "index.json"  # under build/.state/: what the index page was last rendered from


def write_index(
    project: Project, states: list[ReportState], overview: OverviewResult | None = None, shared: str | None = None
) -> Path:
    """Write build/index.html for ``states`` (and the overview's links); not rendered again when neither the
    records it shows, the overview's state nor ``shared`` (the content key of the code, templates and
    notebook) changed and the page on disk is the one rendered then (its sha256 is kept beside the key, so
    an edited or damaged page is made again)."""
    target = project.build_dir / "index.html"
    record = project.build_dir / STATE_DIR / INDEX_KEY
    key = None
    if shared is not None:
        digests = "\n".join(state_digest(s) for s in states)
        batch = "" if overview is None else f"{overview.failed}|{overview.published}|{overview.message}"
        key = hashlib.sha256(f"{shared}\n{batch}\n{digests}".encode()).hexdigest()
        try:
            kept = json.loads(record.read_bytes())
            if kept.get("key") == key and hashlib.sha256(target.read_bytes()).hexdigest() == kept.get("sha256"):
                return target
        except (OSError, ValueError, AttributeError):
            pass
    from nianbao.publish.index import render_index

    html = render_index(states, overview)
    data = html.encode("utf-8")
    if not target.is_file() or target.read_bytes() != data:
        atomic.write_text(target, html)
    if key is not None:
        atomic.write_text(record, json.dumps({"key": key, "sha256": hashlib.sha256(data).hexdigest()}) + "\n")
    return target
