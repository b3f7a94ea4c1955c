"""How rule messages name things in Chinese: quoted labels, numbers as written, cell locations.

Shared by the kinds' failure messages and the validator's "not evaluated" findings, so every
message quotes and prints numbers the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.format import Format, Table


def quoted(label: str) -> str:
    """「label」."""
    return f"「{label}」"


def number(v: Any) -> str:
    """A value as a reviewer reads it: decimals without trailing zeros or exponent."""
    if isinstance(v, Decimal):
        return format(v.normalize(), "f")
    return str(v)


def relative_label(table: Table, record_key: str, under: str) -> str:
    """A record's label below the group ``under``: （六）其他处理 / 3.其他."""
    record = table.record(record_key)
    depth = len(under.split("."))
    return " / ".join(label for label in record.labels[depth:] if label)


def cell_label(fmt: Format, ref: str) -> str:
    """Chinese location of a cell reference: 表三（…）「…」行「…」列."""
    table, record, field = fmt.cell(ref)
    return table.cell_label(record, field.key)
