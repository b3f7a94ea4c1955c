"""build/data/: the batch's figures as open data, so others can use them without retyping a report.

- ``cells.csv`` and ``cells.parquet``: every agency-year's table cells in one long table, one row per cell
  of the national format (``COLUMNS``): the agency (id and name), the year, the format, the table, the row
  (the params record's key and the template's label), the column (key and label), the cell reference,
  the value and ``blank``. A blank cell has an empty value and ``blank`` true — never 0. Rows follow the
  agency-years (year, then agency id) and, within one, the template's order of tables, rows and columns.
- ``findings.csv`` and ``findings.parquet``: one row per finding the last build published for an
  agency-year (its ``findings.json``): the rule, its Chinese title, severity, the cells, and whether a
  reviewer's decision covers it. The overview notebook counts the findings by rule from it.
- ``params.schema.json``: the JSON Schema of a params file (pydantic's schema of ``nianbao.model``, the
  tables described from the national formats' records, ``nianbao.format``).

Only agency-years with a current report are exported (a failed one's params may not even parse), so the
figures are exactly those of the published reports. Each one's rows are kept in ``build/.state/cells/``
under its content key, so a build that changed one report re-reads one params file. The CSV files are
UTF-8 with a BOM: Excel and WPS, which most offices open a CSV with, read the Chinese labels only then;
pandas reads them with ``encoding="utf-8-sig"``. Every file is written atomically and deterministically:
the same reports give byte-identical files (Parquet without timestamps, sorted rows, fixed column types).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nianbao import atomic
from nianbao.batch.state import STATE_DIR, ReportState
from nianbao.format import Format, available_formats, get_format
from nianbao.project import Project
from nianbao.publish.outputs import filename

DATA_DIR = "data"
CELLS_CSV = "cells.csv"
CELLS_PARQUET = "cells.parquet"
FINDINGS_CSV = "findings.csv"
FINDINGS_PARQUET = "findings.parquet"
SCHEMA = "params.schema.json"
CACHE_DIR = "cells"  # build/.state/cells/<year>/<agency-id>.json: each report's rows, by content key
FILES = (CELLS_CSV, CELLS_PARQUET, FINDINGS_CSV, FINDINGS_PARQUET, SCHEMA)

# The long table's columns and their pandas dtypes (the Parquet schema follows them).
COLUMNS: dict[str, str] = {
    "agency": "string",  # the agency id (params/<agency-id>/)
    "agency_name": "string",
    "year": "int64",
    "format": "string",  # the national format's version: 2021, 2019
    "table": "string",  # t2, t3, t4
    "table_name": "string",  # 表三（收到和处理政府信息公开申请情况）
    "row": "string",  # the params record's key: outcome.withheld.state_secret
    "row_label": "string",  # the template's labels of that row: 三、本年度办理结果 / （三）不予公开 / 1.属于国家秘密
    "column": "string",  # the field key: natural_person, total
    "column_label": "string",  # the template's column label: 自然人, 总计
    "cell": "string",  # the cell reference: t3.outcome.withheld.state_secret.total
    "value": "Float64",  # counts and amounts (万元); empty when blank
    "blank": "bool",  # the cell was left blank (null in the params file): unknown, never 0
}
FINDING_COLUMNS: dict[str, str] = {
    "agency": "string",
    "agency_name": "string",
    "year": "int64",
    "format": "string",
    "rule": "string",  # the rule's id in the format: t3_outcome_total
    "title": "string",  # its Chinese title, as reviewers read it
    "severity": "string",  # error, warning
    "status": "string",  # failed, not_evaluated, blank
    "table": "string",
    "cells": "string",  # the cells it names, space-separated
    "decided": "bool",  # a reviewer's decision in force covers it
}


@dataclass(frozen=True)
class Export:
    """What was written to build/data/: row counts, and the agency-years whose params could not be read."""

    cells: int
    findings: int
    agency_years: int
    skipped: tuple[str, ...] = ()  # params files of built reports that could not be read now


def data_dir(project: Project) -> Path:
    return project.build_dir / DATA_DIR


def published(states: Iterable[ReportState]) -> list[ReportState]:
    """The agency-years with a current report, by year then agency id."""
    return sorted(
        (s for s in states if not s.failed and s.agency_year is not None), key=lambda s: (s.year or 0, s.agency_id)
    )


def cell_rows(agency: str, agency_name: str, year: int, tables: Any) -> Iterator[tuple[Any, ...]]:
    """The long table's rows of one agency-year (``tables``: its ``TableValues``), in template order."""
    fmt: Format = tables.format
    for table in fmt.tables.values():
        for record, f in table.cells():
            ref = table.cell_ref(record, f.key)
            v = tables[ref]
            yield (
                agency,
                agency_name,
                year,
                fmt.version,
                table.key,
                table.name,
                record.key,
                record.label,
                f.key,
                f.label,
                ref,
                None if v is None else float(v),
                v is None,
            )


def cache_path(project: Project, state: ReportState) -> Path:
    """Where one agency-year's rows are kept between builds, under the content key they were read with."""
    return project.build_dir / STATE_DIR / CACHE_DIR / str(state.year) / f"{state.agency_id}.json"


def report_rows(project: Project, state: ReportState) -> list[tuple[Any, ...]]:
    """One agency-year's rows: from the cache when its content key is unchanged, else from its params file
    (parsing YAML is most of the export's cost; a batch where one report changed re-reads one file).
    Raises ``ParamsError``/``OSError`` when the params file cannot be read now."""
    from nianbao.params import load_params

    cache = cache_path(project, state)
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("key") == state.key and state.key:
            return [tuple(r) for r in kept["rows"]]
    except (OSError, ValueError, AttributeError):
        pass
    params = load_params(project.root / state.params_file, name=state.params_file)
    rows = list(cell_rows(state.agency_id, params.agency.name, params.year, params.tables))
    atomic.write_text(cache, json.dumps({"key": state.key, "rows": rows}, ensure_ascii=False))
    return rows


def cells_frame(project: Project, states: Iterable[ReportState]) -> tuple[pd.DataFrame, list[str]]:
    """The long table of every published agency-year, and the params files that could not be read."""
    from nianbao.params import ParamsError

    rows: list[tuple[Any, ...]] = []
    skipped: list[str] = []
    for s in published(states):
        try:
            rows += report_rows(project, s)
        except (ParamsError, OSError):
            skipped.append(s.params_file)  # changed since it was built: the next build rebuilds it
    return _typed(pd.DataFrame(rows, columns=list(COLUMNS)), COLUMNS), skipped


def findings_frame(project: Project, states: Iterable[ReportState]) -> pd.DataFrame:
    """One row per finding in the published findings.json of each agency-year."""
    rows: list[tuple[Any, ...]] = []
    for s in published(states):
        path = project.out_dir(s.agency_id, s.year or 0) / filename("findings")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        found = doc.get("findings") or []
        decided = {i for d in doc.get("decisions") or [] if d.get("state") == "in_force" for i in d.get("findings", ())}
        for i, f in enumerate(found):
            rows.append(
                (
                    s.agency_id,
                    s.agency,
                    s.year,
                    str(doc.get("format") or ""),
                    f.get("rule_id", ""),
                    f.get("title") or f.get("rule_id", ""),
                    f.get("severity", ""),
                    f.get("status", ""),
                    f.get("table") or "",
                    " ".join(f.get("cells") or ()),
                    i in decided,
                )
            )
    return _typed(pd.DataFrame(rows, columns=list(FINDING_COLUMNS)), FINDING_COLUMNS)


def _typed(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    return df.astype(columns) if len(df) else pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def to_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM, CRLF line ends; blank cells empty, numbers as written (12, 3.5), booleans true/false."""
    out = pd.DataFrame(index=df.index)
    for column, kind in zip(df.columns, (str(t) for t in df.dtypes), strict=True):
        values = df[column]
        if kind == "bool":
            out[column] = values.map({True: "true", False: "false"})
        elif kind in ("Float64", "float64"):
            out[column] = values.astype("float64").map(_number)
        else:
            out[column] = values.astype("object").where(values.notna(), "")
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _number(v: float) -> str:
    if v != v:  # NaN: a blank cell
        return ""
    return str(int(v)) if v.is_integer() else repr(float(v))


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV this module wrote, read back with the same column types as its Parquet twin."""
    df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    columns = COLUMNS if list(df.columns) == list(COLUMNS) else FINDING_COLUMNS
    out = {}
    for c, t in columns.items():
        s = df[c]
        if t == "bool":
            out[c] = s.eq("true")
        elif t == "Float64":
            out[c] = pd.to_numeric(s.replace("", None)).astype("Float64")
        else:
            out[c] = s.astype(t)
    return pd.DataFrame(out)


def to_parquet(df: pd.DataFrame) -> bytes:
    """Parquet (pyarrow, zstd) with no timestamps in its metadata: the same frame gives the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", write_statistics=True)
    return buf.getvalue()


# What each top-level key of a params file holds, as the README's "Adding an agency-year" says it.
DESCRIPTIONS = {
    "agency": "机关：id 为机关代码（小写英文字母、数字、- 和 _，与 params/ 下的文件夹同名），name 为落款的机关名称",
    "year": "报告年度（四位数字，与文件名相同）",
    "title": "报告标题（省略时为“<机关名称><年度>年政府信息公开工作年度报告”）",
    "issued": "成文日期，例如 2024年1月12日 或 2024-01-12；没有日期时为 null（校验时提示）",
    "index_number": "索引号：报告在本机关政府信息公开目录中的编号，显示在网页上",
    "preface": "正文前的说明段落",
    "sections": "各部分的正文：每部分为段落列表，小标题写作 - subhead: （一）……",
    "signature": "落款的机关名称",
    "source": "导入时记录的来源及其与国家格式的出入（nianbao import 写入）",
}


def params_schema() -> dict[str, Any]:
    """The JSON Schema of a params file: the pydantic model's, with ``tables`` described per format."""
    from pydantic.json_schema import GenerateJsonSchema

    from nianbao.model import AgencyYear

    class Generator(GenerateJsonSchema):
        def is_instance_schema(self, schema: Any) -> dict[str, Any]:
            return {}  # TableValues: described below, from the formats

    schema = AgencyYear.model_json_schema(mode="validation", schema_generator=Generator)
    versions = available_formats()
    schema["title"] = "政府信息公开工作年度报告参数文件（params/<机关代码>/<年度>.yaml）"
    schema.setdefault("properties", {})["tables"] = {
        "description": "表二、表三、表四；每行为按模板列顺序的列表，或按列键的映射；空白单元格为 null（不是 0）",
        "anyOf": [tables_schema(get_format(v)) for v in versions],
    }
    for key, text in DESCRIPTIONS.items():
        schema["properties"][key]["description"] = text
    schema["properties"]["issued"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "description": DESCRIPTIONS["issued"],
    }
    schema["properties"]["format"] = {
        "description": "国家格式版本（省略时按年度：2019—2020 年为 2019 年版，2021 年起为 2021 年版）",
        "enum": list(versions),
    }
    return schema


def tables_schema(fmt: Format) -> dict[str, Any]:
    """The ``tables`` mapping of a params file in format ``fmt``: nested objects along each record's key
    path; a record is a list of its values in column order or a mapping by column key (a record of one
    value may be that value)."""
    tables: dict[str, Any] = {}
    for table in fmt.tables.values():
        root: dict[str, Any] = {"type": "object", "title": table.name, "properties": {}, "additionalProperties": False}
        for record in table.records:
            node = root
            for part in record.path[:-1]:
                child = node["properties"].setdefault(
                    part, {"type": "object", "properties": {}, "additionalProperties": False}
                )
                node = child
            cell = {"type": ["number", "null"], "minimum": 0}
            node["properties"][record.path[-1]] = {
                "title": record.label,
                "anyOf": [
                    {"type": "array", "items": cell, "minItems": len(record.fields), "maxItems": len(record.fields)},
                    {
                        "type": "object",
                        "properties": {f.key: {**cell, "title": f.label} for f in record.fields},
                        "additionalProperties": False,
                    },
                    *([cell] if len(record.fields) == 1 else []),  # a one-value row may be the value itself
                ],
            }
        tables[table.key] = root
    return {
        "title": f"{fmt.name}",
        "type": "object",
        "properties": tables,
        "required": list(tables),
        "additionalProperties": False,
    }


def export(project: Project, states: Iterable[ReportState]) -> Export:
    """Write build/data/ for the agency-years of ``states``; a file is replaced only when its bytes change."""
    states = list(states)
    cells, skipped = cells_frame(project, states)
    findings = findings_frame(project, states)
    schema = json.dumps(params_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    files = {
        CELLS_CSV: to_csv(cells),
        CELLS_PARQUET: to_parquet(cells),
        FINDINGS_CSV: to_csv(findings),
        FINDINGS_PARQUET: to_parquet(findings),
        SCHEMA: schema.encode("utf-8"),
    }
    folder = data_dir(project)
    for name, body in files.items():
        target = folder / name
        if not target.is_file() or target.read_bytes() != body:
            atomic.write_bytes(target, body)
    years = len({(a, y) for a, y in zip(cells["agency"], cells["year"], strict=True)})
    return Export(len(cells), len(findings), years, tuple(skipped))
