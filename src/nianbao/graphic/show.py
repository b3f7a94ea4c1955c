"""Helpers the 图解 notebook (``notebooks/graphic.ipynb``) calls, so that the notebook reads like the page.

The notebook is executed by papermill after the report's (``nianbao run``/``build``, in the same warm
kernel), with the agency-year's params and ``years``: the params of the agency's years up to this one, for
the trend. Run alone in JupyterLab, ``years`` is None and the files ``params/<agency-id>/<year>.yaml`` beside
``params_file`` are read instead.

Each chart is displayed once, as a bundle: ``text/html`` (the section of graphic.html: the SVG inline and
the data table under it — what JupyterLab shows too), ``image/svg+xml`` and ``image/png`` (the files
``graphic-<key>.svg`` / ``.png`` that ``nianbao.publish.graphic_page`` writes beside the page), its metadata
naming the chart.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from IPython.display import display

from nianbao.errors import NianbaoError
from nianbao.graphic import data, draw
from nianbao.model import AgencyYear
from nianbao.params import from_mapping, load_params
from nianbao.report.meta import META_KEY
from nianbao.report.notebook import ReportStopped, _show, part_meta, resolve
from nianbao.report.notebook import load as load  # the same checked params as the report's
from nianbao.report.render import environment

CHART_KEY = "chart"  # under metadata[META_KEY]: the chart's key in charts.yaml


def history(params: AgencyYear, years: Sequence[Mapping[str, Any]] | None, params_file: str | Path) -> list[AgencyYear]:
    """The agency's params of every year up to ``params``'s (``params`` included).

    ``years`` are the params mappings the build passed; None reads the agency's folder beside
    ``params_file``. A year whose params cannot be used is left out (the build's own validation of that
    year says why).
    """
    found: dict[int, AgencyYear] = {}
    if years is None:
        folder = resolve(params_file).parent
        for path in sorted(folder.glob("[0-9][0-9][0-9][0-9].yaml")):
            if int(path.stem) < params.year:
                try:
                    found[int(path.stem)] = load_params(path)
                except NianbaoError:
                    continue
    else:
        for mapping in years:
            try:
                year = from_mapping(mapping)
            except NianbaoError:
                continue
            if year.agency.id == params.agency.id and year.year < params.year:
                found[year.year] = year
    found[params.year] = params
    return [found[y] for y in sorted(found)]


def show_front(params: AgencyYear, years: Sequence[AgencyYear]) -> None:
    html = (
        environment()
        .get_template("graphic/front.html.j2")
        .render(p=params, years=len(years), first=min(y.year for y in years))
    )
    _show(html, "graphic:front", params)


def show_charts(params: AgencyYear, years: Sequence[AgencyYear]) -> None:
    """Every chart of ``charts.yaml``, in order."""
    for chart in data.charts(params, years):
        drawn = draw.render(chart)
        svg = drawn[0].decode("utf-8") if drawn else ""
        inline = svg[svg.index("<svg") :] if svg else ""  # no XML declaration or doctype inside HTML
        html = environment().get_template("graphic/chart.html.j2").render(chart=chart, svg=inline)
        bundle: dict[str, Any] = {"text/html": html}
        if drawn:
            bundle["image/svg+xml"] = svg
            bundle["image/png"] = base64.b64encode(drawn[1]).decode("ascii")
        meta = part_meta(
            params, f"graphic:{chart.key}", description=f"{params.display_title}图解", **{CHART_KEY: chart.key}
        )
        display(bundle, raw=True, metadata={META_KEY: meta})


__all__ = ["ReportStopped", "history", "load", "show_charts", "show_front"]
