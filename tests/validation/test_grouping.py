"""Grouping findings for reviewers: blank cells as blocks of the format's grid with the sums they block
folded under them, identical findings merged, errors first, every atomic finding kept.

The real 沭阳县发改局 page (five applicant columns left blank) is validated by Great Expectations; the
blank patterns of every table and the merging are generated from the format itself, so they hold for
reports nobody has seen.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from nianbao.format import get_format
from nianbao.params import from_mapping, load_params
from nianbao.rules.wording import cell_label
from nianbao.validation.findings import Finding, document
from nianbao.validation.grouping import grids, group_findings
from nianbao.validation.validator import validate_one
from support import EXAMPLES, SEED_PARAMS

FMT = get_format("2021")
FMT_2019 = get_format("2019")


def covered_exactly_once(groups, findings) -> bool:
    seen = sorted(n for g in groups for item in g.items for n in item.findings)
    return seen == list(range(len(findings)))


@pytest.fixture(scope="module")
def drc() -> tuple[Any, list[Finding]]:
    from nianbao.importers import import_source

    result = import_source(EXAMPLES / "shuyang-drc-2023.html", agency_id="drc")
    assert result.params is not None
    return result.params, validate_one(result.params, None)


def test_drc_blank_columns_collapse_into_one_block_with_the_blocked_sums_folded(drc):
    params, findings = drc
    assert len(findings) == 161  # 125 blank cells, 35 sums not evaluated, 1 heading
    groups = group_findings(params.fmt, findings)
    assert covered_exactly_once(groups, findings)
    [blank] = [g for g in groups if g.rule_id == "blank"]
    [block] = blank.items
    assert block.text == "表三「法人或其他组织」5 列在全部 25 行均为空白（125 格）"
    assert {b.rule_id: b.count for b in block.blocked} == {"T3-balance": 5, "T3-rowsum": 25, "T3-colsum": 5}
    assert "总计应等于各类申请人之和（25 处）" in block.blocked_text
    assert len(block.cells) == 125 and blank.count == 160
    assert sum(len(g.items) for g in groups) == 2  # the block and the renamed heading
    assert all(g.title and "-" not in g.heading for g in groups), "Chinese rule titles, no rule ids"


def test_findings_json_keeps_every_atomic_finding_and_adds_the_groups(drc):
    _, findings = drc
    doc = document("drc", 2023, findings)
    assert len(doc["findings"]) == 161 and [Finding.from_dict(f) for f in doc["findings"]] == findings
    items = [i for g in doc["groups"] for i in g["items"]]
    assert sorted(n for i in items for n in i["findings"]) == list(range(161))
    assert items[0]["text"].startswith("表三「法人或其他组织」5 列")


# --- blank patterns generated from the format ------------------------------------------------------


def blank(fmt, ref: str) -> Finding:
    where = cell_label(fmt, ref)
    return Finding(
        "blank", "warning", "blank", "x", 2023, ref.split(".")[0], f"{where}为空白。", cells=(ref,), where=where
    )


def grid_refs(fmt, table_key: str) -> dict[tuple[int, int], str]:
    [grid] = grids(fmt.tables[table_key])
    return {pos: ref for ref, pos in grid.cells.items()}


@pytest.mark.parametrize("fmt", [FMT, FMT_2019], ids=["2021", "2019"])
def test_whole_rows_whole_columns_and_rectangles(fmt):
    cells = grid_refs(fmt, "t3")
    n_rows = 1 + max(r for r, _ in cells)
    n_cols = 1 + max(c for _, c in cells)
    # the last row blank in every column, and the first column blank in every row
    refs = sorted({cells[(n_rows - 1, c)] for c in range(n_cols)} | {cells[(r, 0)] for r in range(n_rows)})
    findings = [blank(fmt, ref) for ref in refs]
    groups = group_findings(fmt, findings)
    texts = [i.text for g in groups for i in g.items]
    assert covered_exactly_once(groups, findings) and len(texts) == 2, texts
    assert any(f"在全部 {n_rows} 行均为空白" in t for t in texts), texts
    assert any(f"全部 {n_cols - 1} 列" in t or f"{n_cols - 1} 列" in t for t in texts), texts


@pytest.mark.parametrize("seed", range(12))
def test_random_rectangles_become_one_item_each(seed):
    """A few random rectangles of blank cells in table 三: never more items than rectangles."""
    rnd = random.Random(seed)
    cells = grid_refs(FMT, "t3")
    n_rows, n_cols = 1 + max(r for r, _ in cells), 1 + max(c for _, c in cells)
    chosen: set[str] = set()
    rects = rnd.randint(1, 3)
    for _ in range(rects):
        r0, c0 = rnd.randrange(n_rows), rnd.randrange(n_cols)
        r1, c1 = rnd.randint(r0, n_rows - 1), rnd.randint(c0, n_cols - 1)
        chosen |= {cells[(r, c)] for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    findings = [blank(FMT, ref) for ref in sorted(chosen)]
    groups = group_findings(FMT, findings)
    assert covered_exactly_once(groups, findings)
    items = [i for g in groups for i in g.items]
    # overlapping rectangles may cut into a few more pieces, but never into single cells
    assert len(items) <= 3 * rects, [i.text for i in items]
    assert sum(len(i.cells) for i in items) == len(chosen)


def test_table_four_names_a_case_by_its_header_group():
    t4 = FMT.tables["t4"]
    refs = [t4.cell_ref("review", f.key) for f in t4.record("review").fields]
    groups = group_findings(FMT, [blank(FMT, ref) for ref in refs])
    [item] = groups[0].items
    assert item.text == "表四「行政复议」5 列均为空白（5 格）"
    # a leaf label the tree repeats is named with its case
    twice = [t4.cell_ref("review", "upheld"), t4.cell_ref("direct_suit", "upheld")]
    [item] = group_findings(FMT, [blank(FMT, ref) for ref in twice])[0].items
    assert "行政复议 / 结果维持" in item.text and "结果维持" in item.text


def test_table_two_blocks_are_grids_of_their_own():
    t2 = FMT.tables["t2"]
    refs = [t2.cell_ref(r, f.key) for r, f in t2.cells()]
    groups = group_findings(FMT, [blank(FMT, ref) for ref in refs])
    items = [i for g in groups for i in g.items]
    assert len(items) == len(t2.blocks)
    assert all("均为空白" in i.text for i in items if len(i.cells) > 1)
    assert all(i.text.startswith("表二「") for i in items if len(i.cells) > 1)
    # a block of one cell (第二十条第（八）项) says it as the cell's own finding does
    assert all(i.text == f"{cell_label(FMT, i.cells[0])}为空白。" for i in items if len(i.cells) == 1)


# --- merged, ordered, real Great Expectations findings -------------------------------------------------


def seed_with(change) -> Any:
    d = copy.deepcopy(load_params(SEED_PARAMS).to_params())
    d.pop("source", None)
    d["agency"]["id"] = "grouping"
    d["tables"]["t4"]["suit_after_review"][4] = 0
    change(d)
    return from_mapping(d, "<grouping>")


def test_identical_findings_merge_with_their_places_listed():
    def two_wrong_totals(d):  # the same sum broken the same way in two records of table 四
        d["tables"]["t4"]["review"] = [1, 0, 0, 0, 2]
        d["tables"]["t4"]["direct_suit"] = [1, 0, 0, 0, 2]

    item = seed_with(two_wrong_totals)
    findings = validate_one(item, None)
    t4 = [f for f in findings if f.rule_id == "T4-sum"]
    assert len(t4) == 2
    groups = group_findings(item.fmt, findings)
    [group] = [g for g in groups if g.rule_id == "T4-sum"]
    [merged] = group.items
    assert len(merged.findings) == 2 and len(merged.places) == 2
    assert (
        "（共 2 处）" in merged.text
        and "「行政复议」" in merged.text
        and "「行政诉讼 / 未经复议直接起诉」" in merged.text
    )
    assert {p.anchor for p in merged.places} == {"cell-t4-review-total", "cell-t4-direct_suit-total"}
    assert groups[0].severity == "error", "errors first"
    assert merged.expected["t4.review.total"] == (2, 1, 1)


def test_a_failed_sum_knows_its_total_and_parts_and_a_balance_its_sides():
    def wrong_total(d):
        t3 = d["tables"]["t3"]
        t3["new"] = [3, 1, 0, 0, 0, 0, 5]
        t3["outcome"]["disclosed"] = [3, 1, 0, 0, 0, 0, 4]
        t3["outcome"]["total"] = [3, 1, 0, 0, 0, 0, 4]

    findings = validate_one(seed_with(wrong_total), None)
    [rowsum] = [f for f in findings if f.rule_id == "T3-rowsum"]
    assert rowsum.roles["t3.new.total"] == "total" and rowsum.roles["t3.new.natural_person"] == "part"
    assert (rowsum.left, rowsum.right, rowsum.difference) == (5, 4, 1)
    [balance] = [f for f in findings if f.rule_id == "T3-balance" and f.status == "failed"]
    assert balance.roles == {
        "t3.new.total": "left",
        "t3.carried_in.total": "left",
        "t3.outcome.total.total": "right",
        "t3.carried_over.total": "right",
    }
    assert Finding.from_dict(rowsum.to_dict()) == rowsum
