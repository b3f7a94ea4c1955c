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
            try:
                return super().invoke(ctx)
            except OSError as os_err:  # a full or read-only disk: one line, its own exit code
                from nianbao.errors import storage_error

                mapped = storage_error(os_err)
                if mapped is None:
                    raise
                raise mapped from None
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
    timeout: Annotated[float, typer.Option("--timeout", help="seconds one report may take before it fails")] = 300.0,
    wait: Annotated[float, typer.Option("--wait", help="seconds to wait for another build holding build/")] = 10.0,
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
    summary = run_build(
        project,
        params_files,
        jobs=jobs or os.cpu_count() or 1,
        force=True,
        timeout=timeout,
        wait=wait,
        on_wait=_waiting,
    )
    for state in sorted(summary.selection, key=lambda s: s.params_file):
        if state.failed:
            err_console.print(f"[red]✗[/] {escape(state.params_file)} \\[{escape(state.step_label)}]")
            err_console.print(state.message, markup=False, soft_wrap=True)
            if state.stale:
                err_console.print(f"  {state.stale_note}（保留上次生成的文件）", markup=False)
            continue
        assert state.agency_year is not None
        review = (project.out_dir(*state.agency_year) / filename("review")).relative_to(project.root)
        console.print(
            f"[green]✓[/] {escape(state.params_file)} → {escape(str(review))}"
            f"（错误 {state.errors} 项，警告 {state.warnings} 项）"
        )
    raise typer.Exit(exit_code(summary.selection, strict))


def _waiting(holder: str) -> None:
    err_console.print(f"build/ 正由另一次生成使用（{holder}），等待其结束……", markup=False)


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
    timeout: Annotated[float, typer.Option("--timeout", help="seconds one report may take before it fails")] = 300.0,
    wait: Annotated[float, typer.Option("--wait", help="seconds to wait for another build holding build/")] = 10.0,
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
            timeout=timeout,
            wait=wait,
            on_wait=_waiting,
            on_plan=lambda n: progress.update(task, total=n),
            on_result=on_result,
        )
    _print_summary(summary)
    raise typer.Exit(summary.exit_code(strict))


def _print_summary(summary: Summary) -> None:
    from rich.table import Table

    if summary.failing:
        failures = Table(title="生成失败", show_lines=True)
        for col in ("参数文件", "步骤", "原因", "已发布的文件"):
            failures.add_column(col, overflow="fold")
        for s in summary.failing:
            kept = s.stale_note + "（保留上次生成的文件）" if s.stale else "无"
            failures.add_row(escape(s.params_file), escape(s.step_label), escape(s.message), escape(kept))
        console.print(failures)
    # A params file that failed before and has not changed is skipped, but it still counts as failed, once.
    skipped = sum(not s.failed for s in summary.skipped)
    counts = (len(summary.built), skipped, len(summary.failing), len(summary.removed))
    table = Table(title="nianbao build")
    for col in ("生成", "未变跳过", "失败", "移除", "错误", "警告"):
        table.add_column(col, justify="right")
    table.add_row(*(str(n) for n in (*counts, summary.errors, summary.warnings)))
    console.print(table)
    stale = f"（其中 {len(summary.stale)} 份保留上次成功生成的文件，已标为过期）" if summary.stale else ""
    console.print(
        f"生成 {counts[0]} 份，未变跳过 {counts[1]} 份，失败 {counts[2]} 份{stale}，移除 {counts[3]} 份；"
        f"校验结果：错误 {summary.errors} 项，警告 {summary.warnings} 项 → build/index.html",
        markup=False,
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
        err_console.print(f"[red]✗[/] {escape(str(source))}：未能生成参数文件", highlight=False)
        raise typer.Exit(1)
    params = result.params
    # Outside a project the first import starts one here: params/ under the working folder.
    project = project_or_none() or Project(Path.cwd())
    target = output or project.params_dir / params.agency.id / f"{params.year}.yaml"
    save(result, target, force=force)
    console.print(
        f"[green]✓[/] {escape(str(source))} → {escape(str(target))}（导入报告：{escape(str(report_path(target)))}）"
    )


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
    console.print(f"[green]✓[/] {escape(str(xlsx))}")


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
