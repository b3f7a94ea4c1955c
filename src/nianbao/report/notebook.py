"""Helpers the report notebook calls, so that the notebook itself reads like a report.

Each ``show_*`` function displays one part of the report as HTML. The nbconvert template publishes
exactly these outputs (no code, no prompts), in notebook order.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import HTML, display

from nianbao.model import AgencyYear
from nianbao.params import from_mapping, load_params
from nianbao.report import render, tables
from nianbao.report.meta import META_KEY
from nianbao.validation.findings import Finding

# The metadata key a displayed part carries; the exporter reads the report's title and language from it.


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
    """
    injected = injected or {}
    fields = {k: injected[k] for k in AgencyYear.model_fields if k in injected and injected[k] is not None}
    if "agency" in fields:
        return from_mapping(fields, source="papermill -f parameters")
    return load_params(resolve(params_file))


def build_tables(params: AgencyYear) -> dict[str, pd.DataFrame]:
    """The three tables as DataFrames with the template's labels."""
    return tables.frames(params.tables)


def description(params: AgencyYear) -> str:
    """What a search result shows of the report: its opening sentence (at most 120 characters)."""
    first = params.preface[0] if params.preface else params.display_title
    sentence = first.split("。")[0] + ("。" if "。" in first else "")
    return sentence if len(sentence) <= 120 else sentence[:119] + "…"


def _show(html: str, part: str, params: AgencyYear) -> None:
    meta = {
        META_KEY: {
            "part": part,
            "title": params.display_title,
            "agency": params.agency.name,
            "agency_id": params.agency.id,
            "year": params.year,
            "issued": params.issued.isoformat() if params.issued else "",
            "index_number": params.index_number or "",
            "description": description(params),
            "lang": "zh-CN",
        }
    }
    display(HTML(html), metadata=meta)


def show_front(params: AgencyYear) -> None:
    """Title and opening paragraph."""
    _show(render.front(params), "front", params)


def show_section(params: AgencyYear, key: str, frames: Mapping[str, pd.DataFrame] | None = None) -> None:
    """One section under its exact heading, with its table if it has one."""
    sec = params.fmt.section(key)
    table_html = ""
    if sec.table:
        df = (frames or {}).get(sec.table)
        if df is None:
            df = tables.frame(params.tables, sec.table)
        table_html = tables.to_html(df, params.fmt, sec.table)
    _show(render.section(params, key, table_html), f"section:{key}", params)


def show_signature(params: AgencyYear) -> None:
    _show(render.signature(params), "signature", params)


def show_findings(
    params: AgencyYear,
    findings: Sequence[Finding | Mapping[str, Any]] | None = None,
    params_file: str | Path | None = None,
) -> None:
    """The 校验结果 part (review copy only): findings linked to their cells, failing cells highlighted.

    ``findings`` is what the parent process computed and papermill passed in (``nianbao run``/``build``);
    when it is None (the notebook run on its own, e.g. in JupyterLab) Great Expectations runs here,
    with the previous year's params file beside ``params_file`` when there is one.
    """
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
    else:
        found = coerce(findings)
    _show(render.findings(params, found), "validation", params)
