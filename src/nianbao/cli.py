"""The ``nianbao`` command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__

app = typer.Typer(
    help="nianbao — reproducible, checked 政府信息公开工作年度报告.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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
            err_console.print(f"[red]✗[/] {escape(str(path))} \\[{result.step}]\n{escape(result.message)}")
    raise typer.Exit(1 if failed else 0)


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

    from .build import build as run_build
    from .project import find_project

    project = find_project()
    counts = {"built": 0, "skipped": 0, "failed": 0}
    progress = Progress(
        TextColumn("[bold]年报[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("built {task.fields[built]} · skipped {task.fields[skipped]} · failed {task.fields[failed]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    task = progress.add_task("build", total=None, **counts)

    def on_result(kind: str, state: dict) -> None:
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


def _print_summary(summary) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    if summary.failing:
        table = Table(title="生成失败", show_lines=True)
        for col in ("参数文件", "步骤", "原因"):
            table.add_column(col, overflow="fold")
        for s in summary.failing:
            table.add_row(escape(s["params_file"]), s.get("step", ""), escape(s.get("message", "")))
        console.print(table)
    console.print(
        f"built {len(summary.built)}, skipped {len(summary.skipped)}, failed {len(summary.failing)}, "
        f"removed {len(summary.removed)}; findings: {summary.errors} errors → build/index.html"
    )
