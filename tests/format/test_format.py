"""The national format as data: tables, keys and the template's header merges."""

from __future__ import annotations

from nianbao.format import available_formats, get_format


def merges(rows):
    return [[(c.label, c.rowspan, c.colspan) for c in row] for row in rows]


def test_sections_in_order_with_exact_headings():
    fmt = get_format("2021")
    assert [s.number for s in fmt.sections] == list("一二三四五六")
    assert fmt.sections[0].heading == "一、总体情况"
    assert [s.table for s in fmt.sections] == [None, "t2", "t3", "t4", None, None]
    assert all(s.heading.startswith(s.number + "、") for s in fmt.sections)


def test_table3_header_merges_match_template():
    t3 = get_format().tables["t3"]
    rows = merges(t3.column_header_rows())
    assert rows[0] == [(t3.corner, 3, 3), ("申请人情况", 1, 7)]
    assert rows[1] == [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)]
    assert [c[0] for c in rows[2]] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert all(c[1:] == (1, 1) for c in rows[2])
    body = t3.row_header_cells()
    assert len(body) == 25
    assert merges([body[0]]) == [[("一、本年新收政府信息公开申请数量", 1, 3)]]
    assert merges([body[2]])[0][0] == ("三、本年度办理结果", 22, 1)
    assert merges([body[3]])[0] == [("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1, 2)]
    assert merges([body[4]])[0] == [("（三）不予公开", 8, 1), ("1.属于国家秘密", 1, 1)]
    assert merges([body[23]])[0] == [("（七）总计", 1, 2)]
    assert merges([body[24]])[0] == [("四、结转下年度继续办理", 1, 3)]


def test_table4_header_merges_match_template():
    t4 = get_format().tables["t4"]
    rows = merges(t4.column_header_rows())
    assert rows[0] == [("行政复议", 1, 5), ("行政诉讼", 1, 10)]
    assert rows[1][:5] == [(label, 2, 1) for label in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]]
    assert rows[1][5:] == [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)]
    assert len(rows[2]) == 10
    assert [r.key for r in t4.records] == ["review", "direct_suit", "suit_after_review"]
    assert t4.row_header_cells() == [[]]


def test_table2_blocks_and_amount_cell():
    t2 = get_format().tables["t2"]
    assert [b.label for b in t2.blocks] == [
        "第二十条第（一）项",
        "第二十条第（五）项",
        "第二十条第（六）项",
        "第二十条第（八）项",
    ]
    assert [len(b.columns) for b in t2.blocks] == [3, 1, 1, 1]
    kinds = {t2.cell_ref(r, f.key): f.kind for r, f in t2.cells()}
    assert kinds["t2.fees.amount"] == "amount"
    assert {k for k, v in kinds.items() if v == "amount"} == {"t2.fees.amount"}


def test_cell_refs_unique_and_resolvable():
    fmt = get_format()
    refs = [t.cell_ref(r, f.key) for t in fmt.tables.values() for r, f in t.cells()]
    assert len(refs) == len(set(refs)) == 10 + 25 * 7 + 15
    table, record, field = fmt.cell("t3.outcome.withheld.state_secret.research")
    assert (table.number, record.labels[-1], field.label) == ("三", "1.属于国家秘密", "科研机构")


def test_rules_have_ids_titles_and_severity():
    fmt = get_format()
    ids = [r.id for r in fmt.rules]
    assert {"T3-balance", "T3-rowsum", "T3-colsum", "T4-sum", "counts", "blank", "X-carry", "X-stock"} <= set(ids)
    assert all(r.severity in {"error", "warning"} and r.title for r in fmt.rules)
    assert fmt.rule("X-stock").severity == "warning"


def test_available_formats_lists_data_files():
    assert "2021" in available_formats()
