"""nianbao — reproducible, checked 政府信息公开工作年度报告 (Government Information Disclosure Annual Reports).

``nianbao.__version__`` is looked up on first use: importing ``importlib.metadata`` costs every command
a tenth of a second, and most never need it.
"""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nianbao")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
