"""The fill-in workbook: nianbao new --xlsx, and nianbao import FILE.xlsx."""

from __future__ import annotations

from openpyxl import load_workbook
from typer.testing import CliRunner

from nianbao import cli
from nianbao.format import get_format
from nianbao.importers import import_source
from nianbao.params import load_params
from nianbao.workbook.form import table_layout
from support import SEED_PARAMS

runner = CliRunner()
FMT = get_format("2021")
T2, T3, T4 = (FMT.tables[k] for k in ("t2", "t3", "t4"))


def _cell(ws, ref: str):
    table = FMT.tables[ref.split(".")[0]]
    row, col = table_layout(table).cells[ref]
    return ws.cell(row, col)


def test_round_trip_params_workbook_params_is_exact(tmp_path):
    xlsx = tmp_path / "seed.xlsx"
    made = runner.invoke(cli.app, ["new", "wltzq-hailiutu", "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    assert made.exit_code == 0, made.output
    result = import_source(xlsx)
    assert result.report.errors == []
    assert result.params.to_params() == load_params(SEED_PARAMS).to_params()
    assert [(c.ref, c.status) for c in result.report.cells] == [("t4.suit_after_review.total", "blank")]


def test_workbook_is_laid_out_as_the_template_with_formulas_and_validation(tmp_path):
    xlsx = tmp_path / "new.xlsx"
    assert runner.invoke(cli.app, ["new", "demo-agency", "2024", "--xlsx", str(xlsx)]).exit_code == 0
    wb = load_workbook(xlsx)
    ws3 = wb[T3.name]
    merged = {str(r) for r in ws3.merged_cells.ranges}
    # corner 3×3, 申请人情况 over 7 columns, 三、本年度办理结果 over its 22 rows
    assert {"A2:C4", "D2:J2", "A7:A28"} <= merged
    assert ws3["A2"].value == T3.corner
    assert _cell(ws3, "t3.new.total").value == "=SUM(D5:I5)"
    assert _cell(ws3, "t3.outcome.total.natural_person").value == "=SUM(D7:D27)"
    assert _cell(ws3, "t3.new.natural_person").value is None
    ws4 = wb[T4.name]
    assert _cell(ws4, "t4.review.total").value == "=SUM(A5:D5)"
    ws2 = wb[T2.name]
    rules = {dv.type: str(dv.sqref) for dv in ws2.data_validations.dataValidation}
    fee = _cell(ws2, "t2.fees.amount").coordinate
    assert rules["decimal"] == fee
    assert _cell(ws2, "t2.rules.issued").coordinate in rules["whole"].split()
    whole = next(dv for dv in ws3.data_validations.dataValidation if dv.type == "whole")
    assert (whole.operator, whole.formula1) == ("greaterThanOrEqual", "0")
    assert _cell(ws3, "t3.new.total").coordinate not in str(whole.sqref).split()
    meta = {row[0]: row[2] for row in wb["基本信息"].iter_rows(min_row=2, values_only=True)}
    assert (meta["agency.id"], meta["year"], meta["format"]) == ("demo-agency", 2024, "2021")


def test_filled_in_workbook_imports_with_totals_computed_and_blanks_reported(tmp_path):
    xlsx = tmp_path / "new.xlsx"
    assert runner.invoke(cli.app, ["new", "demo-agency", "2024", "--xlsx", str(xlsx)]).exit_code == 0
    wb = load_workbook(xlsx)
    meta = wb["基本信息"]
    for row in meta.iter_rows(min_row=2):
        row[2].value = {
            "agency.name": "示例县人民政府",
            "issued": "2025年1月20日",
            "signature": "示例县人民政府",
        }.get(row[0].value, row[2].value)
    for name in wb.sheetnames[1:5]:
        wb[name].append(["段落", f"{name}的内容。"])
    ws3 = wb[T3.name]
    for ref in T3.records[0].fields[:-1]:
        _cell(ws3, f"t3.new.{ref.key}").value = 1
    _cell(ws3, "t3.new.research").value = None  # left blank
    wb.save(xlsx)
    result = import_source(xlsx)
    assert result.report.errors == []
    assert result.params.tables.to_params()["t3"]["new"] == [1, 1, None, 1, 1, 1, 5]
    blank = {c.ref for c in result.report.cells if c.status == "blank"}
    assert "t3.new.research" in blank and "t3.new.total" not in blank
    assert result.params.narrative("other") == ["六、其他需要报告的事项的内容。"]


def test_moved_rows_are_an_error_not_wrong_values(tmp_path):
    xlsx = tmp_path / "seed.xlsx"
    runner.invoke(cli.app, ["new", "wltzq-hailiutu", "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    wb = load_workbook(xlsx)
    wb[T3.name].insert_rows(6)
    wb.save(xlsx)
    result = import_source(xlsx)
    assert result.params is None
    assert any(T3.name in e and "请勿插入或移动行" in e for e in result.report.errors)
