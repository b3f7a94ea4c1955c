"""The three statistical tables as pandas DataFrames in the template's shape, and back to HTML.

``key_frame`` indexes by the format's ASCII keys (what validation works on); ``frame`` carries the
template's Chinese labels as MultiIndex rows and columns (what an analyst looks at). ``to_html``
renders a labelled frame with the template's merged headers, each value cell carrying its stable
cell reference (``data-cell="t3.new.total"``) so that reviewers' copies can highlight it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd

from nianbao.format import Format, Table
from nianbao.report.render import environment
from nianbao.values import CellValue, TableValues


def _dtype(table: Table, field_keys: list[str]) -> dict[str, str]:
    kinds = {f.key: f.cell_kind for _, f in table.cells()}
    return {k: ("Int64" if kinds[k].integral else "object") for k in field_keys}


def key_frame(values: TableValues, table_key: str) -> pd.DataFrame:
    """Rows = record keys, columns = field keys; blanks are <NA>."""
    table = values.format.tables[table_key]
    field_keys = table.field_keys()
    rows = []
    for record in table.records:
        row: dict[str, Any] = {k: pd.NA for k in field_keys}
        for f in record.fields:
            v = values[table.cell_ref(record, f.key)]
            row[f.key] = pd.NA if v is None else v
        rows.append(row)
    df = pd.DataFrame(rows, index=pd.Index([r.key for r in table.records], name="record"), columns=field_keys)
    return df.astype(_dtype(table, field_keys))


def _pad(labels: tuple[str, ...], depth: int) -> tuple[str, ...]:
    return labels + ("",) * (depth - len(labels))


def frame(values: TableValues, table_key: str) -> pd.DataFrame:
    """The table as the template shows it, with Chinese labels as (Multi)Index rows and columns."""
    table = values.format.tables[table_key]
    kf = key_frame(values, table_key)
    if table.layout == "blocks":
        # Rows: (block, row); columns: every block's value columns, in template order.
        index = pd.MultiIndex.from_tuples(
            [(b.label, row.label) for b in table.blocks for row in b.rows], names=["", table.row_header]
        )
        columns = []
        for b in table.blocks:
            columns += [c.label for c in b.columns if c.label not in columns]
        labels = {f.key: f.label for _, f in table.cells()}
        out = pd.DataFrame(index=index, columns=columns, dtype="object")
        for record in table.records:
            block = table.block_of(record)
            for f in record.fields:
                out.loc[(block.label, record.labels[-1]), labels[f.key]] = kf.loc[record.key, f.key]
        return out
    if table.records_by == "rows":
        depth = table.row_header_depth()
        index = pd.MultiIndex.from_tuples([_pad(r.labels, depth) for r in table.records])
        cdepth = max(c.depth() for c in table.columns)
        column_paths = _leaf_label_paths(table)
        columns = pd.MultiIndex.from_tuples([_pad(p, cdepth) for p in column_paths])
        out = pd.DataFrame(kf.to_numpy(), index=index, columns=columns).astype(
            {c: kf.dtypes.iloc[i] for i, c in enumerate(columns)}
        )
        return out
    # records are column groups (table 四): one row of values, columns labelled by their full path
    cdepth = max(c.depth() for c in table.columns)
    paths, vals = [], []
    for record in table.records:
        for f in record.fields:
            paths.append(_pad((*record.labels, f.label), cdepth))
            vals.append(kf.loc[record.key, f.key])
    row_label = table.rows[0].label if table.rows else ""
    out = pd.DataFrame([vals], index=pd.Index([row_label]), columns=pd.MultiIndex.from_tuples(paths))
    return out.astype("Int64")


def _leaf_label_paths(table: Table) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, labels: tuple[str, ...]) -> None:
        lab = (*labels, node.label)
        if node.is_leaf:
            paths.append(lab)
        for c in node.children:
            walk(c, lab)

    for c in table.columns:
        walk(c, ())
    return paths


def frames(values: TableValues) -> dict[str, pd.DataFrame]:
    """Every table of the format, labelled."""
    return {key: frame(values, key) for key in values.format.tables}


def format_value(v: CellValue | Any) -> str:
    """How a cell value is printed: integers plainly (negative ones with their sign), amounts without trailing zeros."""
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, Decimal):
        text = format(v.normalize(), "f")
        return text
    return str(v)


# A page may break inside a table only where a reader does not lose the thread: never inside a group of
# sibling rows under one label (such as the eight rows of （三）不予公开), and never so that fewer than this
# many rows stand alone at the top or at the foot of a page (the orphans and widows of a table).
MIN_ROWS_APART = 3


def keep_with_next(table: Table) -> list[bool]:
    """For each value row of a grid table, whether a page must not break after it.

    Rows under one label whose siblings are all rows of values form a group that stays on one page. A
    label over sub-groups (三、本年度办理结果, set upright in a narrow column) keeps its rows together up
    to the end of its first sub-group, so that it is never cut off with one or two rows under it. The first
    and the last ``MIN_ROWS_APART`` rows of the table stay together too. Everywhere else a page may break,
    and the table's header rows repeat on the next page.
    """
    leaves: list[Any] = []
    spans: list[tuple[int, int]] = []  # [first, last] row indices that a page must not break inside

    def walk(node: Any) -> tuple[int, int]:
        if node.is_leaf:
            leaves.append(node)
            return len(leaves) - 1, len(leaves) - 1
        ranges = [walk(child) for child in node.children]
        first, last = ranges[0][0], ranges[-1][1]
        if all(child.is_leaf for child in node.children):
            spans.append((first, last))
        else:
            sub = next(r for child, r in zip(node.children, ranges, strict=True) if not child.is_leaf)
            spans.append((first, sub[1]))
        return first, last

    for row in table.rows:
        walk(row)
    n = len(leaves)
    spans += [(0, min(MIN_ROWS_APART, n) - 1), (max(n - MIN_ROWS_APART, 0), n - 1)]
    keep = [False] * n
    for first, last in spans:
        for i in range(first, last):
            keep[i] = True
    return keep


def value_class(text: str) -> str:
    """The class of a value cell: ``blank``, or ``digits-N`` for a figure of six characters or more.

    The stylesheet sets those a little smaller so that up to seven digits stay inside the narrow value
    columns of 表三 and 表四 (the template's own widths, kept for the labels' sake).
    """
    if text == "":
        return "blank"
    return f"digits-{min(len(text), 9)}" if len(text) >= 6 else ""


def _cells_by_position(fmt: Format, table: Table, df: pd.DataFrame) -> list[list[tuple[str, Any]]]:
    """Value rows of a labelled frame as (cell ref, value), in template order."""
    kf_rows: list[list[tuple[str, Any]]] = []
    if table.layout == "blocks":
        for record in table.records:
            block = table.block_of(record)
            kf_rows.append(
                [
                    (table.cell_ref(record, f.key), df.loc[(block.label, record.labels[-1]), f.label])
                    for f in record.fields
                ]
            )
        return kf_rows
    if table.records_by == "rows":
        for i, record in enumerate(table.records):
            kf_rows.append([(table.cell_ref(record, f.key), df.iat[i, j]) for j, f in enumerate(record.fields)])
        return kf_rows
    row: list[tuple[str, Any]] = []
    j = 0
    for record in table.records:
        for f in record.fields:
            row.append((table.cell_ref(record, f.key), df.iat[0, j]))
            j += 1
    return [row]


def cell_texts(df: pd.DataFrame, fmt: Format, table_key: str) -> dict[str, str]:
    """Cell reference → the text ``to_html`` prints for it ("" for a blank), in template order."""
    rows = _cells_by_position(fmt, fmt.tables[table_key], df)
    return {ref: format_value(v) for row in rows for ref, v in row}


def to_html(df: pd.DataFrame, fmt: Format, table_key: str) -> str:
    """Render a labelled frame as the template's table, merges and all (HTML-escaped)."""
    table = fmt.tables[table_key]
    rows = _cells_by_position(fmt, table, df)
    env = environment()
    if table.layout == "blocks":
        width = 1 + max(len(b.columns) for b in table.blocks)
        blocks = []
        it = iter(rows)
        for b in table.blocks:
            blocks.append({"block": b, "rows": [(row, next(it)) for row in b.rows], "stretch": width - len(b.columns)})
        return env.get_template("report/table_blocks.html.j2").render(
            table=table, blocks=blocks, width=width, fmt_value=format_value, value_class=value_class
        )
    headers = table.column_header_rows()
    row_headers = table.row_header_cells()
    return env.get_template("report/table_grid.html.j2").render(
        table=table,
        headers=headers,
        body=list(zip(row_headers, rows, strict=True)),
        keep=keep_with_next(table) if table.records_by == "rows" else [False] * len(rows),
        fmt_value=format_value,
        value_class=value_class,
    )
