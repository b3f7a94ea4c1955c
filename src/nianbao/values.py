"""Table values of one agency-year, checked against the national format.

The params file holds each table as nested mappings that follow the format's record paths::

    t3:
      new: [0, 0, 0, 0, 0, 0, 0]        # a list in column order …
      outcome:
        withheld:
          state_secret: {natural_person: 0, …}   # … or a mapping by column key
    t4:
      review: [0, 0, 0, 0, 0]

A blank cell is ``null`` and stays ``None``: it is never silently 0. A cell holds a finite number of
at most ``MAX_CELL`` (10^12) in magnitude — a pasted ID would otherwise overflow the sums (int64) — and
a message quotes a value shortened (``shown``), never a whole pasted text.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from nianbao.format import Field, Format, Record, Table

CellValue = int | Decimal | None

MAX_CELL = 10**12  # no count or amount in a report comes near; int64 sums stay exact far beyond


def clip(text: str, limit: int = 80) -> str:
    """``text``, cut to ``limit`` characters with the full length said when longer."""
    return text if len(text) <= limit else f"{text[:limit]}…（共 {len(text):,} 个字）"


def shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters (control characters escaped)."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}…（共 {len(value):,} 个字）"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a params file: where (path and Chinese location) and what."""

    path: str
    where: str
    message: str

    def __str__(self) -> str:
        where = f"{self.where}（{self.path}）" if self.where and self.path else (self.where or self.path)
        return f"{where}：{self.message}" if where else self.message


class TableProblems(ValueError):
    """Raised with every problem found in the tables, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class TableValues(Mapping[str, CellValue]):
    """Cell reference (``t3.outcome.total.total``) → value, for one format."""

    def __init__(self, fmt: Format, values: Mapping[str, CellValue]):
        self.format = fmt
        self._values = dict(values)

    def __getitem__(self, ref: str) -> CellValue:
        return self._values[ref]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TableValues):
            return self.format.version == other.format.version and self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:  # frozen pydantic models hash their fields
        return hash(tuple(sorted(self._values.items(), key=lambda kv: kv[0])))

    def __repr__(self) -> str:
        return f"TableValues({len(self)} cells, format {self.format.version})"

    def get_cell(self, table: str, record: str, field: str) -> CellValue:
        return self._values[f"{table}.{record}.{field}"]

    def blanks(self) -> list[str]:
        return [ref for ref, v in self._values.items() if v is None]

    def to_params(self) -> dict[str, Any]:
        """The params-file form: nested mappings of lists in column order (1-field rows as scalars)."""
        out: dict[str, Any] = {}
        for tkey, table in self.format.tables.items():
            tree: dict[str, Any] = {}
            for record in table.records:
                vals = [_plain(self._values[table.cell_ref(record, f.key)]) for f in record.fields]
                node = tree
                for part in record.path[:-1]:
                    node = node.setdefault(part, {})
                node[record.path[-1]] = vals[0] if len(vals) == 1 else vals
            out[tkey] = tree
        return out


def _plain(v: CellValue) -> int | float | str | None:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"，是否应为 {close[0]!r}？" if close else ""


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"文字 {shown(value)}"
    if isinstance(value, (list, dict)):
        return f"{type(value).__name__} {shown(value)}"
    return shown(value)


def parse_cell(value: Any, field: Field) -> tuple[CellValue, str | None]:
    """Check one cell: (value, None) when it is fine, (None, message) when it is not.

    Bounds come first, so no kind ever sees an infinite, a not-a-number or a number beyond ``MAX_CELL``."""
    want = f"应为{field.cell_kind.expected(field.unit)}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"{want}，实际为 {'.nan（非数）' if math.isnan(value) else '.inf（无穷大）'}"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_CELL:
        return None, f"{want}，且不超过 10^12（1,000,000,000,000），实际为 {shown(value, 40)}（是否误填了编号？）"
    if isinstance(value, str) and len(value) > 40:
        return None, f"{want}，实际为{_describe(value)}"
    if isinstance(value, (list, dict)):
        return None, f"{want}，实际为{_describe(value)}"
    kind_value, message = field.cell_kind.parse(value, field.unit)
    if message is None and kind_value is not None and abs(kind_value) > MAX_CELL:
        return None, f"{want}，且不超过 10^12（1,000,000,000,000），实际为 {shown(value, 40)}"
    return kind_value, message


def _record_values(raw: Any, record: Record, table: Table, path: str) -> tuple[dict[str, Any], list[Problem]]:
    """Normalise a record's raw value (list, mapping or scalar) to {field key: raw value}."""
    fields = record.fields
    where = f"{table.name}「{record.label}」"
    labels = "、".join(f"{f.label}({f.key})" for f in fields)
    if isinstance(raw, list):
        if len(raw) != len(fields):
            return {}, [Problem(path, where, f"应有 {len(fields)} 个数（依次为 {labels}），实际有 {len(raw)} 个")]
        return {f.key: v for f, v in zip(fields, raw, strict=True)}, []
    if isinstance(raw, Mapping):
        problems = []
        keys = [f.key for f in fields]
        labels_to_key = {f.label: f.key for f in fields}
        out: dict[str, Any] = {}
        for k, v in raw.items():
            k = labels_to_key.get(str(k), k)
            if k not in keys:
                problems.append(
                    Problem(f"{path}.{k}", where, f"没有「{k}」这一列{_suggest(str(k), keys)}应为：{labels}")
                )
            else:
                out[k] = v
        for f in fields:
            if f.key not in out and not problems:
                problems.append(
                    Problem(f"{path}.{f.key}", table.cell_label(record, f.key), "缺少此单元格（空白请写 null）")
                )
        return out, problems
    if len(fields) == 1 and not isinstance(raw, Mapping):
        return {fields[0].key: raw}, []
    return {}, [Problem(path, where, f"应为 {len(fields)} 个数的列表（依次为 {labels}），实际为{_describe(raw)}")]


def _records_tree(table: Table) -> dict[str, Any]:
    """Nested dict of record paths: leaves are Records."""
    tree: dict[str, Any] = {}
    for record in table.records:
        node = tree
        for part in record.path[:-1]:
            node = node.setdefault(part, {})
        node[record.path[-1]] = record
    return tree


def _node_label(node: Any) -> str:
    if isinstance(node, Record):
        return node.labels[-1]
    first = next(iter(node.values()))
    while not isinstance(first, Record):
        first = next(iter(first.values()))
    return first.labels[0] if first.labels else ""


def parse_tables(raw: Any, fmt: Format) -> TableValues:
    """Check every table of ``raw`` against ``fmt``; raise TableProblems listing all problems."""
    problems: list[Problem] = []
    values: dict[str, CellValue] = {}
    if not isinstance(raw, Mapping):
        raise TableProblems([Problem("tables", "", f"应为包含 {', '.join(fmt.tables)} 的映射，实际为{_describe(raw)}")])
    for key in raw:
        if key not in fmt.tables:
            names = "、".join(f"{t.key}（{t.name}）" for t in fmt.tables.values())
            problems.append(
                Problem(f"tables.{key}", "", f"未知的表 {key!r}{_suggest(str(key), list(fmt.tables))}应为：{names}")
            )
    for tkey, table in fmt.tables.items():
        if tkey not in raw:
            problems.append(Problem(f"tables.{tkey}", table.name, "缺少此表"))
            continue
        _walk(raw[tkey], _records_tree(table), table, f"tables.{tkey}", problems, values)
    if problems:
        raise TableProblems(problems)
    return TableValues(fmt, values)


def _walk(
    raw: Any, tree: dict[str, Any], table: Table, path: str, problems: list[Problem], values: dict[str, CellValue]
) -> None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(path, table.name, f"应为按行（栏）键名组织的映射，实际为{_describe(raw)}"))
        return
    choices = list(tree)
    for key in raw:
        if key not in tree:
            expected = "、".join(f"{k}「{_node_label(v)}」" for k, v in tree.items())
            problems.append(
                Problem(
                    f"{path}.{key}", table.name, f"没有「{key}」这一项{_suggest(str(key), choices)}应为：{expected}"
                )
            )
    for key, node in tree.items():
        sub = f"{path}.{key}"
        if key not in raw:
            label = node.label if isinstance(node, Record) else _node_label(node)
            problems.append(Problem(sub, f"{table.name}「{label}」", "缺少此项（空白单元格请写 null）"))
            continue
        if isinstance(node, Record):
            cells, record_problems = _record_values(raw[key], node, table, sub)
            problems.extend(record_problems)
            for fkey, value in cells.items():
                parsed, message = parse_cell(value, node.field(fkey))
                if message:
                    problems.append(Problem(f"{sub}.{fkey}", table.cell_label(node, fkey), message))
                else:
                    values[table.cell_ref(node, fkey)] = parsed
        else:
            _walk(raw[key], node, table, sub, problems, values)
