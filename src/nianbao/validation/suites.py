"""Great Expectations suites generated from a format's rules, stored as JSON in ``expectations/``.

Great Expectations judges frames that ``nianbao.validation.frames`` reshapes from the tables of every
agency-year in a batch. Each frame has the key columns ``agency_id``, ``year`` and ``key`` and
gets one suite:

``cells``            one row per cell (``key`` = cell ref): ``value``; ``count`` for whole-number cells,
                     ``unsigned`` for cells that may not be negative. Rules ``blank`` (``value`` not
                     null) and ``counts`` (``unsigned`` ≥ 0; ``count`` is ``int``).
``<table>-records``  one row per record (``key`` = record key), one column per field, plus derived
                     columns: rules ``row_sum``/``record_sum`` (total = sum of parts) and ``stock``.
``<table>-fields``   the table transposed: one row per field (``key`` = field key), one column per
                     record, plus derived columns: ``column_sum``, ``column_balance`` and ``carry``.

A derived column is named ``<rule id>:<role>`` (``T3-rowsum:parts``); the rule's expectation compares
it with a table column (or another derived column) by ``expect_column_pair_values_to_be_equal``,
skipping rows where either side is blank (those sums are reported as not evaluated). Nothing here
imports Great Expectations: the suites are plain JSON in GX 1.x's suite format, loaded by
``nianbao.validation.validator``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nianbao.format import Format, Record, Rule, Table

KEY_COLUMNS = ("agency_id", "year", "key")
CELLS = "cells"
GENERATOR = "nianbao expectations"

# Rule kinds by the frame they are checked on. Kinds not listed (text, headings, deadline) are not
# table arithmetic and are checked in plain Python (nianbao.validation.checks).
RECORD_KINDS = frozenset({"row_sum", "record_sum", "stock"})
FIELD_KINDS = frozenset({"column_sum", "column_balance", "carry"})
CELL_KINDS = frozenset({"blank", "counts"})
GX_KINDS = RECORD_KINDS | FIELD_KINDS | CELL_KINDS

GX_SEVERITY = {"error": "critical", "warning": "warning"}


def derived(rule: Rule | str, role: str) -> str:
    """Name of a derived column: ``T3-rowsum:parts``."""
    rule_id = rule if isinstance(rule, str) else rule.id
    return f"{rule_id}:{role}"


def frame_of(rule: Rule) -> str | None:
    """The frame a rule is checked on, or None for rules outside Great Expectations."""
    if rule.kind in CELL_KINDS:
        return CELLS
    if rule.kind in RECORD_KINDS:
        return f"{rule.table}-records"
    if rule.kind in FIELD_KINDS:
        return f"{rule.table}-fields"
    return None


def gx_rules(fmt: Format) -> list[Rule]:
    return [r for r in fmt.rules if r.kind in GX_KINDS]


# --- operands of each rule, by key (shared by the frames, the suites and the findings) -----------


def sum_parts(table: Table, rule: Rule, record: Record) -> list[str] | None:
    """Field keys a record's total sums (row_sum/record_sum), or None when the record lacks the rule's fields."""
    fields = {f.key for f in record.fields}
    parts = [p for p in rule.options["parts"] if p in fields]
    if rule.options["total"] not in fields or not parts:
        return None
    return parts


def sum_records(table: Table, rule: Rule) -> list[Record]:
    """Records a row_sum/record_sum rule applies to."""
    return [r for r in table.records if sum_parts(table, rule, r) is not None]


def stock_records(table: Table, rule: Rule) -> list[Record]:
    """Records that hold the stock, added and removed fields of a stock rule."""
    need = {rule.options["stock"], rule.options["added"], rule.options["removed"]}
    return [r for r in table.records if need <= {f.key for f in r.fields}]


def column_parts(table: Table, rule: Rule) -> list[str]:
    """Record keys a column_sum rule adds up: every record under ``parts_under`` except the total."""
    prefix = rule.options["parts_under"] + "."
    total = rule.options["total"]
    return [r.key for r in table.records if r.key.startswith(prefix) and r.key != total]


def field_keys(table: Table) -> list[str]:
    """Field keys of a table, in template order (first appearance)."""
    keys: list[str] = []
    for _, f in table.cells():
        if f.key not in keys:
            keys.append(f.key)
    return keys


# --- the suites ------------------------------------------------------------------------------------


def _pair(rule: Rule, column_a: str, column_b: str) -> dict[str, Any]:
    return _expectation(
        rule,
        "expect_column_pair_values_to_be_equal",
        {"column_A": column_a, "column_B": column_b, "ignore_row_if": "either_value_is_missing"},
    )


def _expectation(rule: Rule, kind: str, kwargs: dict[str, Any], check: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"rule_id": rule.id}
    if check:
        meta["check"] = check
    return {
        "type": kind,
        "kwargs": kwargs,
        "meta": meta,
        "description": rule.title,
        "severity": GX_SEVERITY[rule.severity],
    }


def expectations_for(rule: Rule) -> list[dict[str, Any]]:
    """The expectations of one table rule, on the columns of its frame."""
    o = rule.options
    if rule.kind == "blank":
        return [_expectation(rule, "expect_column_values_to_not_be_null", {"column": "value"})]
    if rule.kind == "counts":
        return [
            _expectation(rule, "expect_column_values_to_be_between", {"column": "unsigned", "min_value": 0}, "min"),
            _expectation(rule, "expect_column_values_to_be_in_type_list", {"column": "count", "type_list": ["int"]}),
        ]
    if rule.kind in {"row_sum", "record_sum"}:
        return [_pair(rule, o["total"], derived(rule, "parts"))]
    if rule.kind == "stock":
        return [_pair(rule, o["stock"], derived(rule, "expected"))]
    if rule.kind == "column_sum":
        return [_pair(rule, o["total"], derived(rule, "parts"))]
    if rule.kind == "column_balance":
        return [_pair(rule, derived(rule, "left"), derived(rule, "right"))]
    if rule.kind == "carry":
        return [_pair(rule, o["this_year"], derived(rule, "last_year"))]
    raise ValueError(f"rule {rule.id}: kind {rule.kind!r} is not checked by Great Expectations")


def suite_name(fmt: Format, frame: str) -> str:
    return f"nianbao-v{fmt.version}-{frame}"


def suite_filename(fmt: Format, frame: str) -> str:
    return f"v{fmt.version}-{frame}.json"


def generate(fmt: Format) -> dict[str, dict[str, Any]]:
    """Frame name → GX 1.x expectation suite (JSON-ready), for every table rule of ``fmt``."""
    by_frame: dict[str, list[dict[str, Any]]] = {}
    for rule in gx_rules(fmt):
        frame = frame_of(rule)
        assert frame is not None
        by_frame.setdefault(frame, []).extend(expectations_for(rule))
    order = [CELLS, *sorted(f for f in by_frame if f != CELLS)]
    return {
        frame: {
            "name": suite_name(fmt, frame),
            "expectations": by_frame[frame],
            "meta": {
                "nianbao": {
                    "format": fmt.version,
                    "frame": frame,
                    "key_columns": list(KEY_COLUMNS),
                    "generated_by": GENERATOR,
                }
            },
            "notes": f"Generated from the rules of {fmt.name} by `{GENERATOR}`; do not edit by hand.",
        }
        for frame in order
        if frame in by_frame
    }


def dumps(suite: Mapping[str, Any]) -> str:
    return json.dumps(suite, ensure_ascii=False, indent=2) + "\n"


def rendered(fmt: Format) -> dict[str, str]:
    """File name → file text of every suite of ``fmt``."""
    return {suite_filename(fmt, frame): dumps(suite) for frame, suite in generate(fmt).items()}


def stale(directory: Path, fmt: Format) -> list[str]:
    """File names in ``directory`` that are missing or differ from what ``fmt`` generates."""
    out = []
    for name, text in rendered(fmt).items():
        path = directory / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            out.append(name)
    return out


def write(directory: Path, fmt: Format) -> list[Path]:
    """Write the suites of ``fmt`` into ``directory`` (atomically); return the files written."""
    from nianbao import atomic

    written = []
    for name, text in rendered(fmt).items():
        atomic.write_text(directory / name, text)
        written.append(directory / name)
    return written


def load(directory: Path | None, fmt: Format) -> dict[str, dict[str, Any]]:
    """Frame name → suite, read from ``directory`` (the committed suites) when it holds them.

    Without a project folder (``directory`` None or absent), the suites are generated from the format
    in memory: the same JSON that ``nianbao expectations`` writes.
    """
    if directory is None or not directory.is_dir():
        return generate(fmt)
    out = {}
    for frame in generate(fmt):
        path = directory / suite_filename(fmt, frame)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: 缺少校验规则集；请运行 `nianbao expectations` 生成")
        out[frame] = json.loads(path.read_text(encoding="utf-8"))
    return out
