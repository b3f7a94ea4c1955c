"""Findings a person can read: the atomic ``Finding``s of one agency-year grouped by table and rule.

Validation reports one finding per cell and per rule instance: a report that left five applicant
columns blank yields 125 blank-cell findings and 35 sums "not evaluated" because of them. A reviewer
needs five lines, not 160. ``group_findings`` turns a list of findings into ``Group``s of ``Item``s:

- groups by severity (errors first), then table (in the format's order; the narrative last), rule (in
  the format's rule order) and status;
- blank cells collapsed into rectangular blocks of the table's own grid, named by the template's
  header tree ("表三「法人或其他组织」5 列在全部 25 行均为空白"): whole columns, whole rows or a block
  of rows × columns, whichever cuts the blanks into fewer blocks;
- the sums a block keeps from being checked (status ``not_evaluated``) folded under it as one line;
- findings that say the same thing about different places merged, their places listed.

It works from the format's structure (rows, columns, header groups, blocks), never from a known
report, and takes any list of findings (e.g. only the open ones); every atomic finding stays
reachable from its item (``Item.findings``: indices into the list given). The review page, the
notebook, ``nianbao validate``/``lint`` and ``findings.json`` all show these same groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nianbao.format import Format, Table
from nianbao.format.spec import Node
from nianbao.validation.findings import Finding, anchor

SEVERITY_LABEL = {"error": "错误", "warning": "警告"}
STATUS_LABEL = {"failed": "不符", "blank": "空白", "not_evaluated": "无法校验"}
_SEVERITY_ORDER = {"error": 0, "warning": 1}
_STATUS_ORDER = {"failed": 0, "blank": 1, "not_evaluated": 2}


@dataclass(frozen=True)
class Place:
    """One place an item is about: a cell (``ref``) or a narrative section, with its page anchor."""

    label: str
    anchor: str
    ref: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "anchor": self.anchor, "ref": self.ref}


@dataclass(frozen=True)
class Blocked:
    """Sums of one rule that blank cells keep from being checked: how many instances."""

    rule_id: str
    title: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "title": self.title, "count": self.count}


@dataclass(frozen=True)
class Item:
    """One line a reviewer reads: a finding, several identical ones merged, or a block of blank cells."""

    id: str  # the HTML id of the item on the review page: finding-3
    severity: str
    status: str
    rule_id: str
    text: str  # one self-contained Chinese sentence
    places: tuple[Place, ...]  # where to look (links), in template order
    cells: tuple[str, ...]  # every cell the item covers
    findings: tuple[int, ...]  # indices of the atomic findings it stands for (folded ones included)
    blocked: tuple[Blocked, ...] = ()  # sums a blank block keeps from being checked
    roles: Mapping[str, str] = field(default_factory=dict)  # cell → total/part/left/right (failed sums)
    expected: Mapping[str, Any] = field(default_factory=dict)  # total cell → (actual, expected, difference)

    @property
    def blocked_text(self) -> str:
        """ "因此无法校验：总计应等于各类申请人之和（25 处）；…" or ""."""
        if not self.blocked:
            return ""
        return "因此无法校验：" + "；".join(f"{b.title}（{b.count} 处）" for b in self.blocked)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "status": self.status,
            "rule_id": self.rule_id,
            "text": self.text,
            "places": [p.to_dict() for p in self.places],
            "cells": list(self.cells),
            "findings": list(self.findings),
            "blocked": [b.to_dict() for b in self.blocked],
            "roles": dict(self.roles),
            "expected": {
                ref: {"actual": _plain(a), "expected": _plain(e), "difference": _plain(d)}
                for ref, (a, e, d) in self.expected.items()
            },
        }


@dataclass(frozen=True)
class Group:
    """The items of one rule on one table with one severity and status."""

    severity: str
    status: str
    rule_id: str
    title: str  # the rule's Chinese title
    table: str | None
    table_name: str  # 表三（收到和处理政府信息公开申请情况）, 正文 for the narrative, 全文 for the whole report
    items: tuple[Item, ...]

    @property
    def count(self) -> int:
        """How many atomic findings the group stands for (folded ones included)."""
        return sum(len(i.findings) for i in self.items)

    @property
    def heading(self) -> str:
        """ "表三 · 总计应等于各类申请人之和（无法校验）"."""
        short = self.table_name.split("（", 1)[0]
        status = "（无法校验）" if self.status == "not_evaluated" else ""
        return f"{short} · {self.title}{status}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "status": self.status,
            "rule_id": self.rule_id,
            "title": self.title,
            "table": self.table,
            "heading": self.heading,
            "count": self.count,
            "items": [i.to_dict() for i in self.items],
        }


def _plain(v: Any) -> Any:
    """A number for JSON: Decimals as strings (as ``Finding.to_dict`` writes them)."""
    return v if v is None or isinstance(v, int) else str(v)


# --- the table as a grid of rows and columns -------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """A rectangle of value cells: table 三's rows × columns, table 四's one row, one block of table 二."""

    short: str  # how an item names it: 表三, 表二「第二十条第（一）项」
    rows: tuple[Node, ...]  # header trees whose leaves are the grid's rows, in order
    columns: tuple[Node, ...]
    cells: Mapping[str, tuple[int, int]]  # cell ref → (row, column)

    @property
    def n_rows(self) -> int:
        return sum(n.width() for n in self.rows)

    @property
    def n_columns(self) -> int:
        return sum(n.width() for n in self.columns)


def grids(table: Table) -> list[Grid]:
    """The grids of ``table``, from the format's header trees (several for a table of blocks)."""
    short = f"表{table.number}"
    if table.layout == "blocks":
        out = []
        for b in table.blocks:
            columns = tuple(Node(f.key, f.label) for f in b.columns)
            leaves = [leaf.key for row in b.rows for leaf in row.leaves()]
            cells = {
                table.cell_ref(key or "", f.key): (i, j)
                for i, key in enumerate(leaves)
                for j, f in enumerate(b.columns)
            }
            out.append(Grid(f"{short}「{b.label}」", b.rows, columns, cells))
        return out
    if table.records_by == "rows":
        fields = table.field_keys()
        cells = {
            table.cell_ref(r, f.key): (i, fields.index(f.key)) for i, r in enumerate(table.records) for f in r.fields
        }
        return [Grid(short, table.rows, table.columns, cells)]
    # records are column groups (table 四): one row, the columns are every record's fields in order
    flat = [table.cell_ref(r, f.key) for r in table.records for f in r.fields]
    return [Grid(short, table.rows or (Node(None, ""),), table.columns, {ref: (0, j) for j, ref in enumerate(flat)})]


def _names(nodes: Sequence[Node], chosen: set[int]) -> list[str]:
    """Labels naming the leaves ``chosen``: a header group whose leaves are all chosen by its own label;
    a label the tree uses twice (table 四's 结果维持 under each case) with its parent's."""
    seen: dict[str, int] = {}

    def count(node: Node) -> None:
        seen[node.label] = seen.get(node.label, 0) + 1
        for child in node.children:
            count(child)

    for n in nodes:
        count(n)
    out: list[str] = []
    i = 0

    def walk(node: Node, parent: str) -> None:
        nonlocal i
        width = node.width()
        label = f"{parent} / {node.label}" if parent and seen.get(node.label, 0) > 1 else node.label
        if width > 1 and node.label and set(range(i, i + width)) <= chosen:
            out.append(label)
            i += width
            return
        if node.is_leaf:
            if i in chosen:
                out.append(label)
            i += 1
            return
        for child in node.children:
            walk(child, label)

    for n in nodes:
        walk(n, "")
    return out


def _span(nodes: Sequence[Node], chosen: set[int], total: int, unit: str) -> str:
    """ "「法人或其他组织」5 列", "「一、本年新收…」行", "全部 25 行"."""
    if len(chosen) == total and total > 1:
        return f"全部 {total} {unit}"
    names = [n for n in _names(nodes, chosen) if n] or ["（无标签）"]
    size = unit if len(chosen) == 1 else f"{len(chosen)} {unit}"
    if len(names) > 4:
        ordered = sorted(chosen)
        if ordered[-1] - ordered[0] + 1 == len(ordered):
            return f"「{names[0]}」至「{names[-1]}」{size}"
        return f"「{names[0]}」、「{names[1]}」等 {size}"
    return "、".join(f"「{n}」" for n in names) + size


def _rectangles(positions: set[tuple[int, int]]) -> list[tuple[frozenset[int], frozenset[int]]]:
    """Cut a set of grid positions into (rows, columns) rectangles: columns blank in the same rows
    together, or rows blank in the same columns together, whichever gives fewer rectangles."""

    def by(axis: int) -> list[tuple[frozenset[int], frozenset[int]]]:
        lines: dict[int, set[int]] = {}
        for pos in positions:
            lines.setdefault(pos[axis], set()).add(pos[1 - axis])
        same: dict[frozenset[int], set[int]] = {}
        for line, others in lines.items():
            same.setdefault(frozenset(others), set()).add(line)
        if axis == 1:  # key: the rows of a set of columns
            return [(rows, frozenset(cols)) for rows, cols in same.items()]
        return [(frozenset(rows), cols) for cols, rows in same.items()]

    by_columns, by_rows = by(1), by(0)
    best = by_columns if len(by_columns) <= len(by_rows) else by_rows
    return sorted(best, key=lambda rc: (min(rc[0]), min(rc[1])))


def _block_text(grid: Grid, rows: frozenset[int], cols: frozenset[int]) -> str:
    """The sentence for a rectangle of blank cells of ``grid``."""
    n_rows, n_cols = grid.n_rows, grid.n_columns
    all_rows, all_cols = len(rows) == n_rows, len(cols) == n_cols
    col_text = _span(grid.columns, set(cols), n_cols, "列")
    row_text = _span(grid.rows, set(rows), n_rows, "行")
    if all_rows and all_cols:
        return f"{grid.short}全部 {n_rows * n_cols} 格均为空白"
    if all_rows:
        tail = "均为空白" if n_rows == 1 else f"在全部 {n_rows} 行均为空白"
        return f"{grid.short}{col_text}{tail}（{len(cols) * n_rows} 格）"
    if all_cols:
        return f"{grid.short}{row_text}全部 {n_cols} 列均为空白（{len(rows) * n_cols} 格）"
    return f"{grid.short}{row_text}的{col_text}均为空白（{len(rows) * len(cols)} 格）"


# --- grouping ----------------------------------------------------------------------------------------


def cell_place(fmt: Format, ref: str) -> Place:
    """A cell as a reviewer finds it: 表三「一、本年新收政府信息公开申请数量 / 总计」, linked to its <td>."""
    try:
        table, record, f = fmt.cell(ref)
    except (KeyError, ValueError):
        return Place(ref, anchor(ref), ref)
    parts = [lab for lab in (record.labels[-1], f.label) if lab]
    return Place(f"表{table.number}「" + " / ".join(parts) + "」", anchor(ref), ref)


def _section_place(fmt: Format, key: str) -> Place:
    try:
        heading = fmt.section(key).heading
    except KeyError:
        heading = key
    return Place(heading, f"section-{key}")


def _places(fmt: Format, f: Finding) -> list[Place]:
    if f.cells:
        return [cell_place(fmt, f.cells[0])]
    if f.section:
        return [_section_place(fmt, f.section)]
    return []


def _rest(f: Finding) -> str | None:
    """What the finding says without the place it opens with (None: it names no place it opens with)."""
    if f.where and f.message.startswith(f.where):
        return f.message[len(f.where) :].lstrip("：:")
    return None


def group_findings(fmt: Format, findings: Iterable[Finding]) -> list[Group]:
    """The groups of ``findings`` (of one agency-year in format ``fmt``): errors first, then by table,
    rule and status; blank cells as blocks with the sums they block folded in; identical findings
    merged. Items are numbered (``finding-1`` …) in that order."""
    found = list(findings)
    table_order = {key: n for n, key in enumerate(fmt.tables)}
    rule_order = {r.id: n for n, r in enumerate(fmt.rules)}
    titles = {r.id: r.title for r in fmt.rules}

    # Blank cells into blocks, per grid; each block takes the not-evaluated findings its cells block.
    blank_at = {f.cells[0]: n for n, f in enumerate(found) if f.status == "blank" and len(f.cells) == 1}
    folded: set[int] = set()
    blocks: list[tuple[Finding, Item]] = []  # (a representative finding, the block's item)
    waiting = [n for n, f in enumerate(found) if f.status == "not_evaluated" and any(c in blank_at for c in f.cells)]
    for table in fmt.tables.values():
        for grid in grids(table):
            here = {grid.cells[ref]: ref for ref in blank_at if ref in grid.cells}
            for rows, cols in _rectangles(set(here)):
                refs = tuple(here[(r, c)] for r in sorted(rows) for c in sorted(cols))
                members = [blank_at[ref] for ref in refs]
                inside = set(refs)
                blocked_by = [n for n in waiting if n not in folded and any(c in inside for c in found[n].cells)]
                folded.update(blocked_by)
                counts: dict[str, int] = {}
                for n in blocked_by:
                    counts[found[n].rule_id] = counts.get(found[n].rule_id, 0) + 1
                blocked = tuple(
                    Blocked(rid, titles.get(rid, rid), k)
                    for rid, k in sorted(counts.items(), key=lambda x: rule_order.get(x[0], 0))
                )
                first = found[members[0]]
                text = first.message if len(refs) == 1 else _block_text(grid, rows, cols)
                places = [cell_place(fmt, refs[0])]
                if len(refs) > 1:
                    places.append(cell_place(fmt, refs[-1]))
                item = Item(
                    "",
                    first.severity,
                    "blank",
                    first.rule_id,
                    text,
                    tuple(places),
                    refs,
                    tuple(members + blocked_by),
                    blocked,
                )
                blocks.append((first, item))
    in_blocks = {n for _, item in blocks for n in item.findings}

    # Every other finding: identical ones (same rule, status and words, other places) merged.
    merged: dict[tuple[Any, ...], list[int]] = {}
    for n, f in enumerate(found):
        if n in in_blocks:
            continue
        rest = _rest(f)
        key = (f.severity, f.status, f.rule_id, f.table, rest) if rest is not None else (n,)
        merged.setdefault(key, []).append(n)
    entries: list[tuple[Finding, Item]] = list(blocks)
    for members in merged.values():
        first = found[members[0]]
        if len(members) == 1:
            text, places = first.message, _places(fmt, first)
        else:
            rest = _rest(first) or first.message
            places = [p for n in members for p in _places(fmt, found[n])]
            wheres = "、".join(dict.fromkeys(found[n].where for n in members))
            text = f"{wheres}（共 {len(members)} 处）：{rest}"
        roles: dict[str, str] = {}
        expected: dict[str, Any] = {}
        for n in members:
            f = found[n]
            if f.status != "failed":
                continue
            for ref, role in f.roles.items():
                roles.setdefault(ref, role)
                if role == "total" and f.right is not None:
                    expected.setdefault(ref, (f.left, f.right, f.difference))
        cells = tuple(dict.fromkeys(c for n in members for c in found[n].cells))
        item = Item(
            "",
            first.severity,
            first.status,
            first.rule_id,
            text,
            tuple(places),
            cells,
            tuple(members),
            roles=roles,
            expected=expected,
        )
        entries.append((first, item))

    def group_key(f: Finding) -> tuple[Any, ...]:
        return (
            _SEVERITY_ORDER.get(f.severity, 9),
            table_order.get(f.table or "", len(table_order)),
            rule_order.get(f.rule_id, len(rule_order)),
            _STATUS_ORDER.get(f.status, 9),
            f.rule_id,
            f.table or "",
        )

    entries.sort(key=lambda e: (group_key(e[0]), min(e[1].findings)))
    groups: list[Group] = []
    number = 0
    for key in dict.fromkeys(group_key(f) for f, _ in entries):
        members = [(f, item) for f, item in entries if group_key(f) == key]
        f = members[0][0]
        items = []
        for _, item in members:
            number += 1
            items.append(_with_id(item, f"finding-{number}"))
        # Not about a table: the narrative (正文) when the finding names a section, else the whole report
        # (全文: its date, its format, its place among other agencies' reports).
        table_name = fmt.tables[f.table].name if f.table in fmt.tables else ("正文" if f.section else "全文")
        groups.append(
            Group(
                f.severity,
                members[0][1].status,
                f.rule_id,
                titles.get(f.rule_id, f.title or f.rule_id),
                f.table if f.table in fmt.tables else None,
                table_name,
                tuple(items),
            )
        )
    return groups


def _with_id(item: Item, item_id: str) -> Item:
    from dataclasses import replace

    return replace(item, id=item_id)


def groups_to_dict(groups: Iterable[Group]) -> list[dict[str, Any]]:
    return [g.to_dict() for g in groups]
