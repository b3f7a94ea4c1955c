"""Typed view of a national-format data file (see ``v2021.yaml``).

The YAML holds header trees; this module derives from them everything the rest of the package
needs: the params records and their fields, stable cell references, Chinese label paths for
messages, and the rowspan/colspan layout of the template's headers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nianbao.format.cell_kinds import CellKind, cell_kind


@dataclass(frozen=True)
class Node:
    """A node of a header tree: a group (with children) or a leaf row/column of values."""

    key: str | None
    label: str
    children: tuple[Node, ...] = ()
    kind: str = "count"
    unit: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def leaves(self) -> Iterator[Node]:
        if self.is_leaf:
            yield self
        for child in self.children:
            yield from child.leaves()

    def depth(self) -> int:
        return 1 + max((c.depth() for c in self.children), default=0)

    def width(self) -> int:
        return sum(1 for _ in self.leaves())


@dataclass(frozen=True)
class Field:
    """One value cell of a record: a column of table 三, an outcome column of table 四, …"""

    key: str
    label: str
    kind: str = "count"  # a name in nianbao.format.cell_kinds.CELL_KINDS
    unit: str | None = None  # amounts: 万元, 元

    @property
    def cell_kind(self) -> CellKind:
        return cell_kind(self.kind)

    @property
    def expected(self) -> str:
        """What the cell should hold, as a clerk is told: 非负整数, 整数, 非负数（单位：元）."""
        return self.cell_kind.expected(self.unit)


@dataclass(frozen=True)
class Record:
    """One entry of a table in the params file: a key path and the values it holds."""

    path: tuple[str, ...]
    labels: tuple[str, ...]
    fields: tuple[Field, ...]

    @property
    def key(self) -> str:
        return ".".join(self.path)

    @property
    def label(self) -> str:
        return " / ".join(label for label in self.labels if label)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class TableBlock:
    """A block of table 二: a title row, a header row and value rows."""

    key: str
    label: str
    columns: tuple[Field, ...]
    rows: tuple[Node, ...]


@dataclass(frozen=True)
class HeaderCell:
    """One cell of a rendered header: label and merge."""

    label: str
    rowspan: int = 1
    colspan: int = 1
    key: str | None = None


@dataclass(frozen=True)
class Table:
    key: str
    number: str
    title: str
    layout: Literal["grid", "blocks"]
    records: tuple[Record, ...]
    columns: tuple[Node, ...] = ()
    rows: tuple[Node, ...] = ()
    corner: str = ""
    row_header: str = ""
    blocks: tuple[TableBlock, ...] = ()
    records_by: Literal["rows", "columns"] = "rows"

    @property
    def name(self) -> str:
        """How a reader names the table: 表二（主动公开政府信息情况）."""
        return f"表{self.number}（{self.title}）"

    def record(self, key: str) -> Record:
        for r in self.records:
            if r.key == key:
                return r
        raise KeyError(key)

    def block_of(self, record: Record) -> TableBlock:
        """The block of table 二 that holds ``record``."""
        for block in self.blocks:
            if any(row.key == record.path[-1] for row in block.rows):
                return block
        raise KeyError(record.key)

    def cells(self) -> Iterator[tuple[Record, Field]]:
        for r in self.records:
            for f in r.fields:
                yield r, f

    def field_keys(self) -> list[str]:
        """Field keys of the table, in template order (first appearance)."""
        return list(dict.fromkeys(f.key for _, f in self.cells()))

    def cell_ref(self, record: Record | str, field_key: str) -> str:
        rkey = record if isinstance(record, str) else record.key
        return f"{self.key}.{rkey}.{field_key}"

    def cell_label(self, record: Record, field_key: str) -> str:
        """Chinese location of a cell, as a reviewer reads it."""
        f = record.field(field_key)
        if self.layout == "grid" and self.records_by == "columns":
            return f"{self.name}「{record.label} / {f.label}」栏"
        return f"{self.name}「{record.label}」行「{f.label}」列"

    # --- layout of the template's headers (grid tables) -------------------------------------
    def row_header_depth(self) -> int:
        if all(not leaf.label for r in self.rows for leaf in r.leaves()):
            return 0
        return max((r.depth() for r in self.rows), default=0)

    def column_header_rows(self) -> list[list[HeaderCell]]:
        """Rows of header cells with merges, the corner first (grid tables)."""
        depth = max((c.depth() for c in self.columns), default=0)
        rows: list[list[HeaderCell]] = [[] for _ in range(depth)]
        rdepth = self.row_header_depth()
        if rdepth and depth:
            rows[0].append(HeaderCell(self.corner, rowspan=depth, colspan=rdepth))

        def walk(node: Node, level: int) -> None:
            if node.is_leaf:
                rows[level].append(HeaderCell(node.label, rowspan=depth - level, key=node.key))
            else:
                rows[level].append(HeaderCell(node.label, colspan=node.width(), key=node.key))
                for child in node.children:
                    walk(child, level + 1)

        for col in self.columns:
            walk(col, 0)
        return rows

    def row_header_cells(self) -> list[list[HeaderCell]]:
        """For each value row (grid tables), the header cells that start on it."""
        depth = self.row_header_depth()
        out: list[list[HeaderCell]] = []
        if depth == 0:
            return [[] for _ in r_leaves(self.rows)]

        def walk(node: Node, level: int, pending: list[HeaderCell]) -> None:
            if node.is_leaf:
                out.append([*pending, HeaderCell(node.label, colspan=depth - level, key=node.key)])
                return
            cell = HeaderCell(node.label, rowspan=node.width(), key=node.key)
            first = True
            for child in node.children:
                walk(child, level + 1, [*pending, cell] if first else [])
                first = False

        for row in self.rows:
            walk(row, 0, [])
        return out


def r_leaves(nodes: tuple[Node, ...]) -> Iterator[Node]:
    for n in nodes:
        yield from n.leaves()


@dataclass(frozen=True)
class Section:
    key: str
    number: str
    heading: str
    table: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Literal["error", "warning"]
    kind: str
    table: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Format:
    version: str
    name: str
    document: str
    first_year: int
    title_suffix: str
    sections: tuple[Section, ...]
    tables: Mapping[str, Table]
    rules: tuple[Rule, ...]
    customary_subheads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def cell_refs(self) -> list[str]:
        """Every value cell's reference, table by table in template order."""
        return [t.cell_ref(r, f.key) for t in self.tables.values() for r, f in t.cells()]

    def cell(self, ref: str) -> tuple[Table, Record, Field]:
        """Resolve a cell reference such as ``t3.outcome.total.total``."""
        table_key, rest = ref.split(".", 1)
        table = self.tables[table_key]
        record_key, field_key = rest.rsplit(".", 1)
        record = table.record(record_key)
        return table, record, record.field(field_key)


# --- building from YAML ----------------------------------------------------------------------


def _node(raw: Mapping[str, Any]) -> Node:
    return Node(
        key=raw.get("key"),
        label=raw.get("label", ""),
        children=tuple(_node(c) for c in raw.get("children", ())),
        kind=cell_kind(raw.get("kind", "count")).name,
        unit=raw.get("unit"),
    )


def _row_records(rows: tuple[Node, ...], fields: tuple[Field, ...]) -> list[Record]:
    out: list[Record] = []

    def walk(node: Node, path: tuple[str, ...], labels: tuple[str, ...]) -> None:
        p = (*path, node.key) if node.key else path
        lab = (*labels, node.label)
        if node.is_leaf:
            out.append(Record(p, lab, fields))
        for child in node.children:
            walk(child, p, lab)

    for r in rows:
        walk(r, (), ())
    return out


def _column_records(columns: tuple[Node, ...]) -> list[Record]:
    """Records are the lowest column groups; their leaves are the fields."""
    out: list[Record] = []

    def walk(node: Node, path: tuple[str, ...], labels: tuple[str, ...]) -> None:
        p = (*path, node.key) if node.key else path
        lab = (*labels, node.label)
        if node.children and all(c.is_leaf for c in node.children):
            fields = tuple(Field(c.key or "", c.label, c.kind, c.unit) for c in node.children)
            out.append(Record(p, lab, fields))
            return
        for child in node.children:
            walk(child, p, lab)

    for c in columns:
        walk(c, (), ())
    return out


def _table(key: str, raw: Mapping[str, Any]) -> Table:
    common = dict(key=key, number=raw["number"], title=raw["title"], layout=raw["layout"])
    if raw["layout"] == "blocks":
        blocks = tuple(
            TableBlock(
                key=b["key"],
                label=b["label"],
                columns=tuple(
                    Field(c["key"], c["label"], cell_kind(c.get("kind", "count")).name, c.get("unit"))
                    for c in b["columns"]
                ),
                rows=tuple(_node(r) for r in b["rows"]),
            )
            for b in raw["blocks"]
        )
        records = tuple(Record((row.key or "",), (row.label,), block.columns) for block in blocks for row in block.rows)
        return Table(**common, records=records, blocks=blocks, row_header=raw.get("row_header", ""))
    columns = tuple(_node(c) for c in raw["columns"])
    rows = tuple(_node(r) for r in raw["rows"])
    records_by = raw.get("records", "rows")
    if records_by == "rows":
        fields = tuple(Field(leaf.key or "", leaf.label, leaf.kind, leaf.unit) for leaf in r_leaves(columns))
        records = tuple(_row_records(rows, fields))
    else:
        records = tuple(_column_records(columns))
    return Table(
        **common,
        records=records,
        columns=columns,
        rows=rows,
        corner=raw.get("corner", ""),
        records_by=records_by,
    )


def build_format(raw: Mapping[str, Any], source: str = "<format>") -> Format:
    """The typed format of the YAML mapping ``raw`` (read from ``source``, named in errors).

    Every rule's ``kind`` must be a registered rule kind (``nianbao.rules``); an unknown kind is
    refused here, naming the file and the rule, rather than when a report is first validated.
    """
    from nianbao.rules import UnknownRuleKind, kind_of

    rules = tuple(
        Rule(
            id=r["id"],
            title=r["title"],
            severity=r["severity"],
            kind=r["kind"],
            table=r.get("table"),
            options={k: v for k, v in r.items() if k not in {"id", "title", "severity", "kind", "table"}},
        )
        for r in raw.get("rules", ())
    )
    for rule in rules:
        try:
            kind_of(rule)
        except UnknownRuleKind as err:
            raise UnknownRuleKind(f"{source}：{err}") from None
    return Format(
        version=str(raw["version"]),
        name=raw["name"],
        document=raw["document"],
        first_year=int(raw["first_year"]),
        title_suffix=raw["title_suffix"],
        sections=tuple(Section(s["key"], s["number"], s["heading"], s.get("table")) for s in raw["sections"]),
        tables={k: _table(k, v) for k, v in raw["tables"].items()},
        rules=rules,
        customary_subheads={k: tuple(v) for k, v in raw.get("customary_subheads", {}).items()},
    )
