"""Importing published reports: the seed text, a web page, PDF-converted markdown, a .docx.

The expected numbers of the two real examples were read off the published documents by hand,
cell by cell; they are written out literally here, not derived from the importer.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from nianbao import cli
from nianbao.importers import import_source
from nianbao.importers.import_report import NULL_STATUSES
from nianbao.importers.table_reader import SumRule, split_candidates
from nianbao.params import load_params
from nianbao.rules import kind_of
from support import EXAMPLES, SEED_PARAMS, SEED_TEXT

DRC_HTML = EXAMPLES / "shuyang-drc-2023.html"
COUNTY_MD = EXAMPLES / "shuyang-county-2025.md"

runner = CliRunner()


def _z(n: int = 7) -> list[int]:
    return [0] * n


@pytest.fixture(scope="module")
def seed():
    return load_params(SEED_PARAMS)


@pytest.fixture(scope="module")
def seed_import():
    return import_source(SEED_TEXT, agency_id="wltzq-hailiutu")


# --- the seed -------------------------------------------------------------------------------------


def test_seed_text_imports_to_exactly_the_hand_made_params(seed, seed_import):
    assert seed_import.report.errors == []
    assert seed_import.params.to_params() == seed.to_params()


def test_seed_report_names_the_headings_and_the_blank_cell(seed_import):
    report = seed_import.report
    found = {(h.section, h.found, h.kind) for h in report.headings}
    assert found == {("overview", "1、 总体情况", "numbering"), ("other", "6、 其他需要报告的事项", "numbering")}
    assert [(c.ref, c.status) for c in report.cells] == [("t4.suit_after_review.total", "blank")]
    assert report.labels == []


def unwrapped(output: str) -> str:
    """The command's output with the lines it wrapped at the terminal's width joined again."""
    return "".join(line.strip() for line in output.splitlines())


def test_lint_prints_the_import_report_and_the_findings_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli.app, ["lint", str(SEED_TEXT)])
    assert result.exit_code == 0, result.output  # the seed's findings are warnings only
    text = unwrapped(result.output)
    assert "1、 总体情况" in text
    assert "6、 其他需要报告的事项" in text
    assert "t4.suit_after_review.total" in text
    assert "「行政诉讼 / 复议后起诉 / 总计」栏" in text
    # Great Expectations' findings, grouped: the blank cell, and the sum it makes impossible to check under it.
    assert "警告 表四 · 单元格不应为空" in text and "因此无法校验：总计应等于结果维持" in text
    assert list(tmp_path.iterdir()) == []


def test_lint_exits_1_on_a_broken_sum(tmp_path, monkeypatch):
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    row = lines.index("\t一、本年新收政府信息公开申请数量")
    assert lines[row + 1] == "\t0"
    lines[row + 1] = "\t3"  # 自然人 3, 总计 still 0
    source = tmp_path / "broken.txt"
    source.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli.app, ["lint", str(source)])
    assert result.exit_code == 1, result.output
    text = unwrapped(result.output)
    assert "错误 表三 · 总计应等于各类申请人之和" in text and "「一、本年新收政府信息公开申请数量」" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.txt"]


def test_import_cli_writes_params_and_report_and_refuses_to_overwrite(tmp_path, seed):
    out = tmp_path / "params" / "wltzq-hailiutu" / "2023.yaml"
    args = ["import", str(SEED_TEXT), "--agency-id", "wltzq-hailiutu", "-o", str(out)]
    first = runner.invoke(cli.app, args)
    assert first.exit_code == 0, first.output
    assert load_params(out).to_params() == seed.to_params()
    saved = json.loads((out.parent / "2023.import.json").read_text(encoding="utf-8"))
    assert [c["ref"] for c in saved["cells"]] == ["t4.suit_after_review.total"]
    assert {h["found"] for h in saved["headings"]} == {"1、 总体情况", "6、 其他需要报告的事项"}
    out.write_text("changed", encoding="utf-8")
    second = runner.invoke(cli.app, args)
    assert second.exit_code == 1
    assert "--force" in second.output
    assert out.read_text(encoding="utf-8") == "changed"
    assert runner.invoke(cli.app, [*args, "--force"]).exit_code == 0
    assert load_params(out).to_params() == seed.to_params()


def test_agency_id_is_derived_from_the_name_when_not_given():
    result = import_source(SEED_TEXT)
    assert result.params.agency.id == "wulatezhongqihailiutuzhenrenminzhengfu"


# --- a web page: 沭阳县发展和改革局 2023 -----------------------------------------------------------

N = None
DRC_TABLES = {
    "t2": {
        "rules": [0, 0, 0],
        "normative_documents": [8, 0, 18],
        "licensing": 0,
        "penalty": 0,
        "coercion": 0,
        "fees": 0,
    },
    "t3": {
        "new": [26, N, N, N, N, N, 26],
        "carried_in": [0, N, N, N, N, N, 0],
        "outcome": {
            "disclosed": [26, N, N, N, N, N, 26],
            "partly_disclosed": [0, N, N, N, N, N, 0],
            "withheld": {
                "state_secret": [0, N, N, N, N, N, 0],
                "prohibited_by_law": [0, N, N, N, N, N, 0],
                "three_securities": [0, N, N, N, N, N, 0],
                "third_party": [0, N, N, N, N, N, 0],
                "internal_affairs": [0, N, N, N, N, N, 0],
                "process_information": [0, N, N, N, N, N, 0],
                "enforcement_files": [0, N, N, N, N, N, 0],
                "inquiry_matters": [0, N, N, N, N, N, 0],
            },
            "unavailable": {
                "not_held": [0, N, N, N, N, N, 0],
                "needs_creation": [0, N, N, N, N, N, 0],
                "still_unclear": [0, N, N, N, N, N, 0],
            },
            "not_processed": {
                "petitions": [0, N, N, N, N, N, 0],
                "repeated": [0, N, N, N, N, N, 0],
                "publications": [0, N, N, N, N, N, 0],
                "mass_repeated": [0, N, N, N, N, N, 0],
                "confirmation": [0, N, N, N, N, N, 0],
            },
            "other": {
                "no_correction": [0, N, N, N, N, N, 0],
                "fee_unpaid": [0, N, N, N, N, N, 0],
                "other": [0, N, N, N, N, N, 0],
            },
            "total": [26, N, N, N, N, N, 26],
        },
        "carried_over": [0, N, N, N, N, N, 0],
    },
    "t4": {
        "review": [0, 0, 0, 1, 1],
        "direct_suit": [0, 0, 0, 0, 0],
        "suit_after_review": [0, 0, 0, 0, 0],
    },
}


def test_web_page_tables_match_the_published_numbers():
    result = import_source(DRC_HTML)
    assert result.report.errors == []
    params = result.params
    assert params.tables.to_params() == DRC_TABLES
    assert params.agency.name == "沭阳县发展和改革局"
    assert params.year == 2023
    assert params.issued_text == "2024年1月17日"
    assert params.narrative("other") == ["2023年度，县发展和改革局政府信息公开未发生收费情况。"]


def test_web_page_report_lists_deviations_and_blank_cells():
    report = import_source(DRC_HTML).report
    assert [(d.found, d.expected, d.kind) for d in report.labels] == [("规范性文件", "行政规范性文件", "alias")]
    assert [(h.section, h.found, h.kind) for h in report.headings] == [
        ("problems", "五、存在的主要问题及整改措施", "renamed")
    ]
    blank = {c.ref for c in report.cells if c.status == "blank"}
    # Table 三 fills in only 自然人 and 总计: the five 法人或其他组织 columns are blank in all 25 rows.
    assert len(blank) == 125
    assert blank == {
        f"t3.{row}.{col}"
        for row in (
            "new carried_in outcome.disclosed outcome.partly_disclosed outcome.total carried_over "
            + " ".join(f"outcome.withheld.{k}" for k in DRC_TABLES["t3"]["outcome"]["withheld"])
            + " "
            + " ".join(f"outcome.unavailable.{k}" for k in DRC_TABLES["t3"]["outcome"]["unavailable"])
            + " "
            + " ".join(f"outcome.not_processed.{k}" for k in DRC_TABLES["t3"]["outcome"]["not_processed"])
            + " "
            + " ".join(f"outcome.other.{k}" for k in DRC_TABLES["t3"]["outcome"]["other"])
        ).split()
        for col in ("commercial", "research", "public_interest", "legal_services", "other")
    }
    assert [c for c in report.cells if c.status != "blank"] == []


# --- PDF converted to markdown: 沐阳县人民政府 2025 ---------------------------------------------------

COUNTY_TABLES = {
    "t2": {
        "rules": [0, 0, 0],
        "normative_documents": [6, 1, 32],
        "licensing": 517645,
        "penalty": 693957,
        "coercion": 2154,
        "fees": 4068.208,
    },
    "t3": {
        "new": [705, 3, 0, 0, 5, 0, 713],
        "carried_in": [36, 0, 0, 0, 0, 0, 36],
        "outcome": {
            "disclosed": [290, 1, 0, 0, 3, 0, 294],
            "partly_disclosed": [99, 0, 0, 0, 2, 0, 101],
            "withheld": {
                "state_secret": [0, 0, 0, 0, 0, 0, 0],
                "prohibited_by_law": [0, 0, 0, 0, 0, 0, 0],
                "three_securities": [2, 0, 0, 0, 0, 0, 2],
                "third_party": [2, 0, 0, 0, 0, 0, 2],
                "internal_affairs": [13, 0, 0, 0, 0, 0, 13],
                "process_information": [2, 0, 0, 0, 0, 0, 2],
                "enforcement_files": [4, 0, 0, 0, 0, 0, 4],
                "inquiry_matters": [9, 0, 0, 0, 0, 0, 9],
            },
            "unavailable": {
                "not_held": [111, 0, 0, 0, 0, 0, 111],
                "needs_creation": [2, 0, 0, 0, 0, 0, 2],
                "still_unclear": [0, 0, 0, 0, 0, 0, 0],
            },
            "not_processed": {
                "petitions": [12, 0, 0, 0, 0, 0, 12],
                "repeated": [6, 1, 0, 0, 0, 0, 7],
                "publications": [0, 0, 0, 0, 0, 0, 0],
                "mass_repeated": [0, 0, 0, 0, 0, 0, 0],
                "confirmation": [0, 0, 0, 0, 0, 0, 0],
            },
            "other": {
                "no_correction": [9, 0, 0, 0, 0, 0, 9],
                "fee_unpaid": [7, 0, 0, 0, 0, 0, 7],
                "other": [142, 1, 0, 0, 0, 0, 143],
            },
            "total": [710, 3, 0, 0, 5, 0, 718],
        },
        "carried_over": [31, 0, 0, 0, 0, 0, 31],
    },
    "t4": {
        "review": [27, 10, 9, 15, 61],
        "direct_suit": [3, 0, 0, 0, 3],
        "suit_after_review": [8, 0, 1, 1, 10],
    },
}


def test_markdown_tables_match_the_published_numbers():
    result = import_source(COUNTY_MD)
    assert result.report.errors == []
    params = result.params
    assert params.tables.to_params() == COUNTY_TABLES
    assert params.title == "沐阳县人民政府2025年政府信息公开工作年度报告"
    assert params.issued_text == "2026年1月23日"
    assert params.signature == "沐阳县人民政府"
    # A paragraph cut by a page break is joined again.
    paragraphs = [b for b in params.narrative("overview") if isinstance(b, str)]
    assert any("努力让政务信息“看得懂、用得上、易监督”。" in b for b in paragraphs)


def test_markdown_report_lists_deviations_and_no_blank_cells():
    report = import_source(COUNTY_MD).report
    assert [c for c in report.cells if c.status in NULL_STATUSES] == []
    assert [(h.section, h.found, h.kind) for h in report.headings] == [
        ("problems", "五、政府信息公开工作存在的主要问题及改进情况", "renamed")
    ]
    labels = {(d.found, d.expected, d.kind) for d in report.labels}
    assert ("社会公益", "社会公益组织", "alias") in labels
    assert ("(六) 其他", "（六）其他处理", "wording") in labels
    assert ("本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量", "numbering") in labels
    assert ("数据1", None, "unknown") in labels
    assert ("行政诉讼（复议后起诉）", "复议后起诉", "wording") in labels


# --- .docx made from the seed's content -------------------------------------------------------------


def _seed_docx(params, path: Path) -> None:
    """A Word document with the seed's content: title, preface, headings as published, merged tables."""
    from nianbao.workbook.form import table_layout

    fmt = params.fmt
    doc = docx.Document()
    for line in params.title_lines:
        doc.add_paragraph(line)
    for text in params.preface:
        doc.add_paragraph(text)
    for section in fmt.sections:
        doc.add_paragraph(params.source.headings.get(section.key, section.heading))
        if section.table is None:
            for block in params.narrative(section.key):
                doc.add_paragraph(block if isinstance(block, str) else block.subhead)
            continue
        lay = table_layout(fmt.tables[section.table])
        nrows = max(max(p.row + p.rowspan - 1 for p in lay.headers), *(r for r, _ in lay.cells.values()))
        table = doc.add_table(rows=nrows - 1, cols=lay.width)  # the layout's row 1 is the sheet's title
        for p in lay.headers[1:]:
            cell = table.cell(p.row - 2, p.col - 1)
            if p.rowspan > 1 or p.colspan > 1:
                cell = cell.merge(table.cell(p.row + p.rowspan - 3, p.col + p.colspan - 2))
            if p.text:
                cell.text = p.text
        for ref, (row, col) in lay.cells.items():
            value = params.tables[ref]
            table.cell(row - 2, col - 1).text = "" if value is None else str(value)
    doc.add_paragraph(params.signature)
    doc.add_paragraph(params.issued_text)
    doc.save(str(path))


def test_docx_with_the_seed_content_imports_to_the_same_params(seed, tmp_path):
    path = tmp_path / "seed.docx"
    _seed_docx(seed, path)
    result = import_source(path, agency_id="wltzq-hailiutu")
    assert result.report.errors == []
    expected = seed.to_params()
    expected["source"]["file"] = "seed.docx"
    assert result.params.to_params() == expected
    assert [c.ref for c in result.report.cells] == ["t4.suit_after_review.total"]


# --- run-together cells, tolerance, refusal ---------------------------------------------------------

T3_ROW_SUM = [SumRule(6, (0, 1, 2, 3, 4, 5))]


def test_run_together_digits_split_only_when_the_row_sum_makes_it_unique():
    assert split_candidates(["713000074"], 7, T3_ROW_SUM) == ([(71, 3, 0, 0, 0, 0, 74)], True)
    candidates, complete = split_candidates(["110000011"], 7, T3_ROW_SUM)
    assert complete and sorted(candidates) == [(1, 10, 0, 0, 0, 0, 11), (11, 0, 0, 0, 0, 0, 11)]
    assert split_candidates(["11000011"], 7, T3_ROW_SUM) == ([], True)
    # Part of a row run together: pieces never cross a cell boundary.
    assert split_candidates(["71", "3000074"], 7, T3_ROW_SUM) == ([(71, 3, 0, 0, 0, 0, 74)], True)


def _seed_with(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = SEED_TEXT.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    return path


NEW_ROW = "\t一、本年新收政府信息公开申请数量\n" + "\t0\n" * 7
T4_ROW = "\t0\n" * 14 + "\t\n"


def test_run_together_rows_in_a_report(tmp_path):
    unique = _seed_with(tmp_path, (NEW_ROW, "\t一、本年新收政府信息公开申请数量\n\t713000074\n"))
    result = import_source(unique, agency_id="x")
    assert result.params.tables.to_params()["t3"]["new"] == [71, 3, 0, 0, 0, 0, 74]
    assert {c.status for c in result.report.cells if c.ref.startswith("t3.new.")} == {"decoded"}

    ambiguous = _seed_with(tmp_path, (NEW_ROW, "\t一、本年新收政府信息公开申请数量\n\t110000011\n"))
    result = import_source(ambiguous, agency_id="x")
    assert result.params.tables.to_params()["t3"]["new"] == [None] * 7
    cells = [c for c in result.report.cells if c.ref.startswith("t3.new.")]
    assert {c.status for c in cells} == {"ambiguous"}
    assert sorted(cells[0].candidates) == [(1, 10, 0, 0, 0, 0, 11), (11, 0, 0, 0, 0, 0, 11)]
    assert "1|10|0|0|0|0|11" in str(result.report)

    # Table 四's whole row run together: the three 总计 rules make the split unique.
    t4 = _seed_with(tmp_path, (T4_ROW, "\t000110000000000\n"))
    result = import_source(t4, agency_id="x")
    assert result.params.tables.to_params()["t4"] == {
        "review": [0, 0, 0, 1, 1],
        "direct_suit": [0, 0, 0, 0, 0],
        "suit_after_review": [0, 0, 0, 0, 0],
    }


def test_tolerates_traditional_characters_page_markers_annotations_and_aliases(tmp_path):
    path = _seed_with(
        tmp_path,
        ("五、存在的主要问题及改进情况", "五、存在的主要問題及改進情況"),
        ("\t行政规范性文件\n\t0\n", "\t规范性文件\n\t22（其中修订16件）\n"),
        ("\t（七）总计\n", "— 5 —\n\t（七）总计\n"),
        ("\t1.属于国家秘密\n", "\t1.属于国家\n秘密\n"),
    )
    result = import_source(path, agency_id="wltzq-hailiutu")
    assert result.report.errors == []
    tables = result.params.tables.to_params()
    assert tables["t2"]["normative_documents"] == [22, 0, 0]
    assert tables["t3"]["outcome"]["total"] == _z()
    assert tables["t3"]["outcome"]["withheld"]["state_secret"] == _z()
    annotated = [c for c in result.report.cells if c.status == "annotated"]
    assert [(c.ref, c.value) for c in annotated] == [("t2.normative_documents.issued", 22)]
    assert "其中修订16件" in annotated[0].detail
    assert ("规范性文件", "行政规范性文件", "alias") in {(d.found, d.expected, d.kind) for d in result.report.labels}
    assert result.params.source.headings["problems"] == "五、存在的主要問題及改進情況"
    assert len(result.params.narrative("problems")) == 2


def test_a_report_with_the_2019_tables_after_2021_imports_in_the_2019_format_with_a_notice(tmp_path):
    path = _seed_with(
        tmp_path,
        ("\t本年制发件数\n\t本年废止件数\n\t现行有效件数\n", "\t本年新制作数量\n\t本年新公开数量\n\t对外公开总数量\n"),
    )
    result = import_source(path, agency_id="x")
    assert result.report.format == "2019" and result.params is not None
    assert result.params.year == 2023 and result.params.format == "2019"
    assert any("已停用的政府信息公开工作年度报告格式（2019年版）" in n for n in result.report.notes)
    # the 2021 sub-rows of （六）其他处理 are not squeezed into the 2019 format's single row
    assert result.params.tables["t3.outcome.other.total"] is None


def test_a_known_format_without_a_data_file_is_refused(tmp_path, monkeypatch):
    assemble = importlib.import_module("nianbao.importers.assemble")
    unknown = {
        "version": "2030",
        "name": "政府信息公开工作年度报告格式（2030年版）",
        "document": "国办公开办函〔2030〕1号",
        "years": "2030年度",
        "table2_labels": ["本年新制作数量", "本年新公开数量", "对外公开总数量", "本年新设数量", "本年取消数量"],
    }
    monkeypatch.setattr(assemble, "versions", lambda: {"unsupported": [unknown]})
    path = _seed_with(
        tmp_path,
        ("\t本年制发件数\n\t本年废止件数\n\t现行有效件数\n", "\t本年新设数量\n\t本年取消数量\n\t对外公开总数量\n"),
    )
    result = import_source(path, agency_id="x")
    assert result.params is None
    message = result.report.errors[0]
    assert "2030年版" in message and "国办公开办函〔2030〕1号" in message and "本年新设数量" in message


def test_a_report_without_date_or_signature_imports_with_the_gaps_listed(tmp_path):
    path = _seed_with(tmp_path, ("乌拉特中旗海流图镇人民政府\n", ""), ("2024年1月12日", ""))
    result = import_source(path, agency_id="x")
    assert result.report.errors == []
    assert result.params.issued is None and result.params.issued_text == ""
    assert result.params.to_params()["issued"] is None
    notes = "\n".join(result.report.notes)
    assert "未找到发布日期" in notes and "原文没有落款" in notes
    rule = result.params.fmt.rule("deadline")
    deadline = kind_of(rule).check(result.params, rule)
    assert deadline and deadline[0].severity == "warning" and "没有发布日期" in deadline[0].message


def test_text_that_is_not_an_annual_report_is_refused_saying_what_was_looked_for(tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text("关于做好春节期间安全生产工作的通知\n各单位：请做好值班。\n", encoding="utf-8")
    result = import_source(path, agency_id="x")
    assert result.params is None
    assert any("没有找到格式中的任何一个部分标题" in e for e in result.report.errors)


def test_one_line_crawled_text_is_cut_into_title_sections_paragraphs_and_closing(tmp_path):
    body = (
        "当前位置：首页 > 政务公开 > 年度报告 发布时间：2024-01-20 字号：大 中 小 "
        "某某县某某局2023年政府信息公开工作年度报告 根据《条例》编制本报告。"
        "一、总体情况2023年，我局全面推进政务公开。（一）主动公开方面全年主动公开信息100条。"
        "（二）依申请公开方面全年收到申请1件。二、主动公开政府信息情况第二十条第（一）项"
        "信息内容本年制发件数本年废止件数现行有效件数规章000"
        "五、存在的主要问题及改进情况存在的问题是公开不够及时。"
        "六、其他需要报告的事项无。某某县某某局 2024年1月18日 【打印】【关闭】"
    )
    path = tmp_path / "crawled.txt"
    path.write_text(body, encoding="utf-8")
    result = import_source(path, agency_id="x")
    data = result.data
    assert data["title"] == "某某县某某局2023年政府信息公开工作年度报告"
    assert data["preface"] == ["根据《条例》编制本报告。"]
    assert data["sections"]["overview"] == [
        "2023年，我局全面推进政务公开。",
        {"subhead": "（一）主动公开方面"},
        "全年主动公开信息100条。",
        {"subhead": "（二）依申请公开方面"},
        "全年收到申请1件。",
    ]
    assert data["sections"]["other"] == ["无。"]
    assert data["signature"] == "某某县某某局" and data["issued"] == "2024年1月18日"
    assert any("标题前的网页内容" in n for n in result.report.notes)
