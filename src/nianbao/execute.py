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


def execute(
    notebook: Path,
    params_file: Path,
    *,
    parameters: dict[str, Any] | None = None,
    engine_name: str | None = None,
    kernel: str | None = None,
) -> nbformat.NotebookNode:
    """Run ``notebook`` for ``params_file`` and return the executed notebook (nothing is written).

    The kernel runs in the notebook's folder, as in JupyterLab. Raises papermill's
    PapermillExecutionError (with the failing cell) when a cell fails.
    """
    params = {"params_file": str(Path(params_file).resolve()), **(parameters or {})}
    return pm.execute_notebook(
        str(notebook),
        None,
        parameters=params,
        engine_name=engine_name,
        kernel_name=kernel or kernel_name(),
        progress_bar=False,
        cwd=str(Path(notebook).parent),
        log_output=False,
    )
