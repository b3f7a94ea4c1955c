"""The registry of rule kinds: every kind a format names resolves, an unknown kind is refused, and
the users of "the parts of a sum" (validation instances and frames, workbook formulas, importer
constraints) derive the same operands, for the 2021 format and for a variant whose record lacks a
part field."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

import nianbao.format
from nianbao.format import Format, Rule, Table, available_formats, get_format
from nianbao.format.spec import build_format
from nianbao.importers.table_reader import sum_rules
from nianbao.rules import RuleKind, UnknownRuleKind, derived, kind_of, registered
from nianbao.validation.frames import build_frames
from nianbao.validation.suites import frame_of
from nianbao.validation.validator import instances
from nianbao.workbook.form import sum_formulas, table_layout

FORMAT_DIR = Path(nianbao.format.__file__).parent
SumSet = set[tuple[str, frozenset[str]]]


def _raw(version: str = "2021") -> dict[str, Any]:
    return yaml.safe_load((FORMAT_DIR / f"v{version}.yaml").read_text(encoding="utf-8"))


def _variant_lacking_part() -> Format:
    """2021, except that table 四's 未经复议直接起诉 has no 其他结果 column."""
    raw = copy.deepcopy(_raw())
    suit = next(c for c in raw["tables"]["t4"]["columns"] if c.get("label") == "行政诉讼")
    direct = next(c for c in suit["children"] if c["key"] == "direct_suit")
    direct["children"] = [dict(c) for c in direct["children"] if c["key"] != "other"]
    return build_format(raw, "variant.yaml")


def _sum_rules(fmt: Format) -> list[Rule]:
    return [r for r in fmt.rules if r.table and kind_of(r).sums(fmt.tables[r.table], r)]


def _validation_sums(fmt: Format, table: Table) -> list[tuple[str, frozenset[str]]]:
    """(total, parts) of every sum instance the validator checks on ``table``, in rule order."""
    return [
        (inst.cells[0], frozenset(inst.cells[1:]))
        for rule in _sum_rules(fmt)
        if rule.table == table.key
        for inst in instances(fmt, rule)
    ]


def _workbook_sums(fmt: Format, table: Table) -> SumSet:
    return {(total, frozenset(refs)) for total, (_, refs) in sum_formulas(fmt, table, table_layout(table)).items()}


def _importer_sums(fmt: Format, table: Table) -> SumSet:
    slots = list(table.cells())
    refs = [table.cell_ref(r, f.key) for r, f in slots]
    return {(refs[s.total], frozenset(refs[p] for p in s.parts)) for s in sum_rules(fmt, table, slots)}


FORMATS = {"2021": lambda: get_format("2021"), "variant": _variant_lacking_part}


# --- the registry -----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", available_formats())
def test_every_kind_of_every_format_resolves(version: str) -> None:
    fmt = get_format(version)
    for rule in fmt.rules:
        assert isinstance(kind_of(rule), RuleKind), rule.id
        assert rule.kind in registered()


def test_row_sum_and_record_sum_share_a_kind_and_cross_year_kinds_are_marked() -> None:
    fmt = get_format("2021")
    assert kind_of(fmt.rule("T3-rowsum")) is kind_of(fmt.rule("T4-sum"))
    cross_year = {"X-carry", "X-stock", "Y-swing", "Y-same", "Y-copied"}
    assert {r.id for r in fmt.rules if kind_of(r).cross_year} == cross_year
    frames = {r.id: frame_of(r) for r in fmt.rules}
    assert frames == {
        "T3-balance": "t3-fields",
        "T3-rowsum": "t3-records",
        "T3-colsum": "t3-fields",
        "T4-sum": "t4-records",
        "counts": "cells",
        "blank": "cells",
        "X-carry": "t3-fields",
        "X-stock": "t2-records",
        "text": None,
        "headings": None,
        "deadline": None,
        "Y-swing": None,
        "Y-same": None,
        "Y-copied": None,
        "R-rollup": None,
    }


def test_an_unknown_kind_is_refused_naming_rule_and_file() -> None:
    with pytest.raises(UnknownRuleKind, match=r"规则 T9 的类型 'row_total' 未知；可用的类型：.*row_sum"):
        kind_of(Rule("T9", "标题", "error", "row_total", "t3"))
    raw = _raw()
    next(r for r in raw["rules"] if r["id"] == "T3-rowsum")["kind"] = "row_total"
    with pytest.raises(UnknownRuleKind, match=r"^v2021\.yaml：规则 T3-rowsum 的类型 'row_total' 未知"):
        build_format(raw, "v2021.yaml")


# --- one definition of the parts of a sum --------------------------------------------------------------


def test_the_2021_sum_rules() -> None:
    fmt = get_format("2021")
    assert [r.id for r in _sum_rules(fmt)] == ["T3-rowsum", "T3-colsum", "T4-sum"]


@pytest.mark.parametrize("which", sorted(FORMATS))
def test_validation_workbook_and_importer_derive_the_same_sums(which: str) -> None:
    fmt = FORMATS[which]()
    for table in fmt.tables.values():
        validation = _validation_sums(fmt, table)
        # The importer takes every sum as a constraint; the workbook writes one formula per total
        # (a total two rules define, table 三's corner, keeps the first rule's: its row sum).
        assert _importer_sums(fmt, table) == set(validation), table.key
        first: dict[str, frozenset[str]] = {}
        for total, parts in validation:
            first.setdefault(total, parts)
        assert _workbook_sums(fmt, table) == set(first.items()), table.key
        if table.key in {"t3", "t4"}:
            assert validation, table.key


def test_a_record_lacking_a_part_sums_the_parts_it_has() -> None:
    fmt = _variant_lacking_part()
    t4 = fmt.tables["t4"]
    direct = {total: parts for total, parts in _validation_sums(fmt, t4) if total == "t4.direct_suit.total"}
    assert direct == {
        "t4.direct_suit.total": frozenset(f"t4.direct_suit.{k}" for k in ("upheld", "corrected", "pending"))
    }
    assert ("t4.direct_suit.total", direct["t4.direct_suit.total"]) in _workbook_sums(fmt, t4)
    assert ("t4.direct_suit.total", direct["t4.direct_suit.total"]) in _importer_sums(fmt, t4)


@pytest.mark.parametrize("which", sorted(FORMATS))
def test_the_frames_sum_the_same_cells(which: str) -> None:
    """The derived ``parts`` column Great Expectations compares is the sum of the instance's parts."""
    fmt = FORMATS[which]()
    rng = random.Random(7)
    tables = {t.cell_ref(r, f.key): rng.randint(0, 50) for t in fmt.tables.values() for r, f in t.cells()}
    item = SimpleNamespace(agency=SimpleNamespace(id="a"), year=2023, tables=tables)
    frames = build_frames(fmt, [item])  # type: ignore[list-item]
    for rule in _sum_rules(fmt):
        frame = frames[frame_of(rule) or ""].set_index("key")
        for inst in instances(fmt, rule):
            got = frame.loc[inst.key, derived(rule, "parts")]
            assert got == sum(tables[c] for c in inst.cells[1:]), (rule.id, inst.key)
