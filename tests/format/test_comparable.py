"""The mapping of comparable cells between the 2019 and the 2021 format (format/comparable.yaml)."""

from __future__ import annotations

from fnmatch import fnmatchcase

import yaml

from nianbao.format import get_format
from nianbao.format.comparable import SOURCE, comparison
from support import ROOT


def test_2020_carry_over_reads_as_2021_carry_over():
    c = comparison("2019", "2021")
    assert c is not None
    for col in ("natural_person", "commercial", "research", "public_interest", "legal_services", "other", "total"):
        assert c.cells[f"t3.carried_over.{col}"] == f"t3.carried_over.{col}"
    assert all(c.cells[f"t4.{r}.total"] == f"t4.{r}.total" for r in ("review", "direct_suit", "suit_after_review"))


def test_stock_and_other_handling_are_not_comparable_and_say_why():
    c = comparison("2019", "2021")
    assert "t2.rules.in_force" not in c.cells
    assert "“对外公开总数量”不是“现行有效件数”" in c.reason("t2.rules.in_force")
    assert "t3.outcome.other.fee_unpaid.total" not in c.cells
    assert "（六）其他处理" in c.reason("t3.outcome.other.fee_unpaid.total")
    # 处理决定数量 means the same in both formats.
    assert c.cells["t2.licensing.decisions"] == "t2.licensing.decisions"


def test_the_mapping_reads_both_ways_and_a_format_compares_with_itself():
    back = comparison("2021", "2019")
    assert back is not None and back.cells["t3.carried_over.total"] == "t3.carried_over.total"
    assert "t3.outcome.other.total" not in back.cells
    same = comparison("2021", "2021")
    assert same is not None and len(same.cells) == len(get_format("2021").cell_refs()) and not same.reasons


def test_every_pattern_of_the_data_file_names_cells_of_both_formats():
    """A typo in comparable.yaml would silently make cells 不可比: every pattern must match in both formats."""
    entries = yaml.safe_load((ROOT / "src" / "nianbao" / "format" / SOURCE).read_text(encoding="utf-8"))
    for e in entries:
        refs = [set(get_format(str(e[side])).cell_refs()) for side in ("from", "to")]
        for pattern in [*e.get("same", ()), *(e.get("except") or {})]:
            assert all(any(fnmatchcase(r, pattern) for r in side) for side in refs), pattern
        for table in e.get("not_comparable") or {}:
            assert all(table in get_format(str(e[side])).tables for side in ("from", "to")), table
