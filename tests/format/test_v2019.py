"""The 2019 national format as data: its table 二, its single （六）其他处理 row, its rules, and which
format applies to which year."""

from __future__ import annotations

import pytest

from nianbao.format import CELL_KINDS, format_for_year, get_format, outdated_notice

V2019 = get_format("2019")
V2021 = get_format("2021")


def test_table_2_blocks_columns_and_rows_as_in_the_2019_template():
    t2 = V2019.tables["t2"]
    shape = [(b.label, [c.label for c in b.columns], [r.label for r in b.rows]) for b in t2.blocks]
    assert shape == [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "其他对外管理服务事项"]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额（单位：元）"], ["政府集中采购"]),
    ]
    kinds = {f"{r.key}.{f.key}": (f.kind, f.unit) for r, f in t2.cells()}
    assert kinds["licensing.items_change"] == ("signed_count", None)
    assert kinds["fees.items_change"] == ("signed_count", None)
    assert kinds["fees.items_last_year"] == ("count", None)  # a count of fee items, not an amount
    assert kinds["procurement.amount"] == ("amount", "元")
    assert kinds["penalty.decisions"] == ("count", None)
    assert {k for k, _ in kinds.values()} <= set(CELL_KINDS)


def test_table_3_has_one_other_row_and_otherwise_the_2021_keys():
    refs19 = {t.cell_ref(r, f.key) for t in (V2019.tables["t3"],) for r, f in t.cells()}
    refs21 = {t.cell_ref(r, f.key) for t in (V2021.tables["t3"],) for r, f in t.cells()}
    other = V2019.tables["t3"].record("outcome.other")
    assert other.labels == ("三、本年度办理结果", "（六）其他处理")
    assert refs19 - refs21 == {
        f"t3.outcome.other.{k}"
        for k in ("natural_person", "commercial", "research", "public_interest", "legal_services", "other", "total")
    }
    assert {r for r in refs21 - refs19 if not r.startswith("t3.outcome.other.")} == set()
    t4_19, t4_21 = V2019.tables["t4"], V2021.tables["t4"]
    assert [t4_19.cell_ref(r, f.key) for r, f in t4_19.cells()] == [t4_21.cell_ref(r, f.key) for r, f in t4_21.cells()]


def test_rules_have_no_stock_and_no_fee_statement_and_check_the_year():
    ids = [r.id for r in V2019.rules]
    assert ids == [
        "T3-balance",
        "T3-rowsum",
        "T3-colsum",
        "T4-sum",
        "counts",
        "blank",
        "X-carry",
        "text",
        "headings",
        "deadline",
        "format-year",
        "Y-swing",
        "Y-same",
        "Y-copied",
        "R-rollup",
    ]
    assert "stock" not in {r.kind for r in V2019.rules}
    assert [s.heading for s in V2019.sections] == [s.heading for s in V2021.sections]


@pytest.mark.parametrize(("year", "version"), [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2025, "2021")])
def test_the_format_defaults_by_year(year, version):
    assert format_for_year(year) == version


def test_no_format_before_2019():
    assert format_for_year(2018) is None


def test_the_2019_format_after_2021_is_outdated():
    notice = outdated_notice("2019", 2022)
    assert notice is not None
    assert "2022年度" in notice and "2019年版" in notice and "国办公开办函〔2019〕60号" in notice
    assert "2019—2020年度" in notice and "国办公开办函〔2021〕30号" in notice
    assert outdated_notice("2019", 2020) is None
    assert outdated_notice("2021", 2024) is None


def test_signed_counts_may_be_negative_counts_and_amounts_may_not():
    signed, count, amount = CELL_KINDS["signed_count"], CELL_KINDS["count"], CELL_KINDS["amount"]
    assert signed.parse(-3) == (-3, None)
    assert signed.parse(1.5)[1] == "应为整数（增减数不能有小数），实际为 1.5"
    assert count.parse(-3)[1] == "应为非负整数，实际为负数 -3"
    assert amount.parse(-1, "元")[1] == "应为非负数（单位：元），实际为负数 -1"
    assert str(amount.from_text("2059.2090", "元", "万元")) == "20592090.0000"
    assert signed.from_text("-2") == -2 and count.from_text("-2") is None
