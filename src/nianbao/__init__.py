"""nianbao — reproducible, checked 政府信息公开工作年度报告 (Government Information Disclosure Annual Reports).

``nianbao.__version__`` is looked up on first use, through the one lookup the content keys use for every
package (``nianbao.batch.provenance.installed_version``: a directory listing; importing
``importlib.metadata`` would cost every command a tenth of a second).
"""

from __future__ import annotations

from functools import cache


@cache
def _version() -> str:
    from nianbao.batch.provenance import installed_version

    found = installed_version("nianbao")
    return "0.0.0" if found == "-" else found  # "-": running from a source tree without installation


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'nianbao' has no attribute {name!r}")
