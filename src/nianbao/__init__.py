"""nianbao — reproducible, checked 政府信息公开工作年度报告 (Government Information Disclosure Annual Reports)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nianbao")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
