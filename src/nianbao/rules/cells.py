"""Cell kinds: every value cell on its own (``blank``, ``counts``), checked on the ``cells`` frame.

``blank``: a cell should not be empty (no data is written 0); a blank cell is a finding of status
``blank``, and the sums that use it are reported as not evaluated. ``counts``: a count is a
non-negative whole number and an amount (万元) a non-negative number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from nianbao.format import Format, Rule
from nianbao.rules.registry import CellFailure, RuleKind, expectation, register
from nianbao.rules.wording import cell_label, number


@register("blank")
class Blank(RuleKind):
    """Cells should not be blank (无数据应填0)."""

    frame = "cells"

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [expectation(rule, "expect_column_values_to_not_be_null", {"column": "value"})]

    def cell_failure(self, fmt: Format, ref: str, value: Any, check: str | None) -> CellFailure:
        return CellFailure("blank", f"{cell_label(fmt, ref)}为空白（无数据应填0）；用到此单元格的合计无法校验。")


@register("counts")
class Counts(RuleKind):
    """Counts are non-negative integers, amounts non-negative numbers; a signed count (the 2019 format's
    本年增/减) may be negative, so the minimum is checked on the ``unsigned`` column, which leaves it out."""

    frame = "cells"

    def expectations(self, rule: Rule) -> list[dict[str, Any]]:
        return [
            expectation(rule, "expect_column_values_to_be_between", {"column": "unsigned", "min_value": 0}, "min"),
            expectation(rule, "expect_column_values_to_be_in_type_list", {"column": "count", "type_list": ["int"]}),
        ]

    def cell_failure(self, fmt: Format, ref: str, value: Any, check: str | None) -> CellFailure:
        is_number = isinstance(value, int | Decimal)
        shown = number(value) if is_number else repr(value)
        what = "不能为负数" if check == "min" else "应为整数（件数）"
        return CellFailure("failed", f"{cell_label(fmt, ref)}{what}，实际为 {shown}。", value if is_number else None)
