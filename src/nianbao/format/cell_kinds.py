"""Kinds of value cell a format's tables hold, as one registry.

A field of a format names its kind (``kind: count`` by default) and, for amounts, its unit
(``unit: 万元``). The kind says what a cell may hold — a whole number or a decimal, whether it may
be negative — and how that is said to a clerk ("应为非负整数"). Params parsing, the workbook's
data validation, the importers and the tables' dtypes all ask the kind, never spell a kind's name.

``count``         件数、数量: a non-negative whole number (the default).
``signed_count``  a change in a count, such as the 2019 format's 本年增/减: a whole number, may be negative.
``amount``        money in the field's unit (万元, 元): a non-negative decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

CellValue = int | Decimal | None

# How many of a field's unit one of another unit is: reading "2059.2090万元" into a 元 field.
UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "元": {"元": Decimal(1), "万元": Decimal(10_000)},
    "万元": {"万元": Decimal(1), "元": Decimal("0.0001")},
}


@dataclass(frozen=True)
class CellKind:
    """What one kind of value cell admits, and how a clerk is told."""

    name: str
    integral: bool  # whole numbers only
    signed: bool  # may be negative
    noun: str  # what the value is, for messages: 件数, 增减数, 金额

    def expected(self, unit: str | None = None) -> str:
        """应为 … : 非负整数 / 整数 / 非负数（单位：万元）."""
        sign = "" if self.signed else "非负"
        text = f"{sign}{'整数' if self.integral else '数'}"
        return f"{text}（单位：{unit}）" if unit else text

    def parse(self, value: Any, unit: str | None = None) -> tuple[CellValue, str | None]:
        """Check one params value: ``(value, None)`` when fine, ``(None, message)`` when not (blank → None)."""
        if value is None:
            return None, None
        want = f"应为{self.expected(unit)}"
        if isinstance(value, bool):
            return None, f"{want}，实际为 {value!r}"
        if self.integral:
            if isinstance(value, float) and value != int(value):
                return None, f"{want}（{self.noun}不能有小数），实际为 {value!r}"
            if isinstance(value, float):
                return None, f"应为整数，不要写成小数 {value!r}"
            if not isinstance(value, int):
                return None, f"{want}，实际为{_describe(value)}"
            number: int | Decimal = value
        else:
            try:
                amount = Decimal(str(value)) if isinstance(value, (int, float, str)) else None
            except InvalidOperation:
                amount = None
            if amount is None or not amount.is_finite():
                return None, f"{want}，实际为{_describe(value)}"
            number = amount
        if number < 0 and not self.signed:
            return None, f"{want}，实际为负数 {value}"
        return number, None

    def from_text(self, number: str, unit: str | None = None, written_unit: str | None = None) -> CellValue:
        """A number as published ("-3", "2059.2090" written in 万元) in this kind and the field's unit;
        None when it cannot be one (a fraction for a count, an unknown unit, a sign on an unsigned kind)."""
        try:
            value = Decimal(number)
        except InvalidOperation:
            return None
        if value < 0 and not self.signed:
            return None
        if unit and written_unit and written_unit != unit:
            factor = UNIT_FACTORS.get(unit, {}).get(written_unit)
            if factor is None:
                return None
            value *= factor
        if self.integral:
            return int(value) if value == value.to_integral_value() and "." not in number else None
        return value


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"文字 {value!r}"
    return repr(value)


CELL_KINDS: dict[str, CellKind] = {
    k.name: k
    for k in (
        CellKind("count", integral=True, signed=False, noun="件数"),
        CellKind("signed_count", integral=True, signed=True, noun="增减数"),
        CellKind("amount", integral=False, signed=False, noun="金额"),
    )
}


def cell_kind(name: str) -> CellKind:
    """The registered kind ``name``; KeyError names the kinds there are."""
    try:
        return CELL_KINDS[name]
    except KeyError:
        raise KeyError(f"未知的单元格类型 {name!r}；可用：{', '.join(CELL_KINDS)}") from None
