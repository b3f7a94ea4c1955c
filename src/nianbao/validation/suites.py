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
skipping rows where either side is blank (those sums are reported as not evaluated). Which frame a
rule is checked on, and the expectations it compiles to, its kind says (``nianbao.rules``); this
module gathers them into suites. Nothing here imports Great Expectations: the suites are plain JSON
in GX 1.x's suite format, loaded by ``nianbao.validation.validator``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nianbao.format import Format, Rule
from nianbao.rules import CELLS, KEY_COLUMNS, kind_of

__all__ = [
    "CELLS",
    "KEY_COLUMNS",
    "dumps",
    "frame_of",
    "generate",
    "gx_rules",
    "load",
    "rendered",
    "stale",
    "suite_filename",
    "suite_name",
    "write",
]

GENERATOR = "nianbao expectations"


def frame_of(rule: Rule) -> str | None:
    """The frame a rule is checked on, or None for rules outside Great Expectations (its kind says)."""
    return kind_of(rule).frame_of(rule)


def gx_rules(fmt: Format) -> list[Rule]:
    """The rules Great Expectations checks, in format order."""
    return [r for r in fmt.rules if frame_of(r) is not None]


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
        by_frame.setdefault(frame, []).extend(kind_of(rule).expectations(rule))
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
