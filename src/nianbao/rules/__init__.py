"""Rule kinds: what each ``kind`` of a format rule means, as one registry.

``kind_of(rule)`` returns the rule's ``RuleKind``; the validator (frames, suites, findings), the
workbook and the importer ask it rather than branching on ``rule.kind``. The kinds live by family:

``sums``       row_sum / record_sum, column_sum, column_balance (and "the parts of a sum")
``years``      carry, stock (cross-year)
``changes``    swing, same_table (year over year, plain Python, cross-year)
``repetition`` repeated_text (重复率 of the narrative against last year's, cross-year)
``rollup``     rollup (an aggregate report against the sum of its children's, same year)
``cells``      blank, counts
``narrative``  text, headings, deadline (plain Python)

A new kind is a ``RuleKind`` subclass decorated with ``@register("name")`` in one of these modules
(imported below, so that importing ``nianbao.rules`` fills the registry).
"""

from __future__ import annotations

from nianbao.rules import cells, changes, narrative, repetition, rollup, sums, years
from nianbao.rules.registry import (
    CELLS,
    KEY_COLUMNS,
    Balance,
    CellFailure,
    Equation,
    Instance,
    RuleKind,
    Sum,
    UnknownRuleKind,
    derived,
    kind_of,
    register,
    registered,
    table_equations,
    table_sums,
)

__all__ = [
    "CELLS",
    "KEY_COLUMNS",
    "Balance",
    "CellFailure",
    "Equation",
    "Instance",
    "RuleKind",
    "Sum",
    "UnknownRuleKind",
    "cells",
    "changes",
    "derived",
    "kind_of",
    "narrative",
    "register",
    "registered",
    "repetition",
    "rollup",
    "sums",
    "table_equations",
    "table_sums",
    "years",
]
