"""Execute the report notebook for one agency-year with papermill."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import papermill as pm

KERNEL_NAME = "nianbao"


def kernel_name() -> str:
    """The venv's registered kernel when present, else the default python3 kernel of this interpreter."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        return KERNEL_NAME
    except NoSuchKernel:
        return "python3"


def execute_node(
    notebook: nbformat.NotebookNode | Path,
    parameters: dict[str, Any],
    *,
    engine_name: str | None = None,
    kernel: str | None = None,
    cwd: Path | None = None,
    execution_timeout: int | None = None,
) -> nbformat.NotebookNode:
    """Run ``notebook`` with ``parameters`` and return the executed notebook (nothing is written).

    Raises papermill's PapermillExecutionError (naming the failing cell) when a cell fails.
    """
    source = notebook if isinstance(notebook, Path) else nbformat.from_dict(notebook)
    return pm.execute_notebook(
        str(source) if isinstance(source, Path) else source,
        None,
        parameters=parameters,
        engine_name=engine_name,
        kernel_name=kernel or kernel_name(),
        progress_bar=False,
        cwd=str(cwd) if cwd else None,
        log_output=False,
        execution_timeout=execution_timeout,
    )


def execute(
    notebook: Path,
    params_file: Path,
    *,
    parameters: dict[str, Any] | None = None,
    engine_name: str | None = None,
    kernel: str | None = None,
) -> nbformat.NotebookNode:
    """Run ``notebook`` for ``params_file``; the kernel runs in the notebook's folder, as in JupyterLab."""
    params = {"params_file": str(Path(params_file).resolve()), **(parameters or {})}
    return execute_node(notebook, params, engine_name=engine_name, kernel=kernel, cwd=Path(notebook).parent)
