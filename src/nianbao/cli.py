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
            err_console.print(f"[red]✗[/] {escape(str(path))} \\[{result.step}]\n{escape(result.message)}")
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
            console.print(f"[red]failed[/] {escape(str(r.params_file))} \\[{r.step}]\n{escape(r.message)}")
    failed = sum(not r.ok for r in results)
    console.print(f"{len(results) - failed} built, {failed} failed")
    raise typer.Exit(2 if failed else 0)
