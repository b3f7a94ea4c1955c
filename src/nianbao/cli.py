"""The ``nianbao`` command line.

Every command raises a ``nianbao.errors.NianbaoError`` for a mistake in its input or set-up; the app's
command group (``NianbaoGroup``) is the one place that turns it into its message on stderr and its exit
code, so no user mistake ends in a Python traceback.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from nianbao import __version__
from nianbao.errors import FileExists, InvalidArgument, MissingFile, NianbaoError

if TYPE_CHECKING:
    from nianbao.batch.pipeline import Summary
    from nianbao.batch.state import ReportState
    from nianbao.project import Project

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class NianbaoGroup(TyperGroup):
    """The command group; a ``NianbaoError`` from any command ends here as a message and an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NianbaoError as err:
            if err.lead:
                err_console.print(f"[red]{escape(err.lead)}[/]", end="")
            err_console.print(str(err), markup=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None


app = typer.Typer(
    cls=NianbaoGroup,
    help="nianbao — reproducible, checked 政府信息公开工作年度报告.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _existing(path: Path) -> Path:
    """``path`` when it is a file; ``MissingFile`` naming it otherwise."""
    if not path.is_file():
        raise MissingFile(f"找不到文件：{path}")
    return path


def _version(value: bool) -> None:
    if value:
        console.print(f"nianbao {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Build Government Information Disclosure Annual Reports from params files."""


@app.command()
def run(
    params_files: Annotated[
        list[Path], typer.Argument(help="params/<agency-id>/<year>.yaml files", metavar="PARAMS...")
    ],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="parallel workers (default: all cores)")] = 0,
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 when any error-severity finding exists")] = False,
) -> None:
    """Build these agency-years now, current or not: validate, execute, publish, refresh build/index.html.

    The same pipeline as `nianbao build`, so what `run` built is current for the next build.
    Exit codes: 0 all built; 2 some agency-year could not be built; 1 (with --strict) error findings exist.
    """
    import os

    from nianbao.batch.pipeline import build as run_build
    from nianbao.batch.pipeline import exit_code
    from nianbao.errors import ParamsNotFound
    from nianbao.publish.outputs import filename

    missing = [p for p in params_files if not p.is_file()]
    if len(missing) == len(params_files):
        raise ParamsNotFound("找不到参数文件：" + "、".join(str(p) for p in missing))
    project = _project_of(next(p for p in params_files if p.is_file()))
    summary = run_build(project, params_files, jobs=jobs or os.cpu_count() or 1, force=True)
    for state in sorted(summary.selection, key=lambda s: s.params_file):
        if state.failed:
            err_console.print(f"[red]✗[/] {escape(state.params_file)} \\[{state.step_label}]")
            err_console.print(state.message, markup=False, soft_wrap=True)
            continue
        assert state.agency_year is not None
        review = (project.out_dir(*state.agency_year) / filename("review")).relative_to(project.root)
        console.print(
            f"[green]✓[/] {escape(state.params_file)} → {escape(str(review))}"
            f"（错误 {state.errors} 项，警告 {state.warnings} 项"
            + (f"，已审核 {state.decided} 项" if state.decided else "")
            + (f"，[red]需复核 {state.needs_review} 条[/]" if state.needs_review else "")
            + "）"
        )
    raise typer.Exit(exit_code(summary.selection, strict))


def _project_of(params_file: Path) -> Project:
    """The project around the working folder, else the one holding ``params_file``."""
    from nianbao.project import find_project, project_or_none

    return project_or_none() or find_project(params_file.resolve().parent)


@app.command()
def build(
    paths: Annotated[list[Path] | None, typer.Argument(help="params folders or files (default: params/)")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="parallel workers (default: all cores)")] = 0,
    force: Annotated[bool, typer.Option("--force", help="rebuild every report, current or not")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="exit 1 when any error-severity finding exists")] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786")
    ] = None,
) -> None:
    """Build every agency-year under PATHS into build/, skipping current reports, and write build/index.html.

    Exit codes: 0 all built; 2 some agency-year could not be built; 1 (with --strict) error findings exist.
    """
    import os

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nianbao.batch.pipeline import build as run_build
    from nianbao.project import find_project

    project = find_project()
    counts = {"built": 0, "skipped": 0, "failed": 0}
    progress = Progress(
        TextColumn("[bold]年报[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("生成 {task.fields[built]} · 跳过 {task.fields[skipped]} · 失败 {task.fields[failed]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = progress.add_task("build", total=None, **counts)

    def on_result(kind: str, state: ReportState) -> None:
        counts[kind] += 1
        progress.update(task, advance=1, **counts)

    with progress:
        summary = run_build(
            project,
            paths or [project.params_dir],
            jobs=jobs or os.cpu_count() or 1,
            force=force,
            scheduler=scheduler,
            on_plan=lambda n: progress.update(task, total=n),
            on_result=on_result,
        )
    _print_summary(summary)
    raise typer.Exit(summary.exit_code(strict))


def _print_summary(summary: Summary) -> None:
    from rich.table import Table

    if summary.failing:
        failures = Table(title="生成失败", show_lines=True)
        for col in ("参数文件", "步骤", "原因"):
            failures.add_column(col, overflow="fold")
        for s in summary.failing:
            failures.add_row(escape(s.params_file), s.step_label, escape(s.message))
        console.print(failures)
    # A params file that failed before and has not changed is skipped, but it still counts as failed, once.
    skipped = sum(not s.failed for s in summary.skipped)
    counts = (len(summary.built), skipped, len(summary.failing), len(summary.removed))
    table = Table(title="nianbao build")
    for col in ("生成", "未变跳过", "失败", "移除", "错误", "警告"):
        table.add_column(col, justify="right")
    table.add_row(*(str(n) for n in (*counts, summary.errors, summary.warnings)))
    console.print(table)
    console.print(
        f"生成 {counts[0]} 份，未变跳过 {counts[1]} 份，失败 {counts[2]} 份，移除 {counts[3]} 份；"
        f"校验结果：错误 {summary.errors} 项，警告 {summary.warnings} 项 → build/index.html"
    )


def _print_report(report: Any) -> None:
    for line in report.lines():
        console.print(line, markup=False, soft_wrap=True)


@app.command(name="import")
def import_(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="published reports (.txt .html .md .docx) or filled-in .xlsx files, or folders of them",
            metavar="SOURCE...",
        ),
    ],
    agency_id: Annotated[
        str | None,
        typer.Option("--agency-id", help="agency id, one file only (default: from the agency's name in pinyin)"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="params file, one file only (default: params/<id>/<year>.yaml)"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite existing params files")] = False,
) -> None:
    """Turn each SOURCE into a params file and an import report (<year>.import.json beside it).

    Several files or a folder: one params file per report, a summary table, and exit 2 when any
    report could not be imported (the others are written)."""
    from nianbao.importers import FORMS, import_source, report_path, save
    from nianbao.importers.bulk import import_many
    from nianbao.importers.bulk import sources as expand
    from nianbao.project import Project, project_or_none

    many = len(sources) > 1 or any(s.is_dir() for s in sources)
    if not many:
        _import_one(_existing(sources[0]), agency_id, output, force)
        return
    if agency_id is not None or output is not None:
        raise InvalidArgument("--agency-id 和 -o/--output 只能用于单个文件；多个报告的机关代码由机关名称生成")
    files = expand(sources, [e for f in FORMS.values() for e in f.extensions])
    if not files:
        raise MissingFile(f"没有找到可导入的报告文件：{'、'.join(str(s) for s in sources)}")
    # Outside a project the first import starts one here: params/ under the working folder.
    project = project_or_none() or Project(Path.cwd())
    outcomes = import_many(
        files,
        import_source,
        lambda r: project.params_dir / r.params.agency.id / f"{r.params.year}.yaml",  # type: ignore[union-attr]
        lambda r, target: save(r, target, force=force),
    )
    _print_import_summary(outcomes, report_path)
    if any(not o.ok for o in outcomes):
        raise typer.Exit(2)


def _import_one(source: Path, agency_id: str | None, output: Path | None, force: bool) -> None:
    from nianbao.importers import import_source, report_path, save
    from nianbao.project import Project, project_or_none

    result = import_source(source, agency_id)
    _print_report(result.report)
    if result.params is None:
        err_console.print(f"[red]✗[/] {source}：未能生成参数文件", highlight=False)
        raise typer.Exit(1)
    params = result.params
    # Outside a project the first import starts one here: params/ under the working folder.
    project = project_or_none() or Project(Path.cwd())
    target = output or project.params_dir / params.agency.id / f"{params.year}.yaml"
    save(result, target, force=force)
    console.print(f"[green]✓[/] {source} → {target}（导入报告：{report_path(target)}）")


def _print_import_summary(outcomes: list[Any], report_path: Any) -> None:
    from rich.table import Table

    from nianbao.importers.bulk import COUNTS

    table = Table(title="nianbao import", show_lines=False)
    for col in ("报告", "机关", "年度", "读取", *COUNTS, "结果"):
        table.add_column(col, overflow="fold", justify="right" if col in ("读取", *COUNTS) else "left")
    for o in outcomes:
        params = o.result.params if o.result is not None else None
        table.add_row(
            escape(o.source.name),
            escape(params.agency.name) if params else "",
            str(params.year) if params else "",
            str(o.read) if params else "",
            *(str(o.count(h)) if params else "" for h in COUNTS),
            f"[green]✓[/] {escape(str(o.target))}" if o.ok else f"[red]✗[/] {escape(o.error or '')}",
        )
    console.print(table)
    failed = sum(not o.ok for o in outcomes)
    console.print(
        f"导入 {len(outcomes) - failed} 份，失败 {failed} 份；每份的导入报告在参数文件旁（<年度>.import.json）",
        markup=False,
    )


def _findings(params: Any) -> list[Any]:
    """Great Expectations findings for ``params``, without a previous year."""
    from nianbao.validation.validator import validate_one

    return validate_one(params, previous=None)


@app.command()
def lint(
    source: Annotated[Path, typer.Argument(help="a published report (.txt .html .md .docx) or a filled-in .xlsx")],
) -> None:
    """Check SOURCE against the format: the import report plus the validation findings. Writes nothing."""
    from nianbao.importers import import_source

    result = import_source(_existing(source), agency_id="lint")
    _print_report(result.report)
    if result.params is None:
        raise typer.Exit(1)
    findings = _findings(result.params)
    console.print(f"校验结果（{len(findings)}）：" if findings else "校验结果：全部通过")
    for f in findings:
        console.print(f"  - [{f.severity}] {f.rule_id}：{f.message}", markup=False, soft_wrap=True)
    raise typer.Exit(1 if any(f.severity == "error" for f in findings) else 0)


@app.command()
def new(
    agency_id: Annotated[str, typer.Argument(help="agency id, e.g. wltzq-hailiutu")],
    year: Annotated[int, typer.Argument(help="report year, e.g. 2024")],
    xlsx: Annotated[Path, typer.Option("--xlsx", help="the fill-in workbook to write")],
    from_params: Annotated[
        Path | None, typer.Option("--from", help="prefill from this params file (e.g. last year's)")
    ] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="format version (default: the one for YEAR)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing workbook")] = False,
) -> None:
    """Write a fill-in workbook for AGENCY-ID's YEAR report; `nianbao import FILE.xlsx` reads it back."""
    from nianbao.format import DEFAULT_FORMAT, format_for_year, get_format
    from nianbao.model import AGENCY_ID
    from nianbao.params import load_params
    from nianbao.workbook.form import write_workbook

    if not AGENCY_ID.match(agency_id):
        raise InvalidArgument(f"机关代码 {agency_id!r} 不可用：只能用小写英文字母、数字、- 和 _，且以字母或数字开头")
    if xlsx.exists() and not force:
        raise FileExists(f"{xlsx} 已存在；如需覆盖请加 --force")
    params = load_params(from_params) if from_params is not None else None
    format_ = get_format(fmt or (params.format if params else format_for_year(year) or DEFAULT_FORMAT))
    write_workbook(xlsx, format_, agency_id, year, params)
    console.print(f"[green]✓[/] {xlsx}")


SEVERITY_STYLE = {"error": "[bold red]错误[/]", "warning": "[yellow]警告[/]"}
STATUS_TEXT = {"failed": "不符", "not_evaluated": "无法校验", "blank": "空白"}


@app.command()
def validate(
    params_files: Annotated[
        list[Path], typer.Argument(help="params/<agency-id>/<year>.yaml files", metavar="PARAMS...")
    ],
) -> None:
    """Check agency-years against the format's rules (Great Expectations); print the findings.

    Exit status: 0 when no error-severity finding, 1 when there is one, 2 when a params file is unusable.
    All files are validated in one Great Expectations run, with their previous years when present.
    """
    from rich.table import Table
    from rich.text import Text

    from nianbao.validation.validator import validate_files

    results = validate_files(params_files)
    bad = errors = 0
    for path, fv in results.items():
        if fv.error is not None:
            bad += 1
            err_console.print("[red]✗[/]", end=" ")
            err_console.print(str(fv.error), markup=False, soft_wrap=True)
            continue
        assert fv.params is not None and fv.findings is not None
        if fv.previous_error is not None:
            err_console.print("[yellow]上年度参数文件有误，跨年度规则未校验：[/]")
            err_console.print(str(fv.previous_error), markup=False, soft_wrap=True)
        findings = fv.findings
        n_err = sum(f.is_error for f in findings)
        errors += n_err
        head = Text(f"{path}  {fv.params.display_title}")
        if not findings:
            console.print("[green]✓[/]", Text(f"{path}  {fv.params.display_title}：未发现问题"))
            continue
        table = Table(title=head, title_justify="left", show_lines=True, expand=True)
        table.add_column("级别", no_wrap=True)
        table.add_column("规则", no_wrap=True)
        table.add_column("结果", no_wrap=True)
        table.add_column("说明", overflow="fold", ratio=3)
        table.add_column("位置", overflow="fold", ratio=1, min_width=14)
        for f in findings:
            cells = (f.cells[0] if f.cells else "") + (f"\n等{len(f.cells)}格" if len(f.cells) > 1 else "")
            if not cells and f.section:
                cells = fv.params.fmt.section(f.section).heading
            table.add_row(
                SEVERITY_STYLE[f.severity], Text(f.rule_id), STATUS_TEXT[f.status], Text(f.message), Text(cells)
            )
        console.print(table)
        console.print(f"错误 {n_err} 项，警告 {len(findings) - n_err} 项\n")
    raise typer.Exit(2 if bad else (1 if errors else 0))


@app.command()
def expectations(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare: exit 1 if expectations/ differs from the format's rules.")
    ] = False,
) -> None:
    """Generate the Great Expectations suites in expectations/ from the national format's rules."""
    from nianbao.format import available_formats, get_format
    from nianbao.project import find_project
    from nianbao.validation.suites import stale, write

    folder = find_project().expectations_dir
    if check:
        changed = [f"{folder / name}" for v in available_formats() for name in stale(folder, get_format(v))]
        for name in changed:
            err_console.print(f"[red]与格式不一致或缺失[/]：{name}")
        if changed:
            err_console.print("请运行 `nianbao expectations` 重新生成。")
            raise typer.Exit(1)
        console.print(f"[green]✓[/] {folder} 与格式规则一致")
        raise typer.Exit(0)
    for v in available_formats():
        for path in write(folder, get_format(v)):
            console.print(f"wrote {path}")


@app.command()
def review(
    params_file: Annotated[Path, typer.Argument(help="params/<agency-id>/<year>.yaml", metavar="PARAMS")],
    rule: Annotated[str | None, typer.Option("--rule", help="rule id, e.g. T4-sum or blank")] = None,
    cells: Annotated[
        list[str] | None, typer.Option("--cell", help="cell ref, e.g. t4.suit_after_review.total (repeatable)")
    ] = None,
    section: Annotated[
        str | None, typer.Option("--section", help="section key, for findings about a section (e.g. overview)")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="确认有误 / 待整改 / 已整改 / 忽略")] = None,
    reason: Annotated[str, typer.Option("--reason", help="why (required for 忽略)")] = "",
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="who decides (default: the login name)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="show the decisions recorded for PARAMS")] = False,
) -> None:
    """Record a reviewer's decision on a finding in reviews/<agency-id>/<year>.yaml (or --list them).

    The decision is made on the current values of the cells the rule relates there; it applies at every
    build while they stay the same, and shows as 需复核 (its findings open again) once one changes.
    """
    import getpass

    from nianbao.params import load_params
    from nianbao.validation import decisions as dec

    params = load_params(_existing(params_file))
    project = _project_of(params_file)
    path = project.reviews_file(params.agency.id, params.year)
    shown = str(path.relative_to(project.root))
    recorded = dec.load(path, shown)
    built = _built_findings(project, params.agency.id, params.year)
    if list_:
        _print_decisions(params, dec.apply(recorded, built or [], params.tables), built is not None, shown)
        return
    if rule is None or status is None:
        raise InvalidArgument("请给出 --rule 和 --status（或用 --list 查看已有结论）")
    try:
        who = reviewer if reviewer is not None else getpass.getuser()
    except (KeyError, OSError):
        who = ""
    updated, new = dec.record(
        params, recorded, rule=rule, cells=cells or [], status=status, reason=reason, section=section, reviewer=who
    )
    dec.save(path, updated, f"{params.agency.name} {params.year}年度")
    console.print(f"[green]✓[/] 已记录：{escape(new.status)} · {escape(rule)} → {escape(shown)}（下次生成时生效）")
    if built is not None and not any(new.covers(f) for f in built):
        err_console.print("[yellow]注意[/]：上次生成的校验结果中没有此问题；此结论在出现该问题时才生效。")


def _built_findings(project: Project, agency_id: str, year: int) -> list[Any] | None:
    """The findings of the last build of this agency-year (findings.json), None when there is none."""
    import json

    from nianbao.publish.outputs import filename
    from nianbao.validation.findings import coerce

    path = project.out_dir(agency_id, year) / filename("findings")
    try:
        return coerce(json.loads(path.read_text(encoding="utf-8"))["findings"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _print_decisions(params: Any, review: Any, built: bool, shown: str) -> None:
    from rich.table import Table

    from nianbao.report.review_record import cell_name
    from nianbao.validation.decisions import titles

    if not review.applied:
        console.print(f"{shown}：尚无审核结论")
        return
    names = titles(params.fmt)
    table = Table(title=shown, title_justify="left", show_lines=True)
    for col in ("结论", "规则", "位置", "原因", "审核人/时间", "现状"):
        table.add_column(col, overflow="fold")
    for a in review.applied:
        d = a.decision
        place = "\n".join(cell_name(params, ref) for ref in d.cells) or (d.section or "")
        state = a.state_label if built or a.state == "stale" else "（尚未生成）"
        state += "".join(f"\n{cell_name(params, c)}：原为 {was}，现为 {now}" for c, was, now in a.changed)
        table.add_row(
            escape(d.status),
            escape(f"{names.get(d.rule, d.rule)}（{d.rule}）"),
            escape(place),
            escape(d.reason or "—"),
            escape(f"{d.reviewer} {d.time}".strip()),
            escape(state),
        )
    console.print(table)


@app.command(name="issues-list")
def issues_list(
    paths: Annotated[list[Path] | None, typer.Argument(help="params folders or files (default: every report)")] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="问题清单.xlsx or .csv (default: build/问题清单.xlsx)")
    ] = Path("build/问题清单.xlsx"),
) -> None:
    """Write the 问题清单: one row per open finding or reviewer's decision across the batch, from what the
    last `nianbao build` published (findings.json and the state records; run the build first)."""
    from nianbao.batch.pipeline import discover
    from nianbao.batch.state import all_states
    from nianbao.errors import ParamsNotFound
    from nianbao.project import find_project
    from nianbao.publish.issues_list import collect, write

    project = find_project()
    states = all_states(project)
    if paths:
        wanted = {(f.resolve().parent.name, f.stem) for f in discover(paths) if f.stem.isdigit()}
        states = [s for s in states if (s.agency_id, str(s.year)) in wanted]
    if not states:
        raise ParamsNotFound("没有已生成的报告：请先运行 `nianbao build`")
    target = output if output.is_absolute() else Path.cwd() / output
    rows = collect(project, states, target.parent)
    write(target, rows)
    open_rows = sum(r.status.startswith("未处理") for r in rows)
    console.print(
        f"[green]✓[/] {escape(str(output))}：{len(states)} 份报告，未处理问题 {open_rows} 项，"
        f"审核结论 {sum(not r.status.startswith(('未处理', '生成失败')) for r in rows)} 条，"
        f"生成失败 {sum(s.failed for s in states)} 份"
    )
