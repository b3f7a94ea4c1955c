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
    help="nianbao（年报）：可重现、经校验的政府信息公开工作年度报告。",
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
        from nianbao import __version__

        console.print(f"nianbao {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号（version）。")
    ] = False,
) -> None:
    """由参数文件（params/<机关代码>/<年度>.yaml）生成政府信息公开工作年度报告：校验、执行、发布。"""


@app.command()
def run(
    params_files: Annotated[
        list[Path], typer.Argument(help="参数文件 params/<机关代码>/<年度>.yaml", metavar="PARAMS...")
    ],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="并行进程数（jobs；默认：全部 CPU 核）")] = 0,
    strict: Annotated[bool, typer.Option("--strict", help="有“错误”级校验结果时以退出码 1 结束（strict）")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="单个报告最长用时（秒），超时只算该报告失败")] = 300.0,
    wait: Annotated[float, typer.Option("--wait", help="另一次生成占用 build/ 时最多等待的秒数")] = 10.0,
) -> None:
    """立即生成这些年度报告（不论是否已是最新）：校验、执行、发布，并更新 build/index.html。

    与 `nianbao build` 同一流程，run 生成的报告在下次 build 时视为最新。
    退出码：0 全部生成；2 有年度报告未能生成；1（加 --strict 时）有“错误”级校验结果。
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
            f"（错误 {state.errors} 项，警告 {state.warnings} 项"
            + (f"，已审核 {state.decided} 项" if state.decided else "")
            + (f"，[red]需复核 {state.needs_review} 条[/]" if state.needs_review else "")
            + "）"
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
    paths: Annotated[list[Path] | None, typer.Argument(help="参数文件夹或参数文件（默认：params/）")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="并行进程数（jobs；默认：全部 CPU 核）")] = 0,
    force: Annotated[bool, typer.Option("--force", help="全部重新生成，即使已是最新（force）")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="有“错误”级校验结果时以退出码 1 结束（strict）")] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask 集群调度器地址（scheduler），例：tcp://HOST:8786")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="单个报告最长用时（秒），超时只算该报告失败")] = 300.0,
    wait: Annotated[float, typer.Option("--wait", help="另一次生成占用 build/ 时最多等待的秒数")] = 10.0,
    to: Annotated[
        str,
        typer.Option("--to", help="导出哪些格式，逗号分隔（默认：html,pdf,docx；审核版、笔记本和校验结果总会生成）"),
    ] = "html,pdf,docx",
) -> None:
    """生成 PATHS 下每个年度报告到 build/（已是最新的跳过），并写出总览页 build/index.html。

    退出码：0 全部生成；2 有年度报告或数据总览未能生成；1（加 --strict 时）有“错误”级校验结果。
    """
    import os

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from nianbao.batch.pipeline import build as run_build
    from nianbao.project import find_project

    formats = _formats(to)
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
            formats=formats,
            timeout=timeout,
            wait=wait,
            on_wait=_waiting,
            on_plan=lambda n: progress.update(task, total=n),
            on_result=on_result,
        )
    _print_summary(summary)
    raise typer.Exit(summary.exit_code(strict))


def _formats(value: str) -> tuple[str, ...]:
    """The exported formats named by ``--to`` (in the order given, each once)."""
    from nianbao.project import DEFAULT_FORMATS

    names = tuple(dict.fromkeys(n.strip() for n in value.replace("，", ",").split(",") if n.strip()))
    wrong = [n for n in names if n not in DEFAULT_FORMATS]
    if wrong or not names:
        what = f"{'、'.join(wrong)} 不是可导出的格式" if wrong else "没有给出格式"
        raise InvalidArgument(f"--to：{what}；可用：{','.join(DEFAULT_FORMATS)}（逗号分隔，可多选）")
    return names


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
    _print_overview(summary)


# What the batch step did, as one line (the overview's status → what is said).
OVERVIEW_LINES = {
    "built": "数据总览已更新 → build/overview.html，开放数据 → build/data/（{cells} 个单元格）",
    "skipped": "数据总览未变，跳过 → build/overview.html",
    "failed": "{message}",
}


def _print_overview(summary: Summary) -> None:
    result = summary.overview
    if result is None or result.status not in OVERVIEW_LINES:
        return
    line = OVERVIEW_LINES[result.status].format(message=result.message, cells=f"{result.cells:,}")
    (err_console if result.failed else console).print(line, markup=False)


def _print_report(report: Any) -> None:
    """The import report's lines, wrapped at the terminal's width without splitting a number."""
    from nianbao.validation.console import wrap

    for line in report.lines():
        indent = len(line) - len(line.lstrip(" "))
        hang = indent + (2 if line.lstrip().startswith("- ") else 0)
        for part in wrap(line.strip(), console.width, indent=indent, hang=hang):
            console.print(part, markup=False, soft_wrap=True)


@app.command(name="import")
def import_(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="已发布的报告（.txt .html .md .docx）、填好的工作簿（.xlsx），或存放它们的文件夹",
            metavar="SOURCE...",
        ),
    ],
    agency_id: Annotated[
        str | None,
        typer.Option("--agency-id", help="机关代码（agency id），仅限单个文件（默认：由机关名称的拼音生成）"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="写出的参数文件，仅限单个文件（默认：params/<机关代码>/<年度>.yaml）"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的参数文件")] = False,
) -> None:
    """把每个 SOURCE 转为参数文件，并在旁边写出导入报告（<年度>.import.json）。

    多个文件或文件夹：每份报告一个参数文件，最后列出汇总表；有报告未能导入时以退出码 2 结束
    （其余照常写出）。工作簿中合计与勾稽关系不符之处逐条列出。"""
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
    if result.report.checks:  # written, but a sum fails or a total was typed over: say so, not ✓
        console.print(
            f"[yellow]![/] {escape(str(source))} → {escape(str(target))}"
            f"（合计与勾稽关系不符 {len(result.report.checks)} 处，见上；导入报告：{escape(str(report_path(target)))}）"
        )
        return
    console.print(
        f"[green]✓[/] {escape(str(source))} → {escape(str(target))}（导入报告：{escape(str(report_path(target)))}）"
    )


def _import_result(o: Any) -> str:
    """The 结果 cell of one imported report: ✓, ! when sums fail or totals were typed over, ✗."""
    if not o.ok:
        return f"[red]✗[/] {escape(o.error or '')}"
    checks = o.result.report.checks if o.result is not None else []
    if checks:
        return f"[yellow]![/] {escape(str(o.target))}（合计与勾稽关系不符 {len(checks)} 处）"
    return f"[green]✓[/] {escape(str(o.target))}"


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
            _import_result(o),
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


OutputFormat = Annotated[str, typer.Option("--format", help="输出格式：text（分组，供人阅读）或 json（供程序读取）")]
ErrorsOnly = Annotated[bool, typer.Option("--errors-only", help="只列“错误”级结果，不列“警告”")]


def _output_format(value: str) -> str:
    if value not in ("text", "json"):
        raise InvalidArgument(f"--format 只能是 text 或 json，而不是 {value!r}")
    return value


def _print_groups(findings: list[Any], fmt: Any, errors_only: bool = False) -> None:
    """The findings grouped as reviewers read them, wrapped without splitting a number."""
    from nianbao.validation.console import group_lines, summary, wrap
    from nianbao.validation.grouping import group_findings

    groups = group_findings(fmt, findings)
    head = "校验结果：没有错误（只列错误，警告未列出）" if errors_only and not findings else summary(findings, groups)
    for line in wrap(head, console.width):
        console.print(line, markup=False, soft_wrap=True)
    for style, line in group_lines(groups, console.width):
        console.print(line, style=style or None, markup=False, soft_wrap=True)


def _json_out(doc: Any) -> None:
    import json

    print(json.dumps(doc, ensure_ascii=False, indent=2))


@app.command()
def lint(
    source: Annotated[Path, typer.Argument(help="已发布的报告（.txt .html .md .docx）或填好的工作簿（.xlsx）")],
    output_format: OutputFormat = "text",
    errors_only: ErrorsOnly = False,
) -> None:
    """按格式检查 SOURCE：导入报告加分组的校验结果，不写任何文件。

    退出码：0 没有“错误”级结果；1 有（或 SOURCE 无法读取）。
    """
    from nianbao.importers import import_source
    from nianbao.validation.console import document
    from nianbao.validation.grouping import group_findings

    _output_format(output_format)
    result = import_source(_existing(source), agency_id="lint")
    findings = _findings(result.params) if result.params is not None else []
    if errors_only:
        findings = [f for f in findings if f.is_error]
    if output_format == "json":
        doc: dict[str, Any] = {"source": str(source), "import": result.report.to_dict()}
        if result.params is not None:
            doc.update(document(findings, group_findings(result.params.fmt, findings)))
        _json_out(doc)
    else:
        _print_report(result.report)
        if result.params is not None:
            _print_groups(findings, result.params.fmt, errors_only)
    if result.params is None:
        raise typer.Exit(1)
    raise typer.Exit(1 if any(f.is_error for f in findings) else 0)


@app.command()
def new(
    agency_id: Annotated[str, typer.Argument(help="机关代码（agency id），例：wltzq-hailiutu")],
    year: Annotated[int, typer.Argument(help="报告年度，例：2024")],
    xlsx: Annotated[Path, typer.Option("--xlsx", help="要写出的填报工作簿（.xlsx）")],
    from_params: Annotated[Path | None, typer.Option("--from", help="用此参数文件预先填好（例如上一年度的）")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="格式版本：2021 或 2019（默认：按年度）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的工作簿")] = False,
) -> None:
    """为 AGENCY-ID 的 YEAR 年度报告写出填报工作簿；填好后用 `nianbao import 文件.xlsx` 导入。"""
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


@app.command()
def rollup(
    parent: Annotated[
        str, typer.Argument(help="汇总报告的机关代码（上级机关，下级机关参数文件中 parent: 所写），例：xian")
    ],
    year: Annotated[int, typer.Argument(help="报告年度，例：2024")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="写出的参数文件（默认：params/<机关代码>/<年度>.yaml）")
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option("--scope", help="统计范围：本级政府汇总 或 系统汇总（默认：沿用本机关其他年度参数文件的）"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="机关名称（默认：取自本机关其他年度的参数文件）")] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖已有的参数文件")] = False,
) -> None:
    """为上级机关 PARENT 的 YEAR 年度汇总报告写出参数文件初稿：统计表为各下级机关报告之和。

    下级机关为参数文件中写明 parent: PARENT 的机关。任一下级机关空白（或不可比）的单元格留空，
    文件开头的注释列出这些单元格及原因、已汇总的下级机关和无本年度报告的下级机关；正文由本机关填写。
    """
    from nianbao.aggregate import starter, write
    from nianbao.model import AGENCY_ID
    from nianbao.project import find_project

    if not AGENCY_ID.match(parent):
        raise InvalidArgument(f"机关代码 {parent!r} 不可用：只能用小写英文字母、数字、- 和 _，且以字母或数字开头")
    project = find_project()
    target = output or project.params_dir / parent / f"{year}.yaml"
    if target.exists() and not force:
        raise FileExists(f"{target} 已存在；如需覆盖请加 --force")

    def shown(path: Path) -> str:
        try:
            return str(path.absolute().relative_to(project.root))
        except ValueError:
            return str(path)

    result = starter(project.params_dir, parent, year, name=name, scope=scope, shown=shown)
    write(target, result.text(f"nianbao rollup {parent} {year}"), force=force)
    console.print(f"[green]✓[/] {escape(str(target))}", markup=True)
    console.print(
        f"已汇总 {len(result.summed)} 个下级机关：" + ("、".join(c.named for c in result.summed) or "无"),
        markup=False,
    )
    if result.absent:
        console.print(
            "未计入合计（无本年度报告或参数文件有误）：" + "、".join(c.named for c in result.absent), markup=False
        )
    n_blank = sum(len(v) for v in result.blank.values())
    if n_blank:
        console.print(f"留空 {n_blank} 个单元格（下级机关报告之和未知），原因见文件开头的注释。", markup=False)
    console.print("正文各部分、开头段落和发布日期待本机关填写。", markup=False)


@app.command()
def validate(
    params_files: Annotated[
        list[Path], typer.Argument(help="参数文件 params/<机关代码>/<年度>.yaml", metavar="PARAMS...")
    ],
    output_format: OutputFormat = "text",
    errors_only: ErrorsOnly = False,
) -> None:
    """按格式的勾稽关系等规则校验年度报告（Great Expectations），列出校验结果。

    退出码：0 没有“错误”级结果；1 有；2 有参数文件无法使用。
    所有文件在一次 Great Expectations 运行中校验，有上一年度参数文件时一并核对跨年度规则。
    """
    from rich.text import Text

    from nianbao.validation.console import document, wrap
    from nianbao.validation.grouping import group_findings
    from nianbao.validation.validator import validate_files

    _output_format(output_format)
    results = validate_files(params_files)
    bad = errors = 0
    docs: list[dict[str, Any]] = []
    for path, fv in results.items():
        if fv.error is not None:
            bad += 1
            if output_format == "json":
                docs.append({"path": str(path), "error": str(fv.error)})
                continue
            err_console.print("[red]✗[/]", end=" ")
            err_console.print(str(fv.error), markup=False, soft_wrap=True)
            continue
        assert fv.params is not None and fv.findings is not None
        findings = [f for f in fv.findings if f.is_error] if errors_only else fv.findings
        errors += sum(f.is_error for f in findings)
        if output_format == "json":
            doc = {"path": str(path), "agency_id": fv.params.agency.id, "year": fv.params.year}
            if fv.previous_error is not None:
                doc["previous_error"] = str(fv.previous_error)
            docs.append({**doc, **document(findings, group_findings(fv.params.fmt, findings))})
            continue
        if fv.previous_error is not None:
            err_console.print("[yellow]上年度参数文件有误，跨年度规则未校验：[/]")
            err_console.print(str(fv.previous_error), markup=False, soft_wrap=True)
        if not findings:
            verdict = "没有错误" if errors_only else "未发现问题"
            console.print("[green]✓[/]", Text(f"{path}  {fv.params.display_title}：{verdict}"))
            continue
        for line in wrap(f"{path}  {fv.params.display_title}", console.width):
            console.print(line, style="bold", markup=False, soft_wrap=True)
        _print_groups(findings, fv.params.fmt, errors_only)
        console.print()
    if output_format == "json":
        _json_out({"files": docs})
    raise typer.Exit(2 if bad else (1 if errors else 0))


@app.command()
def expectations(
    check: Annotated[
        bool, typer.Option("--check", help="只比较：expectations/ 与格式的规则不一致时以退出码 1 结束")
    ] = False,
) -> None:
    """由国家格式的规则重新生成 expectations/ 中的 Great Expectations 校验套件（开发者用）。"""
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
    params_file: Annotated[Path, typer.Argument(help="参数文件 params/<机关代码>/<年度>.yaml", metavar="PARAMS")],
    rule: Annotated[str | None, typer.Option("--rule", help="规则代码（rule id），如 T4-sum、blank")] = None,
    cells: Annotated[
        list[str] | None, typer.Option("--cell", help="单元格（cell ref），如 t4.suit_after_review.total，可重复")
    ] = None,
    section: Annotated[
        str | None, typer.Option("--section", help="正文部分（section key），用于关于正文的结果，如 overview")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="确认有误 / 待整改 / 已整改 / 忽略")] = None,
    reason: Annotated[str, typer.Option("--reason", help="理由（“忽略”必须填写）")] = "",
    reviewer: Annotated[str | None, typer.Option("--reviewer", help="审核人（默认：登录名）")] = None,
    list_: Annotated[bool, typer.Option("--list", help="列出该报告已记录的审核意见")] = False,
) -> None:
    """记录审核意见（确认有误 / 待整改 / 已整改 / 忽略）到 reviews/<机关代码>/<年度>.yaml，或用 --list 列出。

    审核意见以规则涉及单元格的当前数值为准：数值不变，每次生成都沿用；任一数值改变，显示为“需复核”，相应结果重新列为未处理。
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
        params,
        recorded,
        rule=rule,
        cells=cells or [],
        status=status,
        reason=reason,
        section=section,
        reviewer=who,
        findings=built,
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
        state += "".join(
            f"\n{cell_name(params, c)} 的对照值（应为）：原为 {was}，现为 {now}" for c, was, now in a.expected_changed
        )
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
    paths: Annotated[list[Path] | None, typer.Argument(help="参数文件或文件夹（默认：全部报告）")] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="输出 问题清单.xlsx 或 .csv（默认：build/问题清单.xlsx）")
    ] = Path("build/问题清单.xlsx"),
) -> None:
    """导出问题清单：全部报告中每个未处理的校验结果、每条审核意见各占一行（xlsx 或 CSV）。

    读取上次 `nianbao build` 发布的 findings.json 和状态记录（请先生成）。
    """
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
