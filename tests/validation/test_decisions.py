"""Reviewers' decisions (reviews/<agency-id>/<year>.yaml): recorded on values, applied to findings, reopened
(需复核) when a value changes, and refused with Chinese messages naming the file, entry, rule or cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from nianbao.params import load_params
from nianbao.validation import decisions as dec
from nianbao.validation.findings import Finding
from support import SEED_ID, SEED_PARAMS

TOTAL = "t4.suit_after_review.total"
ROW = tuple(f"t4.suit_after_review.{k}" for k in ("total", "upheld", "corrected", "other", "pending"))
NOW = dt.datetime(2025, 2, 3, 9, 30, tzinfo=dt.UTC)


def finding(rule: str, status: str, cells: tuple[str, ...], severity: str = "warning", **kw) -> Finding:
    return Finding(rule, severity, status, SEED_ID, 2023, "t4", f"{rule} {status}", cells=cells, **kw)  # type: ignore[arg-type]


# What validation says about the seed's blank 复议后起诉 总计: the blank cell, and the sum it blocks.
BLANK = finding("blank", "blank", (TOTAL,))
NOT_EVALUATED = finding("T4-sum", "not_evaluated", ROW, severity="error")
HEADINGS = Finding("headings", "warning", "failed", SEED_ID, 2023, None, "标题不一致", section="overview")


@pytest.fixture(scope="module")
def seed():
    return load_params(SEED_PARAMS)


def with_total(seed, value):
    data = seed.to_params()
    data["tables"]["t4"]["suit_after_review"][4] = value
    from nianbao.params import from_mapping

    return from_mapping(data)


def test_a_decision_records_the_values_of_every_cell_its_rule_relates(seed):
    decisions, new = dec.record(seed, [], rule="T4-sum", cells=[TOTAL], status="待整改", reviewer="张三", now=NOW)
    assert decisions == [new]
    assert set(new.values) == set(ROW) and new.values[TOTAL] is None and new.values[ROW[1]] == 0
    assert (new.status, new.reviewer, new.time) == ("待整改", "张三", "2025-02-03T09:30:00+00:00")
    # Recording again on the same rule and cells replaces the decision, it does not pile up.
    again, newer = dec.record(seed, decisions, rule="T4-sum", cells=[TOTAL], status="已整改")
    assert again == [newer] and newer.status == "已整改"


def test_the_reviews_file_is_readable_yaml_that_reads_back(seed, tmp_path: Path):
    decisions, _ = dec.record(
        seed, [], rule="blank", cells=[TOTAL], status="忽略（说明原因）", reason="原报告如此", now=NOW
    )
    decisions, _ = dec.record(seed, decisions, rule="headings", cells=[], section="overview", status="确认有误")
    path = tmp_path / "reviews" / SEED_ID / "2023.yaml"
    dec.save(path, decisions, "乌拉特中旗海流图镇人民政府 2023年度")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 审核记录：乌拉特中旗海流图镇人民政府 2023年度")
    assert "status: 忽略\n" in text and "reason: 原报告如此" in text and f"{TOTAL}: null" in text
    assert yaml.safe_load(text)["decisions"][0]["rule"] == "blank"
    assert dec.load(path) == sorted(decisions, key=lambda d: d.rule)
    assert dec.load(tmp_path / "none.yaml") == []
    assert dec.beside_params(tmp_path / "params" / SEED_ID / "2023.yaml") == path


def test_a_decision_in_force_decides_its_finding_and_the_sums_its_blank_cell_blocks(seed):
    decisions, _ = dec.record(seed, [], rule="blank", cells=[TOTAL], status="忽略", reason="原报告如此")
    review = dec.apply(decisions, [NOT_EVALUATED, BLANK, HEADINGS], seed.tables)
    [applied] = review.applied
    assert applied.state == "in_force" and applied.state_label == "已审核" and applied.covers == (0, 1)
    assert review.open == [HEADINGS] and review.decided == [NOT_EVALUATED, BLANK]
    assert review.counts() == {"error": 0, "warning": 1, "decided": 2, "needs_review": 0}


def test_a_changed_value_turns_the_decision_to_needs_review_and_reopens_its_findings(seed):
    decisions, _ = dec.record(seed, [], rule="T4-sum", cells=[TOTAL], status="确认有误")
    changed = with_total(seed, 3)
    failed = finding("T4-sum", "failed", ROW, severity="error", left=3, right=0)
    review = dec.apply(decisions, [failed], changed.tables)
    [applied] = review.applied
    assert applied.state == "stale" and applied.state_label == "需复核"
    assert applied.changed == ((TOTAL, None, 3),)
    assert review.open == [failed] and review.counts()["needs_review"] == 1 and review.counts()["error"] == 1
    # Back to the values it was made on: in force again.
    assert dec.apply(decisions, [NOT_EVALUATED], seed.tables).applied[0].state == "in_force"


def test_a_decision_on_a_cross_year_finding_reopens_when_last_years_value_changes(seed, tmp_path: Path):
    """上年结转 checked against last year's 结转下年度继续办理: this year's cells stay the same, but last
    year's report is corrected — the decision was made on the old 应为 and must be looked at again."""
    carried = "t3.carried_in.total"
    before = finding("X-carry", "failed", (carried,), severity="error", left=5, right=7)
    decisions, new = dec.record(seed, [], rule="X-carry", cells=[carried], status="确认有误", findings=[before])
    assert new.expected == {carried: 7}
    path = tmp_path / "2023.yaml"
    dec.save(path, decisions)
    assert "expected:" in path.read_text(encoding="utf-8") and dec.load(path) == decisions  # kept in the file
    assert dec.apply(decisions, [before], seed.tables).applied[0].state == "in_force"
    after = finding("X-carry", "failed", (carried,), severity="error", left=5, right=9)  # last year corrected
    review = dec.apply(decisions, [after], seed.tables)
    [applied] = review.applied
    assert applied.state == "stale" and applied.changed == () and applied.expected_changed == ((carried, 7, 9),)
    assert review.open == [after]
    again = dec.Review.from_dicts(review.findings, review.to_dicts())
    assert again.applied[0].expected_changed == applied.expected_changed


def test_a_decision_whose_finding_is_gone_is_kept_as_such(seed):
    decisions, _ = dec.record(seed, [], rule="headings", cells=[], section="other", status="待整改")
    review = dec.apply(decisions, [HEADINGS], seed.tables)
    assert review.applied[0].state == "gone" and review.open == [HEADINGS]


def test_applied_decisions_travel_as_json_and_back(seed):
    decisions, _ = dec.record(seed, [], rule="blank", cells=[TOTAL], status="忽略", reason="原报告如此")
    review = dec.apply(decisions, [NOT_EVALUATED, BLANK], seed.tables)
    data = review.to_dicts(dec.titles(seed.fmt))
    assert data[0]["title"] == "单元格不应为空（无数据应填0）" and data[0]["state_label"] == "已审核"
    again = dec.Review.from_dicts(review.findings, data)
    assert again.open == review.open and again.counts() == review.counts()


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"rule": "T9", "cells": [TOTAL], "status": "待整改"}, ["未知的规则 'T9'", "T4-sum（总计应等于"]),
        (
            {"rule": "T3-rowsum", "cells": [TOTAL], "status": "待整改"},
            ["T3-rowsum", "不涉及", "「行政诉讼 / 复议后起诉 / 总计」栏", TOTAL],
        ),
        ({"rule": "blank", "cells": ["t4.nowhere.total"], "status": "待整改"}, ["没有单元格 't4.nowhere.total'"]),
        (
            {"rule": "blank", "cells": [TOTAL], "status": "通过"},
            ["未知的审核结论 '通过'", "确认有误 / 待整改 / 已整改 / 忽略"],
        ),
        ({"rule": "blank", "cells": [TOTAL], "status": "忽略"}, ["忽略", "必须", "说明原因"]),
        ({"rule": "headings", "cells": [], "section": "nowhere", "status": "待整改"}, ["没有部分 'nowhere'"]),
    ],
)
def test_bad_requests_are_refused_in_the_templates_words(seed, kw, words):
    with pytest.raises(dec.ReviewsError) as err:
        dec.record(seed, [], **kw)
    for w in words:
        assert w in str(err.value), str(err.value)
    assert err.value.exit_code == 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("decisions: [\n", ["reviews/x/2023.yaml", "YAML 格式错误第 2 行"]),
        ("- 1\n", ["应为映射，含 decisions"]),
        ("decisions:\n- rule: blank\n  status: 通过\n", ["第 1 条审核记录（规则 blank）", "未知的审核结论 '通过'"]),
        (
            "decisions:\n- {rule: blank, status: 待整改}\n- rule: T4-sum\n  status: 忽略\n",
            ["第 2 条审核记录（规则 T4-sum）", "必须在 reason 中说明原因"],
        ),
        ("decisions:\n- {status: 待整改}\n", ["第 1 条审核记录：缺少 rule"]),
        ("decisions:\n- {rule: blank, status: 待整改, values: {a: 一}}\n", ["values 中的不是数字"]),
    ],
)
def test_a_malformed_reviews_file_names_file_and_entry(tmp_path: Path, text: str, words: list[str]):
    path = tmp_path / "2023.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(dec.ReviewsError) as err:
        dec.load(path, "reviews/x/2023.yaml")
    for w in words:
        assert w in str(err.value), str(err.value)


def test_an_unreadable_reviews_file_becomes_an_open_error_not_a_lost_report(seed, tmp_path: Path):
    path = tmp_path / "2023.yaml"
    path.write_text("decisions: [\n", encoding="utf-8")
    review = dec.review_of(seed, [BLANK], path, "reviews/x/2023.yaml")
    assert [f.rule_id for f in review.open] == ["blank", "reviews"]
    assert review.open[1].is_error and "reviews/x/2023.yaml" in review.open[1].message
