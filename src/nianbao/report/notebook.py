"""Helpers the report notebook calls, so that the notebook itself reads like a report.

Each ``show_*`` function displays one part of the report as HTML. The nbconvert template publishes
exactly these outputs (no code, no prompts), in notebook order.

Inside JupyterLab the parts keep the template's look through ``show_style`` (one scoped stylesheet,
``templates/lab/lab.css``, displayed by the notebook's first cell: no server extension needed), and a
params file that cannot be used stops the notebook with its Chinese message, not a traceback
(``ReportStopped``): the cell still fails, so *Run All* stops there and papermill records the failure.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, display

from nianbao.errors import NianbaoError
from nianbao.model import AgencyYear
from nianbao.params import from_mapping, load_params
from nianbao.report import content, render, tables
from nianbao.report.meta import META_KEY, PART_MIME, REVIEW_CELLS_KEY, REVIEW_YOY_KEY
from nianbao.validation.findings import Finding

# The metadata key a displayed part carries; the exporter reads the report's title and language from it.


class ReportStopped(Exception):
    """The report cannot be made (a params file with problems, a missing file): the notebook stops.

    IPython shows an exception that has ``_render_traceback_`` as the lines it returns instead of a
    traceback, so the analyst reads only the Chinese message naming the file, table, row and column.
    """

    def _render_traceback_(self) -> list[str]:
        return ["\x1b[1;31m报告无法生成：\x1b[0m", *str(self).splitlines()]


def resolve(path: str | Path) -> Path:
    """``path`` as given, else relative to the current folder's parents (the notebook runs in notebooks/)."""
    p = Path(path)
    if p.is_absolute() or p.exists():
        return p
    for parent in Path.cwd().parents:
        if (parent / p).exists():
            return parent / p
    return p


def load(params_file: str | Path, injected: Mapping[str, Any] | None = None) -> AgencyYear:
    """The agency-year to report on.

    When papermill injected the params file's fields themselves (``papermill … -f params.yaml``),
    they are used; otherwise ``params_file`` is read.
    A params file that cannot be used raises ``ReportStopped`` with the Chinese message.
    """
    injected = injected or {}
    fields = {k: injected[k] for k in AgencyYear.model_fields if k in injected and injected[k] is not None}
    try:
        if "agency" in fields:
            return from_mapping(fields, source="papermill -f parameters")
        return load_params(resolve(params_file))
    except NianbaoError as err:
        raise ReportStopped(str(err)) from None


def lab_css() -> str:
    """The stylesheet that gives the report's parts the template's look inside JupyterLab."""
    return (resources.files("nianbao") / "templates" / "lab" / "lab.css").read_text(encoding="utf-8")


def show_style() -> None:
    """Display the JupyterLab stylesheet (an output of an ``analyst-only`` cell: never published)."""
    display(HTML(f"<style>\n{lab_css()}</style>"))


def build_tables(params: AgencyYear) -> dict[str, pd.DataFrame]:
    """The three tables as DataFrames with the template's labels."""
    return tables.frames(params.tables)


def description(params: AgencyYear) -> str:
    """What a search result shows of the report: its opening sentence (at most 120 characters)."""
    first = params.preface[0] if params.preface else params.display_title
    sentence = first.split("。")[0] + ("。" if "。" in first else "")
    return sentence if len(sentence) <= 120 else sentence[:119] + "…"


def part_meta(params: AgencyYear, part: str, **extra: Any) -> dict[str, Any]:
    """What an output carries for the exporters (under ``META_KEY``): which part it is and the page's
    metadata (title, agency, dates, description); ``extra`` adds or overrides keys."""
    return {
        "part": part,
        "title": params.display_title,
        "agency": params.agency.name,
        "agency_id": params.agency.id,
        "year": params.year,
        "issued": params.issued.isoformat() if params.issued else "",
        "index_number": params.index_number or "",
        "description": description(params),
        "lang": "zh-CN",
        **extra,
    }


def _show(html: str, part: str, params: AgencyYear, data: dict[str, Any] | None = None, **extra: Any) -> None:
    meta: dict[str, Any] = {META_KEY: part_meta(params, part), **extra}
    if data is None:
        display(HTML(html), metadata=meta)
    else:  # the part as data too (nianbao.report.content), for the Word exporter
        display({"text/html": html, PART_MIME: data}, raw=True, metadata=meta)


def show_front(params: AgencyYear) -> None:
    """Title and opening paragraph."""
    _show(render.front(params), "front", params, content.front(params))


def show_section(params: AgencyYear, key: str, frames: Mapping[str, pd.DataFrame] | None = None) -> None:
    """One section under its exact heading, with its table if it has one."""
    sec = params.fmt.section(key)
    table_html, cells = "", {}
    if sec.table:
        df = (frames or {}).get(sec.table)
        if df is None:
            df = tables.frame(params.tables, sec.table)
        table_html = tables.to_html(df, params.fmt, sec.table)
        cells = tables.cell_texts(df, params.fmt, sec.table)
    data = content.section(params, key, cells)
    _show(render.section(params, key, table_html), f"section:{key}", params, data)


def show_signature(params: AgencyYear) -> None:
    _show(render.signature(params), "signature", params, content.signature(params))


def show_findings(
    params: AgencyYear,
    findings: Sequence[Finding | Mapping[str, Any]] | None = None,
    params_file: str | Path | None = None,
    decisions: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    """The 校验结果 part (review copy only): the open findings linked to their cells, failing cells
    highlighted, then the 审核记录 block (reviewers' decisions), under the anchor ``#校验结果``.

    ``findings`` and ``decisions`` are what the parent process computed and papermill passed in
    (``nianbao run``/``build``); when ``findings`` is None (the notebook run on its own, e.g. in JupyterLab)
    Great Expectations runs here, with the previous year's params file beside ``params_file`` when there
    is one, and the decisions are read from ``reviews/<agency-id>/<year>.yaml`` beside ``params/``.
    """
    from nianbao.report import review_record
    from nianbao.validation.decisions import Review, beside_params, review_of
    from nianbao.validation.findings import coerce

    if findings is None:
        from nianbao.params import ParamsError
        from nianbao.validation.validator import expectations_dir, previous_year, validate_one

        previous, path = None, resolve(params_file) if params_file else None
        if path is not None:
            try:
                previous = previous_year(path)
            except ParamsError as err:  # last year's file is broken: validate this year alone, say so
                display(HTML(f"<p>{html.escape(str(err))}</p>"))
        suites_dir = expectations_dir(path.resolve().parent if path else None)
        found = validate_one(params, previous, suites_dir=suites_dir)
        review = review_of(params, found, beside_params(path) if path else None)
    else:
        review = Review.from_dicts(coerce(findings), decisions)
    # The review exporter marks the cells of review.html from this (nianbao.publish.annotate).
    marks = {REVIEW_CELLS_KEY: render.cell_marks(params, review.open)}
    body = render.findings(params, review.open) + review_record.render(params, review)
    _show(f'<div class="review-desk" id="校验结果">{body}</div>', "validation", params, **marks)


def show_year_over_year(
    params: AgencyYear,
    previous: Mapping[str, Any] | None = None,
    params_file: str | Path | None = None,
    built: bool = False,
) -> None:
    """The 与上年度比较 part (review copy only): the tables' changes since last year and each section's
    重复率 with the repeated sentences; every cell of review.html gets last year's value and the change.

    ``previous`` is last year's params as the build passed them; when the notebook runs on its own
    (``built`` False) it reads ``params/<agency-id>/<year-1>.yaml`` beside ``params_file`` instead.
    """
    from nianbao.params import ParamsError
    from nianbao.report import year_over_year

    prev_params: AgencyYear | None = None
    try:
        if previous is not None:
            prev_params = from_mapping(previous, source=f"{params.year - 1}年度参数")
        elif not built and params_file:
            from nianbao.validation.validator import previous_year

            prev_params = previous_year(resolve(params_file))
    except ParamsError as err:  # last year's file is broken: the validation part says so too
        display(HTML(f"<p>{html.escape(str(err))}</p>"))
    prev = year_over_year.read_previous(params, prev_params)
    marks = {REVIEW_YOY_KEY: year_over_year.cell_notes(params, prev)}
    _show(year_over_year.render(params, prev_params, prev), "year_over_year", params, **marks)
