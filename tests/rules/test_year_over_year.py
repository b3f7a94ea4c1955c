"""Year over year: swings beyond the format's thresholds, tables identical to last year's, and each
section's 重复率 against last year's text — on many synthetic two-year chains generated from the seed
params (numbers and text varied in code), and across the change of format (a 2020 report in the 2019
format followed by a 2021 one: only comparable cells are compared).

The kinds are plain Python (``check_years``); one test runs them through ``validate_batch`` to show
they reach the findings every other rule does.
"""

from __future__ import annotations

import copy
import random
import re
from decimal import Decimal
from fnmatch import fnmatchcase
from typing import Any

import pytest

from nianbao.format import get_format
from nianbao.params import from_mapping, load_params
from nianbao.report.year_over_year import cell_notes, note, read_previous
from nianbao.rules import kind_of
from nianbao.rules.changes import compare_cells
from nianbao.rules.repetition import boilerplate, is_boilerplate, normalise, repetition, sentences
from nianbao.validation.previous import previous_for
from nianbao.validation.validator import validate_batch
from support import EXPECTATIONS, SEED_PARAMS, V2019_ID, V2019_PARAMS, blanks_as_zero

FMT = get_format("2021")
SWING, SAME, COPIED = FMT.rule("Y-swing"), FMT.rule("Y-same"), FMT.rule("Y-copied")


def base(year: int = 2023, agency_id: str = "yoy") -> dict[str, Any]:
    d = copy.deepcopy(load_params(SEED_PARAMS).to_params())
    d.pop("source", None)
    d["agency"]["id"] = agency_id
    d["tables"] = blanks_as_zero(d["tables"])
    d["year"], d["issued"] = year, f"{year + 1}年1月20日"
    return d


def following(d: dict[str, Any]) -> dict[str, Any]:
    """The next year's params: same text and tables, one year on."""
    n = copy.deepcopy(d)
    n["year"] += 1
    n["issued"] = f"{n['year'] + 1}年1月20日"
    return n


def check(rule, this: dict[str, Any], last: dict[str, Any]):
    params, prev = from_mapping(this), from_mapping(last)
    return kind_of(rule).check_years(params, previous_for(prev, params.fmt), rule)


def set_new_total(d: dict[str, Any], total: int) -> None:
    """表三 一、本年新收 (and what was done with it) with ``total`` requests from natural persons."""
    row = [total, 0, 0, 0, 0, 0, total]
    t3 = d["tables"]["t3"]
    t3["new"], t3["outcome"]["disclosed"], t3["outcome"]["total"] = list(row), list(row), list(row)


# --- swings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last", "now", "flagged"),
    [
        (2, 5, False),  # +150%, but only +3: a town's small numbers never trigger
        (0, 19, False),  # from nothing, under the absolute threshold
        (0, 20, True),  # from nothing, at it (no relative change: the absolute threshold decides)
        (3000, 3300, False),  # +300, but only +10%
        (40, 90, True),  # +125%, +50
        (90, 40, True),  # −56%, −50
        (40, 40, False),
    ],
)
def test_a_swing_needs_both_thresholds(last, now, flagged):
    a, b = base(), following(base())
    set_new_total(a, last)
    set_new_total(b, now)
    found = check(SWING, b, a)
    assert bool([f for f in found if f.cells == ("t3.new.total",)]) is flagged
    if flagged:
        [f] = [f for f in found if f.cells == ("t3.new.total",)]
        assert f.severity == "warning" and (f.left, f.right, f.difference) == (now, last, now - last)
        assert "「一、本年新收政府信息公开申请数量」行「总计」列" in f.message and "请在正文中说明原因" in f.message
        assert f"本年为{now}，2023年度为{last}" in f.message


def test_swings_on_synthetic_chains_follow_the_format_thresholds():
    """Many random two-year chains: a finding exactly for the watched cells past both thresholds."""
    o = SWING.options
    rng = random.Random(14)
    watched = [ref for ref in FMT.cell_refs() if any(fnmatchcase(ref, p) for p in o["watch"])]
    assert "t3.new.total" in watched and "t3.new.natural_person" not in watched and "t4.review.total" in watched
    for _ in range(40):
        a, b = base(), following(base())
        pa, pb = from_mapping(a), from_mapping(b)
        last, now = dict(pa.tables), dict(pb.tables)
        for ref in rng.sample(FMT.cell_refs(), 25):
            _, _, field = FMT.cell(ref)
            scale = rng.choice([3, 30, 300, 3000])
            x, y = rng.randint(0, scale), rng.randint(0, scale)
            last[ref], now[ref] = (Decimal(x) / 10, Decimal(y) / 10) if not field.cell_kind.integral else (x, y)
        pa = pa.model_copy(update={"tables": type(pa.tables)(FMT, last)})
        pb = pb.model_copy(update={"tables": type(pb.tables)(FMT, now)})
        found = {f.cells[0] for f in kind_of(SWING).check_years(pb, pa, SWING)}
        expected = set()
        for ref in watched:
            d = now[ref] - last[ref]
            floor = o["min_change"] if FMT.cell(ref)[2].cell_kind.integral else o["min_change_amount"]
            if d and abs(d) >= floor and (last[ref] == 0 or abs(d) / last[ref] >= Decimal(str(o["min_ratio"]))):
                expected.add(ref)
        assert found == expected


def test_every_cell_is_shown_beside_last_years_in_the_review_notes():
    a, b = base(), following(base())
    set_new_total(a, 12)
    set_new_total(b, 53)
    b["tables"]["t3"]["new"][1] = 1  # 商业企业 0 → 1
    params = from_mapping(b)
    notes = cell_notes(params, read_previous(params, from_mapping(a)))
    assert set(notes) == set(FMT.cell_refs())
    assert notes["t3.new.total"]["class"] == "yoy-swing"
    assert notes["t3.new.total"]["lines"].split("\n") == ["上年 12", "+41", "+342%"]
    assert notes["t3.new.natural_person"]["class"] == "yoy-up"  # changed, not a watched total
    assert notes["t3.new.commercial"]["lines"].split("\n") == ["上年 0", "+1"]  # no % from 0
    assert notes["t3.carried_in.total"] == {"class": "yoy-same", "lines": "", "title": "与上年相同（0）"}


# --- identical tables ------------------------------------------------------------------------------------


def test_a_table_identical_to_last_years_is_flagged_but_not_an_all_zero_one():
    a = base()
    set_new_total(a, 7)
    b = following(a)
    found = check(SAME, b, a)
    assert [f.table for f in found] == ["t3"]  # 表二 and 表四 are all zero both years
    [f] = found
    assert f.severity == "warning" and f.extra["identical"] == "表三与上年度完全相同"
    assert "表三与上年度完全相同" in f.message and len(f.cells) == len(list(FMT.tables["t3"].cells()))
    b["tables"]["t3"]["outcome"]["disclosed"][0] = 6
    b["tables"]["t3"]["outcome"]["partly_disclosed"][0] = 1
    assert check(SAME, b, a) == []
    assert check(SAME, following(base()), base()) == [], "all zero twice is not copying"


# --- copied text -------------------------------------------------------------------------------------------

PHRASES = ["政务公开", "信息发布", "平台建设", "依申请公开", "政策解读", "基层公开", "监督考核", "培训"]


def sentence(rng: random.Random) -> str:
    a, b, c = rng.sample(PHRASES, 3)
    kind = rng.choice(["台账", "清单", "制度"])
    return f"我单位围绕{a}、{b}和{c}开展工作{rng.randint(2, 99)}次，形成{kind}{rng.randint(1, 9)}项。"


def test_share_on_synthetic_sections_and_the_warning_above_the_limit():
    rng = random.Random(2024)
    for _ in range(30):
        old = [sentence(rng) for _ in range(8)]
        k = rng.randint(0, 8)
        # this year: k of last year's sentences with their numbers changed, the rest new ones
        kept = [re.sub(r"\d+", lambda m: str(int(m.group()) + 1), s.replace("工作", "工作 ")) for s in old[:k]]
        fresh = [
            f"今年新增{p}专项行动，覆盖{rng.randint(3, 40)}个村社区并建立长效机制。" for p in rng.sample(PHRASES, 8 - k)
        ]
        a, b = base(), following(base())
        a["sections"]["problems"] = ["".join(old)]
        b["sections"]["problems"] = ["".join(kept + fresh)]
        params, prev = from_mapping(b), from_mapping(a)
        [sec] = [s for s in repetition(params, prev, COPIED) if s.key == "problems"]
        repeated = [s.text for s in sec.sentences if s.status == "repeated"]
        assert repeated == kept
        found = [f for f in check(COPIED, b, a) if f.section == "problems"]
        assert bool(found) is (sec.share is not None and sec.share > Decimal("0.5"))
        if found:
            assert f"重复率为{sec.percent()}" in found[0].message and "五、存在的主要问题及改进情况" in found[0].message


def test_a_copied_section_is_reported_with_its_repeated_sentences():
    a = base()
    b = following(a)
    b["sections"]["overview"] = [
        p.replace("2023年", "2024年") if isinstance(p, str) else p for p in b["sections"]["overview"]
    ]
    found = check(COPIED, b, a)
    assert {f.section for f in found} == {"overview", "problems"}
    f = next(f for f in found if f.section == "overview")
    assert f.extra["share"] == "100%" and "“一、总体情况”部分与2023年度报告的重复率为100%" in f.message
    assert any("2024年，海流图镇始终将政务公开工作纳入重要议事日程" in s for s in f.extra["repeated"])
    # "六、其他需要报告的事项" says only what every report must say (fees, nothing else): not copying
    assert "other" not in {f.section for f in found}


def test_boilerplate_is_removed_before_counting():
    must = [
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和国务院办公厅政府信息公开办公室有关要求编制。",
        "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。",
        "本报告电子版可在“某某县人民政府”门户网站查阅或下载。",
        "如对本报告有任何疑问，请与某某县人民政府办公室联系。",
        "本年度未收取任何信息处理费。",
        "无其他需要报告的事项。",
    ]
    patterns = boilerplate(COPIED)
    assert all(is_boilerplate(s, patterns) for s in must)
    own = "我县全年新建政务公开专区12个，覆盖全部乡镇便民服务中心。"
    assert not is_boilerplate(own, patterns)
    a, b = base(), following(base())
    a["sections"]["other"] = ["".join(must)]
    b["sections"]["other"] = ["".join(must) + own]
    [sec] = [s for s in repetition(from_mapping(b), from_mapping(a), COPIED) if s.key == "other"]
    assert [s.status for s in sec.sentences] == ["boilerplate"] * len(must) + ["new"]
    assert sec.share == 0 and [f for f in check(COPIED, b, a) if f.section == "other"] == []


def test_sentences_and_normalisation():
    assert sentences("一是加强。二是完善；三是“推进！”\n四是？") == [
        "一是加强。",
        "二是完善；",
        "三是“推进！”",
        "四是？",
    ]
    assert normalise("2023年，我镇 公开信息 38条。") == normalise("2024年,我镇公开信息41条")


# --- across the change of format -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chain_2019_2021() -> tuple[dict[str, Any], dict[str, Any]]:
    """A 2020 report in the 2019 format (the Shanghai fixture) and a 2021 report with its 表三 copied."""
    y2020 = copy.deepcopy(load_params(V2019_PARAMS).to_params())
    y2020.update(year=2020, issued="2021年1月29日", format="2019")
    y2020["tables"] = blanks_as_zero(y2020["tables"])
    y2021 = base(2021, V2019_ID)
    t3_20 = y2020["tables"]["t3"]
    t3 = y2021["tables"]["t3"]
    for key in ("new", "carried_in", "carried_over"):
        t3[key] = list(t3_20[key])
    for key, value in t3_20["outcome"].items():
        if key != "other":
            t3["outcome"][key] = copy.deepcopy(value)
    t3["outcome"]["other"]["other"] = list(t3_20["outcome"]["other"])  # one row in 2019 → 3.其他
    y2021["tables"]["t2"]["rules"] = [0, 0, 500]  # 对外公开总数量 is not 现行有效件数: never compared
    return y2020, y2021


def test_only_comparable_cells_are_compared_across_formats(chain_2019_2021):
    y2020, y2021 = chain_2019_2021
    params = from_mapping(y2021)
    prev = read_previous(params, from_mapping(y2020))
    changes = compare_cells(params, prev)
    apart = {ref for ref, c in changes.items() if not c.comparable}
    assert "t2.rules.in_force" in apart and "t3.outcome.other.other.total" in apart
    assert "t3.new.total" not in apart and "t4.review.total" not in apart
    assert note(changes["t2.rules.in_force"])["lines"] == "不可比"
    assert "对外公开总数量" in note(changes["t2.rules.in_force"])["title"]
    swings = check(SWING, y2021, y2020)
    assert not {f.cells[0] for f in swings} & apart, "no comparison where the formats differ"
    [same] = check(SAME, y2021, y2020)
    assert same.table == "t3" and "可比的" in same.message and not set(same.cells) & apart


def test_the_kinds_reach_validate_batch_findings(chain_2019_2021):
    y2020, y2021 = copy.deepcopy(chain_2019_2021)
    y2021["sections"]["overview"] = copy.deepcopy(y2020["sections"]["overview"])
    found = validate_batch([from_mapping(y2020), from_mapping(y2021)], suites_dir=EXPECTATIONS)[(V2019_ID, 2021)]
    assert {"Y-same", "Y-copied"} <= {f.rule_id for f in found}
    assert not [f for f in found if f.rule_id.startswith("Y-") and f.severity != "warning"]
