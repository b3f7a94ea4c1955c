"""The fill-in workbook: nianbao new --xlsx, and nianbao import FILE.xlsx."""

from __future__ import annotations

import re
import subprocess

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_from_string
from typer.testing import CliRunner

from nianbao import cli
from nianbao.format import get_format
from nianbao.importers import import_source
from nianbao.params import load_params
from nianbao.workbook.form import sum_formulas, table_equations, table_layout
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
    for name in wb.sheetnames[2:6]:
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


# --- a workbook clerks cannot break ------------------------------------------------------------------

FORMATS = ("2021", "2019")


def _new(tmp_path, version: str):
    xlsx = tmp_path / f"new-{version}.xlsx"
    year = "2024" if version == "2021" else "2020"
    made = runner.invoke(cli.app, ["new", "demo-agency", year, "--xlsx", str(xlsx), "--format", version])
    assert made.exit_code == 0, made.output
    return xlsx


@pytest.mark.parametrize("version", FORMATS)
def test_table_sheets_are_protected_inputs_unlocked_totals_locked_formulas(tmp_path, version):
    fmt = get_format(version)
    wb = load_workbook(_new(tmp_path, version))
    for table in fmt.tables.values():
        ws = wb[table.name]
        assert ws.protection.sheet, table.name
        lay = table_layout(table)
        totals = sum_formulas(fmt, table, lay)
        for ref, (row, col) in lay.cells.items():
            cell = ws.cell(row, col)
            if ref in totals:
                assert cell.value == totals[ref][0] and cell.protection.locked, ref
            else:
                assert cell.value is None and not cell.protection.locked, ref
                assert cell.fill.fgColor.rgb.endswith("FFF5CC"), ref  # shaded: a clerk sees what to fill
        for p in lay.labels.values():
            assert ws.cell(p.row, p.col).protection.locked
    assert wb["基本信息"].protection.sheet


@pytest.mark.parametrize("version", FORMATS)
def test_every_sum_rule_has_a_check_cell_that_turns_red(tmp_path, version):
    fmt = get_format(version)
    wb = load_workbook(_new(tmp_path, version))
    for table in fmt.tables.values():
        ws = wb[table.name]
        rules = list(dict.fromkeys(eq.rule.title for eq in table_equations(fmt, table)))
        found = {}
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("=IF(COUNT("):
                    label = ws.cell(c.row, 1).value
                    found[label.rsplit("（", 1)[0]] = c.coordinate
        assert list(found) == rules, table.name
        red = [
            r
            for cf in ws.conditional_formatting
            for r in cf.rules
            if '"不符"' in r.formula[0] and r.dxf.fill.fgColor.rgb.endswith("C00000")
        ]
        assert bool(rules) == bool(red), table.name
        if red:
            ranges = " ".join(str(cf.sqref) for cf in ws.conditional_formatting)
            assert all(coord in ranges or _in_range(coord, ranges) for coord in found.values())


def _in_range(coord: str, ranges: str) -> bool:
    from openpyxl.utils.cell import range_boundaries

    _, row = coordinate_from_string(coord)
    for r in ranges.split():
        _, min_row, _, max_row = range_boundaries(r)
        if min_row <= row <= max_row:
            return True
    return False


def test_check_cells_compute_in_libreoffice(tmp_path):
    """LibreOffice recalculates the check formulas: a filled form says 相符, a broken balance 不符."""
    xlsx = tmp_path / "seed.xlsx"
    runner.invoke(cli.app, ["new", "wltzq-hailiutu", "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    wb = load_workbook(xlsx)
    _cell(wb[T3.name], "t3.carried_over.natural_person").value = 5  # breaks 第一项+第二项=第三项+第四项
    wb.save(xlsx)
    text = _libreoffice_text(xlsx, tmp_path)
    assert "不符（2 处）" in text  # 自然人 and 总计: the total follows its parts
    assert "相符" in text


def _libreoffice_text(xlsx, tmp_path) -> str:
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = tmp_path / f"{xlsx.stem}.pdf"
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# The empty form printed from LibreOffice: 18 pages before this layout (labels overlapping, tables cut
# across pages); now 填表说明 2 + 基本信息 1 + one per narrative sheet + one per table = 10.
MAX_PAGES = 10


@pytest.mark.parametrize("version", FORMATS)
def test_empty_form_prints_on_few_pages_each_table_on_one(tmp_path, version):
    xlsx = _new(tmp_path, version)
    text = _libreoffice_text(xlsx, tmp_path)
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) <= MAX_PAGES
    fmt = get_format(version)
    for table in fmt.tables.values():
        # the footer names the sheet: one page holds all of the table, down to its last row
        on = [i for i, p in enumerate(pages) if re.search(re.escape(table.name) + r"\s+第 \d+ 页", p)]
        assert len(on) == 1, (table.name, on)
        last = table.records[-1].labels[-1]
        assert re.sub(r"\s", "", last) in re.sub(r"\s", "", pages[on[0]]), table.name


@pytest.mark.parametrize("version", FORMATS)
def test_print_setup_and_a_guide_sheet(tmp_path, version):
    fmt = get_format(version)
    wb = load_workbook(_new(tmp_path, version))
    assert wb.sheetnames[0] == "填表说明" and wb.active.title == "填表说明"
    guide = "\n".join(str(r[0]) for r in wb["填表说明"].iter_rows(values_only=True) if r[0])
    assert "空白" in guide and "请填 0" in guide
    units = {f.unit for t in fmt.tables.values() for _, f in t.cells() if f.unit}
    assert units and all(f"单位：{u}" in guide for u in units)
    for table in fmt.tables.values():
        assert table.name in guide
        ws = wb[table.name]
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows and ws.print_title_rows.startswith("$1:")
        assert ws.print_area
        lay = table_layout(table)
        # every label row is tall enough for its wrapped label
        for p in lay.labels.values():
            height = ws.row_dimensions[p.row].height
            assert height and height >= 18, (table.name, p.text)


@pytest.mark.parametrize("version", FORMATS)
def test_no_developer_keys_where_a_clerk_looks(tmp_path, version):
    wb = load_workbook(_new(tmp_path, version))
    meta = wb["基本信息"]
    assert meta.column_dimensions["A"].hidden
    for ws in wb.worksheets:
        hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
        for row in ws.iter_rows():
            for c in row:
                if not isinstance(c.value, str) or c.value.startswith("=") or c.column_letter in hidden:
                    continue
                assert not re.search(r"source\.|agency\.|headings\.|\bt[234]\.", c.value), (ws.title, c.value)
    labels = [r[1] for r in meta.iter_rows(min_row=2, values_only=True)]
    assert "机关名称" in labels and "发布日期" in labels


def test_a_failed_sum_is_named_on_import(tmp_path):
    xlsx = tmp_path / "seed.xlsx"
    runner.invoke(cli.app, ["new", "wltzq-hailiutu", "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    wb = load_workbook(xlsx)
    ws = wb[T3.name]
    _cell(ws, "t3.carried_over.natural_person").value = 5
    wb.save(xlsx)
    result = import_source(xlsx)
    assert result.params is not None
    said = "\n".join(result.report.checks)
    assert "第一项加第二项之和应等于第三项加第四项之和（T3-balance）" in said
    assert "「自然人」列" in said and "相差" in said
    coord = _cell(ws, "t3.carried_over.natural_person").coordinate
    assert coord in said
    made = runner.invoke(cli.app, ["import", str(xlsx), "-o", str(tmp_path / "p.yaml")])
    assert "合计与勾稽关系不符" in made.output and "✓" not in made.output


def test_a_total_typed_over_is_detected_on_import(tmp_path):
    xlsx = tmp_path / "new.xlsx"
    runner.invoke(cli.app, ["new", "wltzq-hailiutu", "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    wb = load_workbook(xlsx)
    ws = wb[T3.name]
    ws.protection.sheet = False  # what a clerk must do first
    total = _cell(ws, "t3.new.total")
    total.value = 99
    wb.save(xlsx)
    result = import_source(xlsx)
    said = "\n".join(result.report.checks)
    assert f"（单元格 {total.coordinate}）是合计，表中原为公式 =SUM(" in said and "现被改写为数值 99" in said
    assert "「一、本年新收政府信息公开申请数量」" in said
    assert "总计应等于各类申请人之和（T3-rowsum）" in said  # and 99 is not the sum of its parts


def test_a_report_total_kept_as_written_is_not_called_typed_over(tmp_path):
    """A params total that is not the sum of its parts is written as a number (round trip exact),
    unlocked and commented: importing it reports the failing sum, not a typed-over formula."""
    import yaml

    data = yaml.safe_load(SEED_PARAMS.read_text(encoding="utf-8"))
    data["tables"]["t3"]["new"][-1] = 7
    src = tmp_path / "2023.yaml"
    src.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    xlsx = tmp_path / "kept.xlsx"
    assert runner.invoke(cli.app, ["new", "x-y", "2023", "--xlsx", str(xlsx), "--from", str(src)]).exit_code == 0
    ws = load_workbook(xlsx)[T3.name]
    assert _cell(ws, "t3.new.total").value == 7 and not _cell(ws, "t3.new.total").protection.locked
    result = import_source(xlsx)
    said = "\n".join(result.report.checks)
    assert "T3-rowsum" in said and "改写" not in said


def test_many_workbooks_summary_and_lint_say_it_in_chinese(tmp_path):
    good, bad = tmp_path / "in" / "good.xlsx", tmp_path / "in" / "bad.xlsx"
    good.parent.mkdir()
    for agency, xlsx in (("a-good", good), ("a-bad", bad)):
        runner.invoke(cli.app, ["new", agency, "2023", "--xlsx", str(xlsx), "--from", str(SEED_PARAMS)])
    wb = load_workbook(bad)
    _cell(wb[T3.name], "t3.carried_over.natural_person").value = 5
    wb.save(bad)
    linted = runner.invoke(cli.app, ["lint", str(bad)])
    assert linted.exit_code == 1
    assert "错误 表三 · 第一项加第二项之和应等于第三项加第四项之和" in linted.output
    assert "[error]" not in linted.output and "error" not in linted.output
    assert "合计与勾稽关系不符" in linted.output
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        many = runner.invoke(cli.app, ["import", str(good.parent), "--force"])
    finally:
        os.chdir(cwd)
    flat = re.sub(r"[\s│]", "", many.output)  # the table folds long cells over lines
    assert many.output.count("✓") == 1 and "合计与勾稽关系不符2处" in flat, many.output
