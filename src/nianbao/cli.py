"""The ``nianbao`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from . import __version__

app = typer.Typer(
    help="nianbao — reproducible, checked 政府信息公开工作年度报告.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


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


def discover(paths: list[Path]) -> list[Path]:
    """Params files under ``paths``: params/<agency-id>/<year>.yaml (files are taken as given)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(q for q in p.rglob("*.yaml") if q.stem.isdigit())
        else:
            found.append(p)
    return found


@app.command()
def run(
    params_files: Annotated[
        list[Path], typer.Argument(help="params/<agency-id>/<year>.yaml files", metavar="PARAMS...")
    ],
) -> None:
    """Execute the report notebook for each agency-year and publish build/<year>/<agency-id>/report.*."""
    from .runner import run_one

    failed = 0
    for path in params_files:
        result = run_one(path)
        if result.ok:
            console.print(f"[green]✓[/] {path} → {result.out_dir} ({result.seconds:.1f} s)")
        else:
            failed += 1
            err_console.print(f"[red]✗[/] {path} [{result.step}]\n{result.message}")
    raise typer.Exit(1 if failed else 0)


@app.command()
def build(
    paths: Annotated[list[Path] | None, typer.Argument(help="params folders or files (default: params/)")] = None,
) -> None:
    """Build every agency-year found under PATHS; one failure never stops the others (exit 2 if any failed)."""
    from rich.progress import Progress

    from .runner import run_one

    files = discover(paths or [Path("params")])
    if not files:
        err_console.print("没有找到参数文件（params/<agency-id>/<year>.yaml）")
        raise typer.Exit(2)
    results = []
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("building", total=len(files))
        for path in files:
            results.append(run_one(path))
            progress.advance(task)
    for r in results:
        if r.ok:
            console.print(f"[green]built[/]  {r.params_file} → {r.out_dir}")
        else:
            console.print(f"[red]failed[/] {r.params_file} [{r.step}]\n{r.message}")
    failed = sum(not r.ok for r in results)
    console.print(f"{len(results) - failed} built, {failed} failed")
    raise typer.Exit(2 if failed else 0)


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

    from .validate import ValidationFailed, validate_files

    try:
        results = validate_files(params_files)
    except ValidationFailed as err:
        err_console.print("[red]校验无法进行：[/]", end="")
        err_console.print(str(err), markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
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
    from .format import available_formats, get_format
    from .project import find_project
    from .suites import stale, write

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
