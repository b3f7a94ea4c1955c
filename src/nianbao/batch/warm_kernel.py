"""Papermill engines. ``warm``: run each notebook in a kernel kept alive across notebooks.

Starting a Jupyter kernel and importing pandas/nianbao costs ~0.5–1 s per report; a batch pays it
once per worker instead. Between notebooks the kernel's namespace is reset (``reset(new_session=True)``:
user variables gone, execution count back to 1) and the memory the last one freed is given back
(``nianbao.batch.memory``), so each report runs as in a fresh kernel while already-imported modules stay
loaded. A kernel that died or has run ``RECYCLE_AFTER`` notebooks is replaced. Registered as the papermill
engine ``nianbao_warm`` (entry point group ``papermill.engine``).
"""

from __future__ import annotations

import atexit
import logging
import threading
from dataclasses import dataclass
from typing import Any

from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbformat import v4

from nianbao.batch.memory import KERNEL_RELEASE

logger = logging.getLogger("papermill")

RECYCLE_AFTER = 200
# The namespace is reset, then the memory the last notebook freed is given back (nianbao.batch.memory).
RESET = f"get_ipython().reset(new_session=True)\n{KERNEL_RELEASE}"


@dataclass
class WarmKernel:
    client: NotebookClient  # owns the kernel manager and the kernel client
    cwd: str | None
    runs: int = 0

    @property
    def alive(self) -> bool:
        km = self.client.km
        return bool(km is not None and run_sync(km.is_alive)())

    def reset(self) -> None:
        kc = self.client.kc
        assert kc is not None
        self.client.wait_for_reply(kc.execute(RESET, silent=True, store_history=False))

    def shutdown(self) -> None:
        try:
            self.client._cleanup_kernel()
        except Exception:  # the kernel may already be gone
            logger.debug("warm kernel cleanup failed", exc_info=True)


# One warm kernel per (thread, kernel name, cwd): a Dask worker runs jobs in several threads.
_KERNELS: dict[tuple[int, str, str | None], WarmKernel] = {}


def _start(kernel_name: str, cwd: str | None, startup_timeout: int) -> WarmKernel:
    client = NotebookClient(v4.new_notebook(), kernel_name=kernel_name, startup_timeout=startup_timeout)
    client.km = client.create_kernel_manager()
    client.start_new_kernel(cwd=cwd)
    client.start_new_kernel_client()
    return WarmKernel(client, cwd)


def warm_kernel(kernel_name: str, cwd: str | None = None, startup_timeout: int = 60) -> WarmKernel:
    """The worker's warm kernel for (kernel_name, cwd), started or replaced as needed."""
    key = (threading.get_ident(), kernel_name, cwd)
    kernel = _KERNELS.get(key)
    if kernel is not None and (not kernel.alive or kernel.runs >= RECYCLE_AFTER):
        kernel.shutdown()
        kernel = None
    if kernel is None:
        kernel = _KERNELS[key] = _start(kernel_name, cwd, startup_timeout)
    return kernel


def shutdown_all() -> None:
    while _KERNELS:
        _, kernel = _KERNELS.popitem()
        kernel.shutdown()


atexit.register(shutdown_all)


def _engine_class() -> type:
    # papermill loads its engine entry points while it is itself being imported, so this module
    # must not import papermill at the top: the class is built on first access (see __getattr__).
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    class WarmKernelEngine(NBClientEngine):
        """Like papermill's nbclient engine, but in this process's warm kernel."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> Any:
            kwargs = remove_args(["input_path"], **kwargs)
            cwd = kwargs.pop("cwd", None)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            kernel = warm_kernel(kernel_name, cwd, start_timeout)
            kernel.reset()
            kernel.runs += 1
            client = PapermillNotebookClient(nb_man, km=kernel.client.km, **final_kwargs)
            client.kc = kernel.client.kc
            return client.execute()

    return WarmKernelEngine


def __getattr__(name: str) -> Any:
    if name == "WarmKernelEngine":
        cls = _engine_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)
