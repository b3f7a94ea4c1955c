"""The 图解 (graphic reading) of a report: the charts offices publish beside it.

``data`` reads what each chart shows from an agency-year's params (the charts are data, ``charts.yaml``,
named by the national format's own cell refs and labels); ``draw`` turns a chart into deterministic SVG
(text as text, in the report's CJK fonts) and PNG with matplotlib; ``show`` holds the helpers the
second notebook (``notebooks/graphic.ipynb``) calls. ``nianbao.publish.graphic_page`` publishes the executed
notebook as ``graphic.html`` plus the chart files.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

SOURCE = "charts.yaml"


@cache
def specs() -> tuple[dict[str, Any], ...]:
    """The charts of ``charts.yaml``, in order (plain data; ``nianbao.graphic.data`` checks their kinds)."""
    text = resources.files(__package__).joinpath(SOURCE).read_text(encoding="utf-8")
    return tuple(yaml.safe_load(text)["charts"])


def chart_keys() -> tuple[str, ...]:
    """The charts' keys, in order: each is published as graphic-<key>.svg and .png."""
    return tuple(spec["key"] for spec in specs())
